"""SQLite faults: another connection holding the write lock (a backup, `rebound migrate`, an admin's sqlite3
shell) and a full disk. A lock is waited out and the work is done once; a full disk is a clear error that
leaves the database intact and everything already stored in place."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from bot.clock import FakeClock
from bot.db import connection as db_connection
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.emulator import RateLimits
from bot.ui.errors import DISK_FULL

from . import figures, invariants


class WriteLock:
    """Another process's connection holding ``BEGIN IMMEDIATE`` on the same file until ``release``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._release = threading.Event()
        self._held = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._held.set()
            self._release.wait(timeout=30)
            conn.execute("COMMIT")
        finally:
            conn.close()

    async def __aenter__(self) -> WriteLock:
        self._thread.start()
        await asyncio.to_thread(self._held.wait, 10)
        return self

    def release(self) -> None:
        self._release.set()

    async def __aexit__(self, *exc: object) -> None:
        self.release()
        await asyncio.to_thread(self._thread.join, 10)


async def count(world, sql: str, *params) -> int:
    async with world.bot.db.read() as tx:
        return await tx.scalar(sql, params)


async def test_a_command_waits_out_a_write_lock_and_saves_once(world):
    """/checkin log while another connection holds the lock: no answer yet, then saved once when it lets go."""
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    async with WriteLock(world.bot.db.path) as lock:
        pending = await alice.slash("checkin log", minutes=30, wait=False)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pending.wait()), 0.3)
        lock.release()
        reply = await pending.wait()
    saved = await count(world, "SELECT COUNT(*) FROM checkins")
    figures.fault("SQLite write lock held by another connection (a command)", injected=1, survived=int(saved == 1),
                  lost=int(saved == 0), note="waited out by the busy timeout; the member was answered")
    assert "Checked in" in reply.content
    assert saved == 1


async def test_deliveries_wait_out_a_write_lock_and_go_once(world):
    """Reminders falling due while the lock is held are sent once the lock is released, each exactly once."""
    world.emu.set_rate_limits(RateLimits.disabled())
    members = [world.member(f"member{i}") for i in range(5)]
    for member in members:
        await member.slash("remind checkin", time="19:00")
    async with WriteLock(world.bot.db.path) as lock:
        world.clock.advance(hours=10)
        running = asyncio.create_task(world.bot.dispatcher.run_due())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(running), 0.3)
        lock.release()
        await running
    received = [len(await m.dms()) for m in members]
    figures.fault("SQLite write lock held during a delivery run", injected=1,
                  survived=int(received == [1] * 5), lost=received.count(0),
                  note=f"DMs per member after the lock: {received}")
    assert received == [1] * 5


async def test_a_lock_held_past_the_busy_timeout_is_a_clear_error_and_nothing_is_half_written(tmp_path,
                                                                                            monkeypatch):
    """When the lock outlasts the timeout (shortened here), the unit of work fails whole and the file is fine."""
    monkeypatch.setattr(db_connection, "BUSY_TIMEOUT_MS", 50)
    clock = FakeClock()
    path = str(tmp_path / "locked.db")
    db = await Database(path).connect()
    await migrate(db, clock)
    try:
        async with WriteLock(path):
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (1, 0)")
        async with db.read() as tx:
            rows = await tx.scalar("SELECT COUNT(*) FROM guilds")
        problems = await invariants.problems(db, clock)
    finally:
        await db.close()
    figures.fault("SQLite lock held past the busy timeout", injected=1, survived=int(rows == 0 and not problems),
                  lost=0, note="'database is locked' after 3 retries; nothing written")
    assert rows == 0
    assert problems == []


async def fill_the_disk(world, member) -> int:
    """Cap the file at its size, then let check-ins use up the free room until SQLite says the disk is full."""
    async with world.bot.db.read() as tx:
        pages = await tx.scalar("PRAGMA page_count")
        await tx.scalar(f"PRAGMA max_page_count = {int(pages)}")
    for written in range(2000):
        try:
            await world.bot.services.checkins.log(world.guild.id, member.id, minutes=1, note="x" * 290)
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)
            return written
    raise AssertionError("the database never filled up")


async def free_the_disk(world) -> None:
    async with world.bot.db.read() as tx:
        await tx.scalar("PRAGMA max_page_count = 1073741823")


async def test_a_full_disk_is_a_clear_error_and_the_database_stays_intact(world):
    """Writes on a full disk are refused in plain words and leave nothing half-written; what was stored stays;
    writing works again once there is room."""
    world.errors_expected = True  # the full disk is logged as an error for the operator, by design
    world.emu.set_rate_limits(RateLimits.disabled())
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    await fill_the_disk(world, alice)
    before = await count(world, "SELECT COUNT(*) FROM checkins")
    refused = [await alice.slash("checkin log", minutes=45, note="y" * 290) for _ in range(3)]
    mock = await alice.slash("mock start", exam="AZ-900", length="half")
    after_full = await count(world, "SELECT COUNT(*) FROM checkins")
    mocks = await count(world, "SELECT COUNT(*) FROM mock_attempts")
    timeouts = await count(world, "SELECT COUNT(*) FROM scheduled_deliveries WHERE kind = 'mock_timeout'")
    problems = await invariants.problems(world.bot.db, world.clock)
    await free_the_disk(world)
    again = await alice.slash("checkin log", minutes=20)
    clear = sum(r.ephemeral and r.content == DISK_FULL for r in refused)
    figures.fault("disk full on write (PRAGMA max_page_count)", injected=len(refused), survived=clear,
                  lost=before - min(before, after_full),
                  note="refused in plain words, nothing half-written, everything stored before kept; "
                       "writes work again once there is room")
    assert clear == len(refused)
    assert after_full == before
    assert mocks == timeouts  # the mock either started whole or not at all
    assert mock.ephemeral and (mock.content == DISK_FULL or "has started" in mock.content)
    assert problems == []
    assert "Checked in" in again.content
    assert world.log.unexpected(), "the operator's log says what happened"


async def test_deliveries_due_on_a_full_disk_go_once_when_there_is_room(world):
    """Reminders falling due on a full disk are not lost: they go out, once each, after space comes back."""
    world.errors_expected = True
    world.emu.set_rate_limits(RateLimits.disabled())
    members = [world.member(f"member{i}") for i in range(3)]
    for member in members:
        await member.slash("remind checkin", time="19:00")
    await fill_the_disk(world, world.member("filler"))
    world.clock.advance(hours=10)
    try:
        await world.bot.dispatcher.run_due()
        during = "ran"
    except sqlite3.OperationalError as exc:
        during = str(exc)
    sent_while_full = [len(await m.dms()) for m in members]
    await free_the_disk(world)
    await world.advance(minutes=1)
    received = [len(await m.dms()) for m in members]
    problems = await invariants.problems(world.bot.db, world.clock)
    figures.fault("disk full while reminders fall due", injected=1, survived=int(received == [1, 1, 1]),
                  lost=received.count(0), note=f"while full: {during}; DMs {sent_while_full} then {received}")
    assert received == [1, 1, 1]
    assert problems == []
