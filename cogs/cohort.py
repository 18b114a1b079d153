"""/cohort: who else prepares for the same exam (members who opted in), their retake months, the next quiz."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.community_views import COHORT_ITEMS, cohort_embed, cohort_view
from bot.ui.exam_views import exam_code_choices
from bot.ui.respond import reply


class Cohort(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.cohorts

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*COHORT_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*COHORT_ITEMS)

    @app_commands.command(name="cohort", description="People preparing for the same exam as you")
    @app_commands.describe(exam="Another exam's cohort (default: yours)")
    @app_commands.autocomplete(exam=exam_code_choices)
    @app_commands.guild_only()
    async def cohort(self, interaction: discord.Interaction, exam: str | None = None) -> None:
        view = await self.service.show(interaction.guild_id, interaction.user.id, exam)
        buttons = cohort_view(view.is_member) if exam is None else None
        await reply(interaction, embed=cohort_embed(view), view=buttons)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Cohort(bot))
