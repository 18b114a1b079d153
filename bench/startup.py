"""Start-up and memory: process start to ready with a full delivery ledger; RSS with a big guild loaded.

Each figure comes from a new bot process (``bot.emulator.botproc``) against the emulator, from the moment the
process is spawned (interpreter start and imports included) to the moment discord.py reports ready.
The reference is the same start on a migrated, empty database. ``guild_ready_timeout`` is 0.01 s as in
the tests and the sandbox: discord.py's default 2 s wait for late guilds is a constant, not our cost.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import seed
from bench.common import Result, bot_process, emulator
from bench.latency import load, slash
from bot.clock import to_epoch
from bot.db.repositories.deliveries import Deliveries
from bot.emulator import Emulator
from bot.services.reminders import Kinds

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
READY_TARGET = 5.0  # seconds
INTERRUPTED_SHARE = 0.01  # rows left 'sending' by a crash, put back by recover() at start


async def ledger_db(path: str, pending: int, guild_id: int) -> None:
    """``pending`` reminders over the next week, of which 1 % were being sent when the last process died."""
    db = await seed.migrated(path, NOW)
    try:
        members = max(1, pending // 10)
        ids = [10_000_000 + i for i in range(members)]
        await seed.members(db, guild_id, ids, NOW)
        now = to_epoch(NOW)
        interrupted = int(pending * INTERRUPTED_SHARE)
        for start in range(0, pending, seed.BATCH):
            async with db.transaction() as tx:
                deliveries = Deliveries(tx)
                for n in range(start, min(start + seed.BATCH, pending)):
                    due = now - 60 if n < interrupted else now + 60 + (n * 7 * 86400) // pending
                    await deliveries.schedule(kind=Kinds.CHECKIN_REMINDER, due_at=due, key=f"bench:{n}", now=now,
                                              guild_id=guild_id, user_id=ids[n % members], payload={})
        async with db.transaction() as tx:
            await Deliveries(tx).claim_due(now, interrupted)
    finally:
        await db.close()


async def time_to_ready(emu: Emulator, path: str, work: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        bot = await bot_process(emu, db=path, now=NOW.isoformat(), log_dir=work).start()
        times.append(bot.ready_seconds)
        await bot.stop()
    return statistics.median(times)


async def rss_with_members(emu: Emulator, count: int, work: str) -> tuple[int, int]:
    """RSS (KiB) once ready with ``count`` members in the guild and the database, then after each used a command."""
    guild = emu.add_guild(f"Guild of {count}", owner=f"owner{count}")
    members = [guild.add_member(f"g{count}-member{i}") for i in range(count)]
    path = str(Path(work) / f"members-{count}.db")
    db = await seed.migrated(path, NOW)
    try:
        await seed.members(db, guild.id, [m.id for m in members], NOW)
        await seed.daily_reminders(db, guild.id, [m.id for m in members], NOW + timedelta(hours=10), NOW)
    finally:
        await db.close()
    bot = await bot_process(emu, db=path, now=NOW.isoformat(), log_dir=work).start()
    try:
        ready = bot.rss_kib()
        await load("every member once", bot, [slash(emu, m, "checkin log", minutes=20) for m in members])
        used = bot.rss_kib()
    finally:
        await bot.stop()
    emu.remove_guild(guild)
    return ready, used


async def measure(quick: bool) -> Result:
    result = Result("startup", quick)
    pending = 5_000 if quick else 100_000
    members = 1_000 if quick else 10_000
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as work:
        emu = emulator()
        await emu.start()
        try:
            guild = emu.add_guild("Study Hall", owner="owner")
            empty, full = str(Path(work) / "empty.db"), str(Path(work) / "ledger.db")
            await ledger_db(empty, 0, guild.id)
            await ledger_db(full, pending, guild.id)
            reference = await time_to_ready(emu, empty, work, repeats)
            loaded = await time_to_ready(emu, full, work, repeats)
            emu.remove_guild(guild)
            base_ready, base_used = await rss_with_members(emu, 0, work)
            big_ready, big_used = await rss_with_members(emu, members, work)
        finally:
            await emu.stop()
    result.add("process start to ready, empty database", reference, "s")
    result.add(f"process start to ready, {pending:,} pending deliveries", loaded, "s", target=f"≤ {READY_TARGET:g} s",
               met=loaded <= READY_TARGET)
    result.add("ready with the ledger vs empty", loaded / reference, "×")
    result.add("RSS when ready, empty guild", base_ready / 1024, "MiB")
    result.add(f"RSS when ready, {members:,} members", big_ready / 1024, "MiB")
    result.add(f"RSS after each of {members:,} members used /checkin log", big_used / 1024, "MiB")
    result.add("memory per 1,000 members, when ready", (big_ready - base_ready) / 1024 / (members / 1000), "MiB")
    result.add("memory per 1,000 members, after a command each", (big_used - base_used) / 1024 / (members / 1000),
               "MiB")
    result.notes.append(f"Median of {repeats} start(s). {int(pending * INTERRUPTED_SHARE):,} of the pending rows "
                        "were left 'sending' (as after a crash) and are recovered at start.")
    result.notes.append(
        "Members are in the emulator's guild (sent in GUILD_CREATE) and in the database (member row and a daily "
        "reminder rule with its pending delivery). Rebound asks for no member intent, so discord.py keeps no "
        "member cache; the memory is Rebound's and SQLite's."
    )
    return result


def run(quick: bool) -> Result:
    return asyncio.run(measure(quick))
