"""/progress: your own charts, privately: mocks against the pass mark, domains against the target, and
study minutes by week."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.progress import ProgressView
from bot.ui.charts import progress_pngs
from bot.ui.respond import defer, reply

EMPTY = (
    "Nothing to chart yet, and that's fine: everyone starts here.\n"
    "• Pick your exam with /exam set\n"
    "• Log today's study with /checkin log (even 15 minutes counts)\n"
    "• Practise with /practice, and take a timed mock with /mock start when you feel ready\n"
    "Your charts appear here as you go."
)


def render_summary(view: ProgressView) -> str:
    lines = [f"**Your progress** · {view.exam_code or 'no exam set yet'}"
             + (f" ({view.exam_name})" if view.exam_name else "")]
    streak = f"{view.streak} day{'s' if view.streak != 1 else ''}"
    lines.append(f"This week: {view.week_minutes} minutes · streak: {streak}.")
    if view.exam_code is None:
        lines.append("Pick your exam with /exam set to see mocks and domains here.")
    elif not view.has_mocks:
        lines.append("No mocks yet: /mock start takes one under exam conditions.")
    elif view.ready:
        lines.append("🎯 Your readiness gate is open: it's a good time to book your retake.")
    elif view.readiness_text:
        lines.append(f"Readiness: {view.readiness_text}")
    if view.exam_code is not None and not view.has_mastery:
        lines.append("No practice yet: /practice builds your per-domain picture.")
    if not view.has_minutes:
        lines.append("No check-ins in the last weeks: /checkin log records your study time.")
    lines.append("Only you can see this.")
    return "\n".join(lines)


class Progress(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.progress

    @app_commands.command(name="progress", description="Your own progress charts, privately")
    @app_commands.guild_only()
    async def progress(self, interaction: discord.Interaction) -> None:
        await defer(interaction)
        view = await self.service.progress(interaction.guild_id, interaction.user.id)
        if view.empty:
            await reply(interaction, EMPTY)
            return
        charts = await progress_pngs(view)
        files = [discord.File(io.BytesIO(png), filename=name) for name, png in charts]
        await reply(interaction, render_summary(view), files=files)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Progress(bot))
