"""/weak: the exam's domains ranked by priority, with the numbers behind each label."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.exam_views import ShareView, weak_embed
from bot.ui.respond import reply


class WeakCog(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.exams

    @app_commands.command(name="weak", description="Your domains ranked: weak, borderline, strong")
    @app_commands.guild_only()
    async def weak(self, interaction: discord.Interaction) -> None:
        view = await self.service.weak(interaction.guild_id, interaction.user.id)
        embed = weak_embed(view)
        hint = None if view.ranking.has_report else "Enter your score report with /report enter for a real ranking."
        await reply(interaction, hint, embed=embed,
                    view=ShareView(interaction.user.id, embed, f"shared their {view.exam.code} focus areas:"))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(WeakCog(bot))
