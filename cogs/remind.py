"""/remind checkin|session|list|remove: reminders in the member's own time zone."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.accountability_views import reply_with_notice


@app_commands.guild_only()
class Remind(commands.GroupCog, group_name="remind", group_description="Check-in reminders and study sessions"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.reminders
        super().__init__()

    @app_commands.command(name="checkin", description="A reminder to check in, only on days you haven't yet")
    @app_commands.describe(time="Local time, 24-hour clock, e.g. 19:00",
                           days="daily, weekdays, mon-fri, or a list like mon,wed,fri")
    async def checkin(self, interaction: discord.Interaction, time: str, days: str = "daily") -> None:
        item = await self.service.add_checkin_reminder(interaction.guild_id, interaction.user.id, time=time, days=days)
        self.bot.alarm.wake_soon()
        await reply_with_notice(interaction, f"Saved ({item.ref}): {item.text}.")

    @app_commands.command(name="session", description="Put a study session in your calendar")
    @app_commands.describe(when="Local date and time, e.g. 2026-06-03 18:30", duration="Minutes (default 60)",
                           topic="What you'll study")
    async def session(self, interaction: discord.Interaction, when: str,
                      duration: app_commands.Range[int, 5, 720] = 60, topic: str | None = None) -> None:
        item = await self.service.add_session(interaction.guild_id, interaction.user.id, when=when,
                                              duration_minutes=duration, topic=topic)
        self.bot.alarm.wake_soon()
        await reply_with_notice(interaction, f"Saved ({item.ref}): {item.text}. I'll remind you 15 minutes before "
                                             "and ask afterwards how it went.")

    @app_commands.command(name="list", description="Your reminders and upcoming study sessions")
    async def list_(self, interaction: discord.Interaction) -> None:
        found = await self.service.list(interaction.guild_id, interaction.user.id)
        if not found.items:
            await reply_with_notice(interaction,
                                    "You have no reminders. Add one with /remind checkin or /remind session.")
            return
        lines = [f"`{i.ref}` {i.text}" for i in found.items]
        await reply_with_notice(interaction, "**Your reminders**\n" + "\n".join(lines)[:1900])

    @app_commands.command(name="remove", description="Remove a reminder or session (ids from /remind list)")
    @app_commands.describe(id="The id from /remind list, like c3 or s5")
    async def remove(self, interaction: discord.Interaction, id: str) -> None:  # noqa: A002 - the option's name
        text = await self.service.remove(interaction.guild_id, interaction.user.id, id)
        await reply_with_notice(interaction, text)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Remind(bot))
