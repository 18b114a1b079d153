"""/checkin log, /checkin history, /checkin goal and the server's check-in channel.

``/checkin`` is a group: Discord does not allow a command that is both runnable itself and a parent of
subcommands, so the day's check-in is ``/checkin log`` and the raw record is ``/checkin history``.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.checkins import CheckinHistory, CheckinResult
from bot.ui.accountability_views import DYNAMIC_ITEMS, reply_with_notice, with_notice
from bot.ui.delivery import DeliverySender
from bot.ui.respond import reply

ResourceType = Literal["book", "video", "labs", "practice questions", "flashcards", "study group", "other"]


def render_result(result: CheckinResult) -> str:
    lines = [f"Checked in: **{result.minutes} minutes**. Streak: **{result.streak.current}** "
             f"day{'s' if result.streak.current != 1 else ''} (longest {result.streak.longest})."]
    week = result.week
    if week.goal_minutes:
        lines.append(f"This week: {week.minutes} of {week.goal_minutes} minutes ({week.percent_of_goal:g}%), "
                     f"{week.day_count} day{'s' if week.day_count != 1 else ''}.")
    else:
        lines.append(f"This week: {week.minutes} minutes over {week.day_count} day"
                     f"{'s' if week.day_count != 1 else ''}. Set a goal with /checkin goal.")
    if result.nudge:
        lines.append(result.nudge)
    if result.shared:
        lines.append("A short line went to the check-in channel.")
    if result.partner_told:
        lines.append("Your study partner has been told.")
    return "\n".join(lines)


def render_history(history: CheckinHistory) -> str:
    if not history.lines:
        return "No check-ins in this period yet. Log one with /checkin log."
    out = [f"**Your check-ins** (times in {history.timezone})"]
    out += [f"{line.local_time}: {line.minutes} min" + (f" ({line.detail})" if line.detail else "")
            for line in history.lines[-40:]]
    out.append(f"Streak: {history.streak.current} (longest {history.streak.longest}). "
               f"This week ({history.week.week_start:%d %b}–{history.week.week_end:%d %b}): "
               f"{history.week.minutes} minutes on {history.week.day_count} days.")
    if history.away:
        out.append("Away days (they pause the streak): " + ", ".join(
            f"{a:%d %b}–{b:%d %b}" for a, b in history.away[-5:]))
    return "\n".join(out)[:1990]


@app_commands.guild_only()
class Checkin(commands.GroupCog, group_name="checkin", group_description="Log and review your daily study"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.checkins
        super().__init__()

    async def cog_load(self) -> None:
        DeliverySender(self.bot).register()
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    @app_commands.command(name="log", description="Record today's study")
    @app_commands.describe(
        minutes="How long you studied", domains="Exam domains, comma-separated", resource_type="What you used",
        confidence="How confident you feel, 1-5", anxiety="How anxious you feel, 1-5", note="A short note",
    )
    async def log(self, interaction: discord.Interaction, minutes: app_commands.Range[int, 0, 1440] = 0,
                  domains: str | None = None, resource_type: ResourceType | None = None,
                  confidence: app_commands.Range[int, 1, 5] | None = None,
                  anxiety: app_commands.Range[int, 1, 5] | None = None, note: str | None = None) -> None:
        result = await self.service.log(
            interaction.guild_id, interaction.user.id, minutes=minutes, domains=domains,
            resource_type=resource_type, confidence=confidence, anxiety=anxiety, note=note,
        )
        self.bot.alarm.wake_soon()
        # The closed-DM notice was taken in the check-in's own unit of work: no second one for it.
        await reply(interaction, with_notice(render_result(result), result.notice))

    @log.autocomplete("domains")
    async def domains_autocomplete(self, interaction: discord.Interaction,
                                   current: str) -> list[app_commands.Choice[str]]:
        found = await self.service.domain_suggestions(interaction.guild_id, interaction.user.id, current)
        return [app_commands.Choice(name=label, value=value) for label, value in found]

    @app_commands.command(name="history", description="See the raw log behind your streak and weekly numbers")
    @app_commands.describe(days="How many days back (default 14)")
    async def history(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 14) -> None:
        result = await self.service.history(interaction.guild_id, interaction.user.id, days=days)
        await reply_with_notice(interaction, render_history(result))

    @app_commands.command(name="goal", description="Set your weekly goal and whether check-ins are shared")
    @app_commands.describe(weekly_minutes="Minutes per week (0 removes the goal)",
                           share="Post a short line in the server's check-in channel when you check in")
    async def goal(self, interaction: discord.Interaction,
                   weekly_minutes: app_commands.Range[int, 0, 10080] | None = None, share: bool | None = None) -> None:
        view = await self.service.set_goal(interaction.guild_id, interaction.user.id, weekly_minutes=weekly_minutes,
                                           share=share)
        goal = f"{view.weekly_goal_minutes} minutes a week" if view.weekly_goal_minutes else "no weekly goal"
        shared = "shared in the check-in channel" if view.share else "kept private"
        await reply_with_notice(interaction, f"Saved: {goal}; your check-ins are {shared}.")

    @app_commands.command(name="channel", description="Choose the channel where shared check-ins appear")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self.service.set_channel(interaction.guild_id, channel.id)
        await reply_with_notice(interaction, f"Shared check-ins will appear in {channel.mention}.")


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Checkin(bot))
