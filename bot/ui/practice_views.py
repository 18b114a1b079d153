"""Rendering for practice, quiz rounds and question banks: embeds, answer buttons and the persistent-item base.

Options are listed in the embed and answered with short A–F buttons, because a button label is cut at
80 characters and real exam options are often longer. Every interactive item is a ``DynamicItem`` whose
``custom_id`` carries the ids it needs, so it works after a restart; its state comes from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

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


