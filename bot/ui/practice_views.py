"""Rendering for practice, quiz rounds and question banks: embeds, answer buttons and the persistent-item base.

Options are listed in the embed and answered with short A–F buttons, because a button label is cut at
80 characters and real exam options are often longer. Every interactive item is a ``DynamicItem`` whose
``custom_id`` carries the ids it needs, so it works after a restart; its state comes from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import discord

from bot.ui.errors import report_error

log = logging.getLogger(__name__)

OK_COLOUR = discord.Colour.green()
MISS_COLOUR = discord.Colour.orange()
INFO_COLOUR = discord.Colour.blurple()
BUTTONS_PER_ROW = 5
# Embed limits (Discord): description 4096, field value 1024.
FIELD_LIMIT = 1024


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_lines(options: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"**{oid.upper()})** {text}" for oid, text in options)


def bar(percent: int, width: int = 10) -> str:
    filled = max(0, min(width, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def rows_for(count: int) -> list[int]:
    """The row of each of ``count`` buttons, five to a row."""
    return [i // BUTTONS_PER_ROW for i in range(count)]


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
