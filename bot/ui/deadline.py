"""Discord's 3-second window, and buttons nobody handles any more.

Discord drops an interaction that gets no initial response within 3 seconds ("The application did not
respond"), even if the bot answers a moment later. ``DeadlineGuard.watch`` is called as each interaction
arrives; if it is still unanswered after ``delay`` seconds (a write lock held by a backup, a slow disk),
the guard acknowledges it, so the handler can finish and answer late: ``reply`` then fills the deferred
message. Both go through the interaction's lock in ``bot.ui.respond``.

A button or form whose view did not outlive a restart (or timed out) reaches no handler at all; the guard
sees that when it arrives and says so, instead of leaving the member with "This interaction failed".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.ui.respond import answer_state, defer_locked, is_answered, reply

log = logging.getLogger(__name__)

#: Seconds before an unanswered interaction is deferred: well inside Discord's 3, leaving room for the request.
DEFAULT_DELAY = 2.0
#: Commands that answer with a form say so in their ``extras``; components set ``opens_modal = True``.
OPENS_MODAL = "opens_modal"
PAGE_EXPIRED = "This page has expired — run the command again."
FORM_EXPIRED = "This form has expired — run the command again."

_GUARDED = (
    discord.InteractionType.application_command,
    discord.InteractionType.component,
    discord.InteractionType.modal_submit,
)


def view_store(client: Any) -> Any | None:
    """discord.py's registry of live views, dynamic items and modals (private; None if it moved)."""
    store = getattr(getattr(client, "_connection", None), "_view_store", None)
    if store is None:
        return None
    tables = (getattr(store, "_views", None), getattr(store, "_dynamic_items", None), getattr(store, "_modals", None))
    return store if all(isinstance(t, dict) for t in tables) else None


def component_handler(client: Any, interaction: discord.Interaction) -> tuple[bool, Any]:
    """(known, handler): whether the lookup was possible, and the view item or dynamic item class found.

    Mirrors ``ViewStore.dispatch_view``: dynamic items by custom_id pattern, then the message's view, then
    views registered without a message.
    """
    store = view_store(client)
    data = interaction.data or {}
    custom_id = data.get("custom_id")
    if store is None or not isinstance(custom_id, str):
        return False, None
    if interaction.type is discord.InteractionType.modal_submit:
        return True, store._modals.get(custom_id)
    for pattern, item in store._dynamic_items.items():
        if pattern.fullmatch(custom_id):
            return True, item
    key = (data.get("component_type"), custom_id)
    message_id = interaction.message.id if interaction.message is not None else None
    for entity in (message_id, None):
        item = store._views.get(entity, {}).get(key)
        if item is not None and item.view is not None:
            return True, item
    return True, None


def _opens_modal(interaction: discord.Interaction, handler: Any) -> bool:
    command = interaction.command if interaction.type is discord.InteractionType.application_command else None
    if command is not None and getattr(command, "extras", {}).get(OPENS_MODAL):
        return True
    return bool(getattr(handler, OPENS_MODAL, False))


class DeadlineGuard:
    def __init__(self, delay: float = DEFAULT_DELAY) -> None:
        self.delay = delay
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, interaction: discord.Interaction) -> None:
        """Called synchronously as the interaction arrives, before any of its handlers has run."""
        if interaction.type not in _GUARDED:
            return
        state = answer_state(interaction)
        handler = None
        if interaction.type is not discord.InteractionType.application_command:
            known, handler = component_handler(interaction.client, interaction)
            if known and handler is None:
                self._spawn(self._expired(interaction))
                return
        if _opens_modal(interaction, handler):
            state.opens_modal = True
            return
        loop = asyncio.get_running_loop()
        state.timer = loop.call_later(self.delay, lambda: self._spawn(self._defer_if_unanswered(interaction)))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _defer_if_unanswered(self, interaction: discord.Interaction) -> None:
        state = answer_state(interaction)
        state.timer = None
        async with state.lock:
            if is_answered(interaction) or interaction.is_expired():
                return
            # A form submitted from a message can acknowledge like a button; one from a command needs "thinking".
            thinking = interaction.type is discord.InteractionType.application_command or (
                interaction.type is discord.InteractionType.modal_submit and interaction.message is None)
            try:
                await defer_locked(interaction, ephemeral=True, thinking=thinking)
            except discord.HTTPException as exc:
                log.warning("could not defer slow interaction %s in time: %s", interaction.id, exc)
                return
            state.deferred_by_guard = True
        log.info("interaction %s was not answered within %.1f s; deferred so it can answer late",
                 interaction.id, self.delay)

    async def _expired(self, interaction: discord.Interaction) -> None:
        text = FORM_EXPIRED if interaction.type is discord.InteractionType.modal_submit else PAGE_EXPIRED
        try:
            await reply(interaction, text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not tell a member that interaction %s expired: %s", interaction.id, exc)
