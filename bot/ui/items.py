"""Building blocks shared by every feature's buttons and views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot.ui.errors import report_error


class SafeDynamicItem:
    """Mixin: a persistent item's errors get the same private reply as commands.

    discord.py sends a dynamic item's exceptions to a throwaway view that only logs them, so the
    member would see "This interaction failed" instead of our kind explanation.
    """

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(interaction)
        except Exception as exc:
            await report_error(interaction, exc, where=f"item {type(self).__name__}")

    async def handle(self, interaction: discord.Interaction) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def view_of(items: Iterable[discord.ui.Item[Any]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def can_manage(interaction: discord.Interaction) -> bool:
    """Manage Server, checked at run time too: default permissions can be changed by server admins."""
    permissions = interaction.permissions
    return bool(permissions and (permissions.manage_guild or permissions.administrator))
