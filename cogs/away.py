"""/away days:<n>: pause reminders, partner pings and the streak (no pings on holidays)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.accountability_views import reply_with_notice


class Away(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.reminders

    @app_commands.command(name="away", description="Pause reminders, partner pings and your streak for a while")
    @app_commands.describe(days="How many days, counting today (0 means you're back)")
    @app_commands.guild_only()
    async def away(self, interaction: discord.Interaction, days: app_commands.Range[int, 0, 60]) -> None:
        view = await self.service.set_away(interaction.guild_id, interaction.user.id, days)
        if view.ended:
            text = "Welcome back. Reminders and partner pings are on again."
        else:
            text = (f"Enjoy the break. Until the end of {view.last_day:%a %d %b} there are no reminders or partner "
                    "pings, and your streak waits for you. /away days:0 ends it early.")
        await reply_with_notice(interaction, text)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Away(bot))
