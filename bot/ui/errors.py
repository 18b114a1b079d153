"""The one error handler for every app command and component.

Expected errors (``UserError``) become a private message in the member's words. Anything else is a
bug: it is logged with the command and ids, and the member is told it was logged — never a traceback.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.errors import UserError
from bot.ui.respond import reply

log = logging.getLogger("rebound.errors")

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


def message_for(error: BaseException) -> tuple[str, bool]:
    """(text for the member, whether this was expected)."""
    error = unwrap(error)
    if isinstance(error, UserError):
        return error.render(), True
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"This needs the {needed} permission on this server.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I'm missing the {needed} permission here; a server admin can grant it.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server, not in DMs.", True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", True
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


class ReboundTree(app_commands.CommandTree):
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
