"""Reminder fan-out: M members whose check-in reminder falls in the same minute, under Discord's 50 req/s.

The ledger and the recurring rules are filled through the repositories (as ``/remind checkin`` would
write them); the bot runs in its own process on that database with a fake clock, and the benchmark
moves the clock over the minute. The emulator enforces the global limit (50 requests per second) and
its per-route buckets. Measured: time from the clock move to the last DM against the floor (requests
needed ÷ 50/s), 429 answers as a share of all requests, and lost and duplicated DMs. Then the same with
the bot process SIGKILLed when half the DMs are out, and a new process started on the same database.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench import seed
from bench.common import Result, bot_process, emulator
from bot.db.connection import Database
from bot.db.repositories.deliveries import Deliveries
from bot.emulator import Emulator, MemberHandle, RateLimits
from bot.pacing import DEFAULT_PER_SECOND
from bot.scheduling.dispatcher import nonce_for

START = datetime(2026, 6, 1, 8, 59, tzinfo=UTC)
DUE = START + timedelta(minutes=1)
GLOBAL_PER_SECOND = 50
REQUESTS_PER_DM = 2  # open the DM channel (POST /users/@me/channels), then post the message
TIME_TARGET = 1.1  # × the floor
RATE_LIMITED_TARGET = 1.0  # % of requests answered 429


@dataclass
class Outcome:
    members: int
    seconds: float
    requests: int
    rate_limited: int
    lost: int
    duplicates_sent: int  # extra messages the emulator stored (it keeps same-nonce repeats)
    duplicates_seen: int  # extra messages a member would see on Discord, which drops same-nonce repeats
    ledger_unsent: int
    restarted: bool
    handler: str
    out_at_kill: int = 0  # DMs already delivered when the process was killed
    answered_with_earlier: int = 0  # message requests Discord answers with the message it already had

    @property
    def floor(self) -> float:
        return self.members * REQUESTS_PER_DM / GLOBAL_PER_SECOND


async def nonce_enforced(emu: Emulator) -> bool:
    """Whether the emulator answers a repeated nonce with ``enforce_nonce`` by returning the first message."""
    probe = emu.user("nonce-probe")
    headers = {"Authorization": f"Bot {emu.application.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{emu.api_base}/users/@me/channels", json={"recipient_id": str(probe.id)}) as r:
            channel_id = (await r.json())["id"]
        ids = []
        for _ in range(2):
            body = {"content": "probe", "nonce": "bench-probe", "enforce_nonce": True}
            async with http.post(f"{emu.api_base}/channels/{channel_id}/messages", json=body) as r:
                ids.append((await r.json())["id"])
    return ids[0] == ids[1]


class DmWatch:
    """Notes when the emulator stores each new message, and when a given count is reached."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.baseline = len(emu.state.messages)
        self.last_at = 0.0
        self._thresholds: list[tuple[int, asyncio.Event]] = []
        self._task = asyncio.create_task(self._run())

    def reached(self, count: int) -> asyncio.Event:
        event = asyncio.Event()
        self._thresholds.append((count, event))
        return event

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        seen = self.baseline
        while True:
            await self.emu.changed().wait()
            now = len(self.emu.state.messages)
            if now != seen:
                seen, self.last_at = now, loop.time()
                for count, event in self._thresholds:
                    if now - self.baseline >= count:
                        event.set()

    def stop(self) -> None:
        self._task.cancel()


def count_dms(emu: Emulator, members: list[MemberHandle], keys: dict[int, str]) -> tuple[int, int, int]:
    """(lost, duplicates the emulator stored, duplicates a member would see) over every member's DMs."""
    lost = sent_extra = seen_extra = 0
    for member in members:
        channel_id = member.user.dm_channel_id
        ids = emu.state.channels[channel_id].message_ids if channel_id is not None else []
        messages = [emu.state.messages[i] for i in ids if i in emu.state.messages]
        nonces = Counter(m.nonce for m in messages)
        if nonces[nonce_for(keys[member.id])] == 0:
            lost += 1
        sent_extra += max(len(messages) - 1, 0)
        visible = len([m for m in messages if m.nonce is None]) + len({m.nonce for m in messages if m.nonce})
        seen_extra += max(visible - 1, 0)
    return lost, sent_extra, seen_extra


async def ledger_unsent(path: str, keys: dict[int, str]) -> int:
    """Reminders of this minute whose ledger row did not end as 'sent'."""
    db = Database(path)
    async with db, db.read() as tx:
        deliveries = Deliveries(tx)
        rows = [await deliveries.by_key(key) for key in keys.values()]
    return sum(1 for row in rows if row is None or row.status != "sent")


async def scenario(size: int, *, kill_at: float | None, work: Path) -> Outcome:
    path = str(work / f"fanout-{size}-{'kill' if kill_at else 'clean'}.db")
    emu = emulator(RateLimits())
    await emu.start()
    loop = asyncio.get_running_loop()
    try:
        guild = emu.add_guild("Study Hall", owner="owner")
        members = [guild.add_member(f"member{i}") for i in range(size)]
        db = await seed.migrated(path, START)
        try:
            await seed.members(db, guild.id, [m.id for m in members], START)
            keys = await seed.daily_reminders(db, guild.id, [m.id for m in members], DUE, START)
        finally:
            await db.close()
        bot = await bot_process(emu, db=path, now=START.isoformat(), log_dir=str(work)).start()
        handler = str(bot.ready_info.get("reminder_handler"))
        emu.set_rate_limits(RateLimits())  # fresh buckets: logging in and syncing commands do not count
        first_request = len(emu.requests)
        watch = DmWatch(emu)
        half = watch.reached(int(size * kill_at)) if kill_at else None
        budget = 3 * size * REQUESTS_PER_DM / GLOBAL_PER_SECOND + 60
        started = loop.time()
        out_at_kill = 0
        try:
            await bot.advance((DUE - START).total_seconds())
            if half is not None:
                await asyncio.wait_for(half.wait(), budget)
                await bot.kill()
                out_at_kill = len(emu.state.messages) - watch.baseline
                bot = await bot_process(emu, db=path, now=DUE.isoformat(), log_dir=str(work)).start()
                await bot.advance(0)
            await bot.wait("delivered", timeout=budget)
            seconds = watch.last_at - started
        finally:
            watch.stop()
            await bot.stop()
        made = emu.requests[first_request:]
        statuses = [status for _, _, status in made]
        posted = sum(1 for method, path, status in made
                     if method == "POST" and path.endswith("/messages") and status == 200)
        lost, sent_extra, seen_extra = count_dms(emu, members, keys)
        return Outcome(
            members=size, seconds=seconds, requests=len(statuses), rate_limited=statuses.count(429), lost=lost,
            duplicates_sent=sent_extra, duplicates_seen=seen_extra, ledger_unsent=await ledger_unsent(path, keys),
            restarted=kill_at is not None, handler=handler, out_at_kill=out_at_kill,
            answered_with_earlier=posted - (len(emu.state.messages) - watch.baseline),
        )
    finally:
        await emu.stop()


def report(result: Result, label: str, outcome: Outcome, *, time_target: bool) -> None:
    ratio = outcome.seconds / outcome.floor
    result.add(f"{label}: time to last DM", outcome.seconds, "s")
    result.add(f"{label}: floor ({outcome.members} × {REQUESTS_PER_DM} requests ÷ 50/s)", outcome.floor, "s")
    result.add(f"{label}: time / floor", ratio, "×", target=f"≤ {TIME_TARGET}" if time_target else None,
               met=ratio <= TIME_TARGET if time_target else None)
    share = 100 * outcome.rate_limited / max(outcome.requests, 1)
    result.add(f"{label}: requests made", outcome.requests, "count")
    result.add(f"{label}: 429 answers", share, "%", target=f"≤ {RATE_LIMITED_TARGET:g} %" if time_target else None,
               met=share <= RATE_LIMITED_TARGET if time_target else None)
    if outcome.restarted:
        result.add(f"{label}: DMs out when killed", outcome.out_at_kill, "count")
        result.add(f"{label}: resends answered with the earlier message (nonce)", outcome.answered_with_earlier,
                   "count")
    result.add(f"{label}: lost DMs", outcome.lost, "count", target="0", met=outcome.lost == 0, correctness=True)
    result.add(f"{label}: duplicated DMs a member sees", outcome.duplicates_seen, "count", target="0",
               met=outcome.duplicates_seen == 0, correctness=True)
    result.add(f"{label}: same-nonce repeats stored by the emulator", outcome.duplicates_sent, "count")
    result.add(f"{label}: ledger rows not 'sent'", outcome.ledger_unsent, "count", target="0",
               met=outcome.ledger_unsent == 0, correctness=True)


async def measure(quick: bool) -> Result:
    result = Result("fanout", quick)
    size = 300 if quick else 10000
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as work:
        probe = emulator(RateLimits.disabled())
        await probe.start()
        try:
            enforced = await nonce_enforced(probe)
        finally:
            await probe.stop()
        clean = await scenario(size, kill_at=None, work=Path(work))
        killed = await scenario(size, kill_at=0.5, work=Path(work))
    result.notes.append(f"{size} members, one daily check-in reminder each, all due at {DUE:%H:%M} UTC; "
                        f"delivered by {clean.handler}.")
    result.notes.append(
        "The emulator " + ("drops" if enforced else "does NOT drop") + " a repeated message nonce sent with "
        "enforce_nonce; duplicates a member sees are counted by Discord's rule (distinct nonces per DM "
        "channel), and same-nonce repeats the emulator stored are listed separately."
    )
    report(result, "clean run", clean, time_target=True)
    report(result, "SIGKILL at 50 % and restart", killed, time_target=False)
    result.notes.append(
        f"The bot paces its REST calls (bot/pacing.py): at most {DEFAULT_PER_SECOND} in any second, at least 1/50 s "
        "apart, under the emulator's 50/s global limit."
    )
    return result


def run(quick: bool) -> Result:
    return asyncio.run(measure(quick))
