"""The one error handler for every app command and component.

Expected errors (``UserError``) become a private message in the member's words. Anything else is a
bug: it is logged with the command and ids, and the member is told it was logged — never a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserError
from bot.ui.deadline import DeadlineGuard
from bot.ui.respond import reply

log = logging.getLogger("rebound.errors")

NOT_IN_DMS = "This command works inside a server, not in DMs."
DISK_FULL = (
    "I couldn't save that: the bot's storage is full, so nothing was changed and everything saved before is "
    "safe. Please let a server admin know."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and it was logged. Nothing you did caused it; "
    "please try again in a moment."
)


def unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and error.__cause__:
        error = error.__cause__
    original = getattr(error, "original", None)
    if isinstance(error, app_commands.CommandInvokeError) and original is not None:
        return original
    return error


# Discord's own names for the permissions whose API flag reads differently (Server Settings > Roles).
_PERMISSION_NAMES = {
    "manage_guild": "Manage Server",
    "read_messages": "View Channels",
    "view_channel": "View Channels",
    "send_messages_in_threads": "Send Messages in Threads",
}


def permission_names(flags: list[str]) -> str:
    return ", ".join(_PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in flags)


def message_for(error: BaseException) -> tuple[str, bool]:
    """(text for the member, whether this was expected)."""
    error = unwrap(error)
    if isinstance(error, UserError):
        return error.render(), True
    if isinstance(error, app_commands.MissingPermissions):
        needed = permission_names(error.missing_permissions)
        return f"This needs the {needed} permission on this server.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = permission_names(error.missing_permissions)
        return f"I'm missing the {needed} permission here; a server admin can grant it.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return NOT_IN_DMS, True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", True
    if isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower():
        # Trying again will not help, unlike most unexpected errors; the operator still gets the traceback.
        return DISK_FULL, False
    return SOMETHING_WENT_WRONG, False


async def report_error(interaction: discord.Interaction, error: BaseException, *, where: str | None = None) -> None:
    text, expected = message_for(error)
    if not expected:
        command = where or (interaction.command.qualified_name if interaction.command else "component")
        custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
        log.error(
            "unexpected error in %s (interaction=%s guild=%s channel=%s user=%s custom_id=%s)",
            command, interaction.id, interaction.guild_id, interaction.channel_id,
            interaction.user.id if interaction.user else None, custom_id,
            exc_info=unwrap(error),
        )
    try:
        await reply(interaction, text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about an error in interaction %s", interaction.id)


def _guild_only(command: object) -> bool:
    while command is not None:
        if getattr(command, "guild_only", False):
            return True
        command = getattr(command, "parent", None)
    return False


class ReboundTree(app_commands.CommandTree):
    def __init__(self, client: discord.Client, **options: Any) -> None:
        super().__init__(client, **options)
        # Commands arrive here and components at the view store; the guard watches both (see client.dispatch).
        self.deadline = DeadlineGuard()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Discord hides a command from DMs only when the top-level command says so; a guild_only subcommand of
        # a group that DMs can reach would otherwise run there with no server.
        if interaction.guild_id is None and _guild_only(interaction.command):
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await reply(interaction, NOT_IN_DMS, ephemeral=True)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


class ReboundView(discord.ui.View):
    """Base view: the same error handling as commands, and only its owner may press its buttons."""

    def __init__(self, *, owner_id: int | None = None, timeout: float | None = 900) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            await reply(interaction, "These buttons belong to someone else's session.", ephemeral=True)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await report_error(interaction, error, where=f"view {type(self).__name__}")


class ReboundModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error, where=f"modal {type(self).__name__}")
