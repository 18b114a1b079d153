"""/privacy: what other members can see about you. ``/privacy board`` and ``/privacy passes`` choose what
the progress board and the weekly digest may show; ``/privacy show`` lists everything public."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.board import PrivacyView
from bot.ui.privacy_commands import attach, register_purge
from bot.ui.respond import reply

OnOff = Literal["on", "off"]


def render_privacy(view: PrivacyView) -> str:
    if view.board_channel_id is None:
        where = "This server has no progress board yet."
    else:
        paused = " (paused right now)" if view.board_paused else ""
        where = f"The progress board is in <#{view.board_channel_id}>{paused}."
    if view.show_on_board:
        board = ("**Progress board: on.** It shows your exam, days to your retake, your study minutes and "
                 "check-ins, your streak, how many points your mocks went *up* since your first one, and a "
                 "\"ready to book\" badge. Never a score. The weekly digest may name you when you become "
                 "ready or improve most.")
    else:
        board = "**Progress board: off.** You're not on it, and the weekly digest won't name you."
    if view.share_pass:
        passes = "**Passes: shared.** When you record a passed retake, the weekly digest congratulates you."
    else:
        passes = "**Passes: private.** The weekly digest never says you passed."
    checkins = ("**Check-ins: shared.** A short line goes to the check-in channel when you check in "
                "(change it with /checkin goal)." if view.share_checkins else
                "**Check-ins: private.** Only you see them (/checkin goal can share them).")
    sums = ("Group totals (minutes, check-ins, members per exam) count everyone without naming anyone.")
    return "\n".join([where, board, passes, checkins, sums])


@app_commands.guild_only()
class Privacy(commands.GroupCog, group_name="privacy",
              group_description="What Rebound shows and stores about you"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.board
        super().__init__()
        # /privacy export and /privacy delete: everything Rebound stores about you, as a file or gone.
        self.data = bot.services.privacy
        attach(self, bot, self.data)

    async def cog_load(self) -> None:
        # A server that removed the bot has its data deleted after the grace period (a daily ledger job).
        await register_purge(self.bot, self.data)

    @app_commands.command(name="board",
                          description="Show or hide yourself on the progress board (off by default)")
    @app_commands.describe(state="on: you appear on the board; off: you don't")
    async def board(self, interaction: discord.Interaction, state: OnOff) -> None:
        view = await self.service.set_on_board(interaction.guild_id, interaction.user.id, state == "on")
        lead = ("You're on the progress board from its next update (within a minute)." if view.show_on_board
                else "You're off the progress board from its next update (within a minute).")
        await reply(interaction, f"{lead}\n\n{render_privacy(view)}")

    @app_commands.command(name="passes", description="Let the weekly digest congratulate you when you pass")
    @app_commands.describe(state="on: the digest may say you passed; off: it never does")
    async def passes(self, interaction: discord.Interaction, state: OnOff) -> None:
        view = await self.service.set_pass_sharing(interaction.guild_id, interaction.user.id, state == "on")
        await reply(interaction, render_privacy(view))

    @app_commands.command(name="show", description="See what other members can see about you")
    async def show(self, interaction: discord.Interaction) -> None:
        view = await self.service.privacy(interaction.guild_id, interaction.user.id)
        await reply(interaction, render_privacy(view))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Privacy(bot))
