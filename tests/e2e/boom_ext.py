"""A test-only extension with one command that fails unexpectedly and one that fails as a member error."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidInput


class Boom(commands.Cog):
    @app_commands.command(name="boom", description="Fails on purpose (tests only)")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("secret internal detail")

    @app_commands.command(name="oops", description="Refuses on purpose (tests only)")
    async def oops(self, interaction: discord.Interaction) -> None:
        raise InvalidInput("That date is in the future.", hint="Use the day you sat the exam.")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Boom())
