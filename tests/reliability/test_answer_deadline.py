"""Discord's 3-second window: a command or button slowed past it (here by another connection's write lock) is
deferred in time and answered late, once; a fast one is answered directly; a retried callback that Discord
answers 40060 after a lost response counts as answered."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import discord
import discord.http
import discord.webhook.async_
import pytest

from bot.emulator import Emulator
from bot.local import LocalWorld
from bot.ui.deadline import component_handler, view_store
from bot.ui.privacy_commands import DELETED

from . import figures
from .conftest import ReliableWorld
from .test_faults_db import WriteLock, count

#: A guard delay short enough that the test never waits on wall time for it.
QUICK_DEADLINE = 0.05
#: More than Discord's 3-second window, added to the emulator's rule clock while the lock is held.
PAST_THE_WINDOW = 5.0


@pytest.fixture
async def quick_world(tmp_path, captured_logs):
    """The reliability world with a bot that defers after ``QUICK_DEADLINE`` seconds."""
    local = LocalWorld(database=str(tmp_path / "rebound-deadline.db"),
                       bot_options={"answer_deadline": QUICK_DEADLINE})
    await local.start()
    world = ReliableWorld(local, captured_logs)
    await local.emu.wait_for(lambda: world.guild.general.messages, message="the setup guide")
    try:
        yield world
    finally:
        await local.stop()
    assert list(local.emu.violations) == []
    assert captured_logs.errors() == [], "errors were logged"


async def test_a_command_held_up_by_a_write_lock_is_deferred_then_filled_once(quick_world):
    """/checkin log behind a write lock past Discord's window: deferred in time, then the deferral is filled."""
    world = quick_world
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    async with WriteLock(world.bot.db.path) as lock:
        pending = await alice.slash("checkin log", minutes=30, wait=False)
        await world.emu.wait_for(lambda: pending.interaction.acknowledged, message="the guard's defer")
        world.emu.advance_time(PAST_THE_WINDOW)
        lock.release()
        answer = await pending.wait()
    saved = await count(world, "SELECT COUNT(*) FROM checkins")
    once = answer.interaction.original_edited and answer.interaction.followup_ids == []
    figures.fault("SQLite write lock held past Discord's 3-second window (a command)", injected=1,
                  survived=int(saved == 1 and once and "Checked in" in answer.content), lost=int(saved == 0),
                  note="deferred by the deadline guard, then the deferred reply filled (PATCH); nothing doubled")
    assert answer.deferred and answer.ephemeral
    assert "Checked in" in answer.content
    assert answer.interaction.original_edited and answer.interaction.followup_ids == []
    assert answer.interaction.errors == []
    assert saved == 1


async def test_a_button_held_up_by_a_write_lock_is_deferred_then_updates_its_message(quick_world):
    """Confirming /privacy delete behind a write lock: a deferred update, then the message says it is done."""
    world = quick_world
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    asked = await alice.slash("privacy delete")
    async with WriteLock(world.bot.db.path) as lock:
        pending = await asked.click("Yes, delete everything", wait=False)
        await world.emu.wait_for(lambda: pending.interaction.acknowledged, message="the guard's defer")
        world.emu.advance_time(PAST_THE_WINDOW)
        lock.release()
        await world.emu.wait_for(lambda: asked.message.content == DELETED, message="the confirmation updated")
    deleted = await count(world, "SELECT COUNT(*) FROM member_exams WHERE user_id = ?", alice.id) == 0
    figures.fault("SQLite write lock held past Discord's 3-second window (a button)", injected=1,
                  survived=int(deleted and pending.interaction.followup_ids == []), lost=0,
                  note="a deferred update, then the message edited")
    assert pending.interaction.response_type == 6
    assert pending.interaction.followup_ids == [] and pending.interaction.errors == []
    assert await count(world, "SELECT COUNT(*) FROM member_exams WHERE user_id = ?", alice.id) == 0


async def test_a_fast_command_is_answered_directly(world):
    """With the default deadline, an ordinary command gets its answer as the initial response, no defer."""
    answer = await world.member("alice").slash("settings show")
    assert answer.interaction.response_type == 4
    assert answer.interaction.followup_ids == []


def lose_first_callback_response(emu: Emulator) -> list[str]:
    """Discord acts on the first interaction callback, then the bot sees a 500 (a timeout at the edge)."""
    original = emu._handle
    fired: list[str] = []
    callback = re.compile(r"POST /interactions/\d+/[^/]+/callback")

    async def handle(request, method, path):
        response = await original(request, method, path)
        if not fired and response.status < 300 and callback.search(f"{method} {path}"):
            fired.append(path)
            body = json.dumps({"message": "500: Internal Server Error", "code": 0}).encode()
            return type(response)(status=500, body=body, headers={"Content-Type": "application/json"})
        return response

    emu._handle = handle
    return fired


async def test_a_retried_callback_answered_already_acknowledged_counts_as_answered(world, quick_retries):
    """The lost response's retry gets 40060: the member sees the one answer, and no error is reported."""
    fired = lose_first_callback_response(world.emu)
    answer = await world.member("alice").slash("settings show")
    await world.emu.wait_for(lambda: answer.interaction.errors, message="the retry's 40060")
    answered_once = answer.interaction.response_type == 4 and answer.interaction.followup_ids == []
    figures.fault("interaction callback acted but its response lost (retry answered 40060)", injected=len(fired),
                  survived=int(answered_once and not world.log.unexpected()), lost=0,
                  note="counted as answered; no error shown or logged")
    assert fired
    assert answered_once
    assert [e for e in answer.interaction.errors if not e.startswith("40060")] == []
    assert world.log.unexpected() == []


async def test_a_public_answer_after_the_guards_private_defer_is_posted_publicly(quick_world):
    """/quiz start behind a write lock: the private "thinking" goes, the lobby is public and others can join."""
    world = quick_world
    alice, bob = world.member("alice"), world.member("bob")
    async with WriteLock(world.bot.db.path) as lock:
        pending = await alice.slash("quiz start", exam="SY0-701", questions=1, seconds=30, wait=False)
        await world.emu.wait_for(lambda: pending.interaction.acknowledged, message="the guard's defer")
        world.emu.advance_time(PAST_THE_WINDOW)
        lock.release()
        lobby = await pending.wait()
    assert len(lobby.interaction.followup_ids) == 1 and not lobby.ephemeral
    assert lobby.interaction.original_message_id not in world.emu.state.messages
    joined = await lobby.click("Join", by=bob)
    assert joined.interaction.errors == []


async def test_theview_store_internals_the_fallback_reads_are_there(world):
    """discord.py still keeps views, dynamic items and modals where the expired-page fallback looks for them."""
    assert view_store(world.bot) is not None


def test_without_theview_store_the_guard_does_not_guess():
    """If discord.py moves its view store, no button is taken for expired: the lookup reports it cannot tell."""
    interaction = SimpleNamespace(data={"custom_id": "rb:x", "component_type": 2}, message=None,
                                  type=discord.InteractionType.component)
    assert component_handler(SimpleNamespace(), interaction) == (False, None)
