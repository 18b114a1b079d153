"""/settings: a member's own settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.respond import reply


@app_commands.guild_only()
class Settings(commands.GroupCog, group_name="settings", group_description="Your own Rebound settings"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.settings
        super().__init__()

    @app_commands.command(name="timezone", description="Set your time zone so reminders come at your local time")
    @app_commands.describe(name="Your time zone, e.g. Europe/Berlin or America/New_York")
    async def timezone(self, interaction: discord.Interaction, name: str) -> None:
        result = await self.service.set_timezone(interaction.guild_id, interaction.user.id, name)
        await reply(interaction, f"Your time zone is now **{result.timezone}**. Reminders will follow your local time.")

    @timezone.autocomplete("name")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in self.service.timezone_suggestions(current)]

    @app_commands.command(name="show", description="See your Rebound settings")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await self.service.show(interaction.guild_id, interaction.user.id)
        zone = settings.timezone + (" (the server's default; set yours with /settings timezone)"
                                    if settings.timezone_is_default else "")
        await reply(interaction, f"**Your settings**\nTime zone: {zone}")


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Settings(bot))
