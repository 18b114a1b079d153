"""/report: enter the score report of a failed attempt, page by page or pasted, then confirm the preview."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.exams import NO_ACTIVE_EXAM, NO_ACTIVE_EXAM_HINT
from bot.ui.exam_views import REPORT_ITEMS, PasteReportModal, preview_embed, report_panel
from bot.ui.respond import open_modal, reply


@app_commands.guild_only()
class ReportCog(commands.GroupCog, group_name="report", group_description="Your exam score report"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.exams
        super().__init__()

    async def cog_load(self) -> None:
        # The draft id is in each button's custom_id, so the buttons keep working after a restart.
        self.bot.add_dynamic_items(*REPORT_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*REPORT_ITEMS)

    @app_commands.command(name="enter", description="Enter your score report, a few domains per page")
    async def enter(self, interaction: discord.Interaction) -> None:
        preview = await self.service.start_report(interaction.guild_id, interaction.user.id)
        await reply(
            interaction,
            "Open each page and copy your results: a percentage (62%), a level (below / near / above, "
            "needs improvement / meets competencies), or on the last page the objectives your report lists "
            "as missed. Leave blank what your report does not show.",
            embed=preview_embed(preview, title=f"{preview.exam_code} score report"),
            view=report_panel(preview),
        )

    @app_commands.command(name="paste", description="Paste the text of your score report")
    async def paste(self, interaction: discord.Interaction) -> None:
        if await self.service.active_exam(interaction.guild_id, interaction.user.id) is None:
            await reply(interaction, f"{NO_ACTIVE_EXAM}\n{NO_ACTIVE_EXAM_HINT}")
            return
        await open_modal(interaction, PasteReportModal())


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(ReportCog(bot))
