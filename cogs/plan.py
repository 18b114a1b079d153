"""/plan: the study plan to the booked (or a proposed) retake date, as an embed and a timeline image."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.charts_plan import render_plan_timeline
from bot.ui.exam_views import ShareView, plan_embed
from bot.ui.respond import defer, reply


class PlanCog(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.exams

    @app_commands.command(name="plan", description="Your study plan to the retake, rebuilt from your latest data")
    @app_commands.describe(hours_per_week="Hours you can study in an ordinary week (kept for next time)")
    @app_commands.guild_only()
    async def plan(self, interaction: discord.Interaction,
                   hours_per_week: float | None = None) -> None:
        view = await self.service.plan(interaction.guild_id, interaction.user.id, hours_per_week)
        await defer(interaction, ephemeral=True, thinking=True)
        embed = plan_embed(view)
        files = []
        if view.plan.phases:
            png = await asyncio.to_thread(render_plan_timeline, view.plan)
            files.append(discord.File(io.BytesIO(png), filename="plan.png"))
            embed.set_image(url="attachment://plan.png")
        # After the defer, reply fills the deferred answer with an edit (which Discord may safely receive twice),
        # not a follow-up that a retried request after a lost response would post twice.
        await reply(interaction, embed=embed, files=files,
                    view=ShareView(interaction.user.id, plan_embed(view), f"shared their {view.exam.code} plan:"))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(PlanCog(bot))
