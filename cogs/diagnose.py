"""/diagnose: a short questionnaire that separates preparation causes from exam-day causes."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.exams import NO_ACTIVE_EXAM, NO_ACTIVE_EXAM_HINT
from bot.ui.exam_views import DiagnoseView
from bot.ui.respond import reply


class DiagnoseCog(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.exams

    @app_commands.command(name="diagnose", description="Find out what got in the way, and what to change")
    @app_commands.guild_only()
    async def diagnose(self, interaction: discord.Interaction) -> None:
        exam = await self.service.active_exam(interaction.guild_id, interaction.user.id)
        if exam is None:
            await reply(interaction, f"{NO_ACTIVE_EXAM}\n{NO_ACTIVE_EXAM_HINT}")
            return
        view = DiagnoseView(interaction.user.id, self.service.diagnosis_questions())
        await reply(interaction, view.text(), view=view)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(DiagnoseCog(bot))
