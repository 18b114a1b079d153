"""Answer an interaction exactly once, whatever state it is in.

Picks the initial response, a follow-up (after a defer or an earlier answer) or, when the interaction
token has expired, nothing at all (logged) — so no code path answers twice (Discord's 40060).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
#: Discord refuses a message whose content is longer (error 50035), and the member would then see nothing.
CONTENT_LIMIT = 2000


def fit_content(content: str) -> str:
    """Cut text (often an echo of what the member typed) to what Discord accepts, marking the cut."""
    return content if len(content) <= CONTENT_LIMIT else content[: CONTENT_LIMIT - 1] + "…"


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    files: list[discord.File] | None = None,
) -> None:
    kwargs: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_PINGS}
    if content is not None:
        kwargs["content"] = fit_content(content)
    if embed is not None:
        kwargs["embed"] = embed
    if embeds:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if files:
        kwargs["files"] = files
    if interaction.is_expired():
        log.warning("interaction %s expired before it could be answered", interaction.id)
        return
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def update(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Edit the message a component lives on (or the deferred original)."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if content is not None:
        kwargs["content"] = fit_content(content)
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)
