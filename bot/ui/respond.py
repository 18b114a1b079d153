"""Answer an interaction exactly once, whatever state it is in.

Every answer goes through one lock per interaction, shared with the deadline guard (``bot.ui.deadline``)
that defers an interaction still unanswered shortly before Discord's 3-second window closes. So the
handler's own answer and the guard's defer never race into Discord's 40060 ("already acknowledged").

``reply`` picks the initial response, the deferred original (filled with a PATCH, which a retry cannot
double), a follow-up after that, or, when the interaction token has expired, nothing at all (logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import InteractionResponseType

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
#: Discord refuses a message whose content is longer (error 50035), and the member would then see nothing.
CONTENT_LIMIT = 2000
#: Discord's answer to a second initial response for the same interaction.
ALREADY_ACKNOWLEDGED = 40060
FORM_TOO_LATE = "That took me too long, so Discord would not let me open the form. Please try again."

_STATE_KEY = "rebound.answer"


@dataclass(eq=False)
class AnswerState:
    """What this process knows about one interaction's answer beyond discord.py's own ``response``."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The initial response Discord says it already has (a retry after a lost response got 40060).
    acknowledged_as: InteractionResponseType | None = None
    #: The deferred "thinking" message was filled in.
    original_filled: bool = False
    #: Deferred by the deadline guard (privately), not by the handler.
    deferred_by_guard: bool = False
    #: The handler will answer with a form, which Discord accepts only as the initial response.
    opens_modal: bool = False
    timer: asyncio.TimerHandle | None = None


def answer_state(interaction: discord.Interaction) -> AnswerState:
    # ``extras`` lives as long as the Interaction object that discord.py hands to every handler of it.
    state = interaction.extras.get(_STATE_KEY)
    if state is None:
        state = interaction.extras[_STATE_KEY] = AnswerState()
    return state


def is_answered(interaction: discord.Interaction) -> bool:
    return interaction.response.is_done() or answer_state(interaction).acknowledged_as is not None


def _response_type(interaction: discord.Interaction) -> InteractionResponseType | None:
    return interaction.response.type or answer_state(interaction).acknowledged_as


def _original_pending(interaction: discord.Interaction) -> bool:
    """A deferred "thinking" message is still waiting for its content."""
    return (_response_type(interaction) is InteractionResponseType.deferred_channel_message
            and not answer_state(interaction).original_filled)


def _settle(state: AnswerState) -> None:
    if state.timer is not None:
        state.timer.cancel()
        state.timer = None


async def initial_response(
    interaction: discord.Interaction, send: Awaitable[Any], kind: InteractionResponseType,
) -> None:
    """Send an initial response (caller holds the lock); a 40060 after a lost response counts as sent.

    When Discord acted on the callback but the bot saw a 5xx, discord.py retries it, and the retry is answered
    40060: the response the member sees is the one from the first attempt.
    """
    state = answer_state(interaction)
    try:
        await send
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ACKNOWLEDGED:
            raise
        log.info("interaction %s was already acknowledged (a retried callback); counted as answered",
                 interaction.id)
        state.acknowledged_as = kind
    _settle(state)


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
    kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
    if content is not None:
        kwargs["content"] = fit_content(content)
    all_embeds = ([embed] if embed is not None else []) + list(embeds or [])
    all_files = ([file] if file is not None else []) + list(files or [])
    if all_embeds:
        kwargs["embeds"] = all_embeds
    if view is not None:
        kwargs["view"] = view
    state = answer_state(interaction)
    async with state.lock:
        if interaction.is_expired():
            log.warning("interaction %s expired before it could be answered", interaction.id)
            return
        if not is_answered(interaction):
            send = interaction.response.send_message(ephemeral=ephemeral, **kwargs, **_files(all_files))
            await initial_response(interaction, send, InteractionResponseType.channel_message)
            return
        if _original_pending(interaction):
            if ephemeral or not state.deferred_by_guard:
                # Filling the deferred original is a PATCH: retried after a lost response, it changes nothing.
                edit = dict(kwargs, attachments=all_files) if all_files else kwargs
                await interaction.edit_original_response(**edit)
                state.original_filled = True
                return
            # The guard's defer was private; a public answer (a quiz lobby) needs its own message, and while
            # the "thinking" message is there Discord would turn the follow-up into it.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.info("could not remove the deferred message of interaction %s: %s", interaction.id, exc)
            state.original_filled = True
        await interaction.followup.send(ephemeral=ephemeral, **kwargs, **_files(all_files))


def _files(files: list[discord.File]) -> dict[str, Any]:
    return {"files": files} if files else {}


async def update(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Edit the message a component lives on (or the deferred original)."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if content is not None:
        kwargs["content"] = fit_content(content)
    state = answer_state(interaction)
    async with state.lock:
        if not is_answered(interaction):
            await initial_response(interaction, interaction.response.edit_message(**kwargs),
                                   InteractionResponseType.message_update)
            return
        await interaction.edit_original_response(**kwargs)
        if _original_pending(interaction):
            state.original_filled = True


async def defer(interaction: discord.Interaction, *, ephemeral: bool = True, thinking: bool = True) -> None:
    """Acknowledge now and answer later with ``reply``/``update``; nothing happens if already answered."""
    state = answer_state(interaction)
    async with state.lock:
        if is_answered(interaction) or interaction.is_expired():
            return
        await defer_locked(interaction, ephemeral=ephemeral, thinking=thinking)


async def defer_locked(interaction: discord.Interaction, *, ephemeral: bool, thinking: bool) -> None:
    kind = (InteractionResponseType.deferred_channel_message if thinking
            or interaction.type is discord.InteractionType.application_command
            else InteractionResponseType.deferred_message_update)
    await initial_response(interaction, interaction.response.defer(ephemeral=ephemeral, thinking=thinking), kind)


async def open_modal(interaction: discord.Interaction, modal: discord.ui.Modal) -> None:
    """Show a form; if the deadline guard already had to defer, say so instead (Discord refuses it then)."""
    state = answer_state(interaction)
    async with state.lock:
        if not is_answered(interaction):
            await initial_response(interaction, interaction.response.send_modal(modal), InteractionResponseType.modal)
            return
    await reply(interaction, FORM_TOO_LATE)
