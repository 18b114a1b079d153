"""The board's sums from weekly rows (``checkin_weeks``) plus the edges: always equal to summing every check-in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate, shipped_migrations
from bot.db.repositories.board import BoardStats, split_by_weeks
from bot.db.repositories.checkins import WEEK, Checkins, week_start
from bot.db.repositories.members import Members
from bot.domain.streaks import local_midnight_utc

G = 1
MEMBERS = (10, 11, 12, 13)
NOW = datetime(2026, 6, 4, 20, 30, tzinfo=UTC)  # a Thursday evening
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata")


@pytest.fixture
async def db(tmp_path):
    database = Database(str(tmp_path / "t.db"))
    await database.connect()
    yield database
    await database.close()


async def seed_checkins(db: Database, rng: random.Random, count: int = 400) -> list[tuple[int, int, int]]:
    """Check-ins over the ten weeks before ``NOW``, some on exact week boundaries; (user, at, minutes)."""
    now = to_epoch(NOW)
    rows = []
    for _ in range(count):
        at = now - rng.randrange(70 * 86400)
        if rng.random() < 0.1:
            at = week_start(at)
        rows.append((rng.choice(MEMBERS), at, rng.choice((0, 5, 30, 45, 90))))
    async with db.transaction() as tx:
        for user_id in MEMBERS:
            await Members(tx).ensure(G, user_id, now)
        for user_id, at, minutes in rows:
            await Checkins(tx).add(guild_id=G, user_id=user_id, at=at, minutes=minutes, domains=(),
                                   resource_type=None, confidence=None, anxiety=None, note=None)
    return rows


def expected(rows, start: int | None, end: int) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for user_id, at, minutes in rows:
        if (start is None or at >= start) and at < end:
            before = found.get(user_id, (0, 0))
            found[user_id] = (before[0] + minutes, before[1] + 1)
    return found


async def test_week_start_is_the_monday_before_in_utc():
    """A week's key is Monday 00:00 UTC, and an instant on that boundary starts its own week."""
    monday = to_epoch(datetime(2026, 6, 1, tzinfo=UTC))
    assert week_start(monday) == monday
    assert week_start(monday - 1) == monday - WEEK
    assert week_start(to_epoch(NOW)) == monday


@pytest.mark.parametrize("zone", ZONES)
async def test_window_sums_equal_the_check_ins_in_every_time_zone(db, zone):
    """This week, this month and all time, from local midnight in any zone, match summing every check-in."""
    await migrate(db, FakeClock(NOW))
    rows = await seed_checkins(db, random.Random(zone))
    now = to_epoch(NOW)
    today = NOW.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    starts = [to_epoch(local_midnight_utc(monday, zone)), to_epoch(local_midnight_utc(first_of_month, zone)), None]
    async with db.read() as tx:
        for start in starts:
            found = await BoardStats(tx).activity(G, start, now + 1, now=now)
            assert {u: (a.minutes, a.checkins) for u, a in found.items()} == expected(rows, start, now + 1)


async def test_any_span_sums_equal_the_check_ins(db):
    """Random spans, short and long, aligned or not, in the past or reaching now, sum like the raw rows."""
    await migrate(db, FakeClock(NOW))
    rng = random.Random(7)
    rows = await seed_checkins(db, rng)
    now = to_epoch(NOW)
    async with db.read() as tx:
        for _ in range(150):
            end = now + 1 - rng.randrange(80 * 86400)
            if rng.random() < 0.2:
                end = week_start(end)
            start = None if rng.random() < 0.15 else end - rng.randrange(1, 40 * 86400)
            found = await BoardStats(tx).activity(G, start, end, now=now)
            assert {u: (a.minutes, a.checkins) for u, a in found.items()} == expected(rows, start, end), (start, end)


async def test_chart_spans_sum_the_servers_minutes(db):
    """Each span of ``minutes_in`` is the server's minutes checked in during it, in one statement."""
    await migrate(db, FakeClock(NOW))
    rows = await seed_checkins(db, random.Random(3))
    now = to_epoch(NOW)
    bounds = [to_epoch(local_midnight_utc(NOW.date() - timedelta(days=7 * i + 3), "America/New_York"))
              for i in range(8, -1, -1)] + [now + 1]
    spans = list(zip(bounds, bounds[1:], strict=False))
    async with db.read() as tx:
        found = await BoardStats(tx).minutes_in(G, spans, now=now)
    assert found == [sum(m for u, at, m in rows if a <= at < b) for a, b in spans]


def test_edges_read_only_the_shorter_side_of_a_week():
    """A window starting one hour before a UTC week reads that hour from the check-ins, not six days."""
    monday = to_epoch(datetime(2026, 6, 1, tzinfo=UTC))
    now = monday + 3 * 86400
    split = split_by_weeks(monday - 3600, now + 1, now)
    assert split.weeks == (monday, monday + WEEK)
    assert split.add == ((monday - 3600, monday),)
    assert split.subtract == ((now + 1, monday + WEEK),)  # after now: nothing there to read


async def test_migration_sums_the_check_ins_that_already_exist(db):
    """Check-ins recorded before migration 0009 are summed into their weeks and totals when it runs."""
    before = [m for m in shipped_migrations() if m.version < 9]
    await migrate(db, FakeClock(NOW), before)
    rng = random.Random(5)
    rows = [(rng.choice(MEMBERS), to_epoch(NOW) - rng.randrange(70 * 86400), rng.choice((0, 20, 60)))
            for _ in range(300)]
    async with db.transaction() as tx:
        for user_id in MEMBERS:
            await Members(tx).ensure(G, user_id, to_epoch(NOW))
        # The check-in repository of 0009 also writes checkin_weeks, which does not exist yet here.
        for user_id, at, minutes in rows:
            await tx.execute("INSERT INTO checkins (guild_id, user_id, checked_in_at, minutes) VALUES (?, ?, ?, ?)",
                             (G, user_id, at, minutes))
    await migrate(db, FakeClock(NOW))
    weeks: dict[tuple[int, int], tuple[int, int]] = {}
    for user_id, at, minutes in rows:
        old = weeks.get((user_id, week_start(at)), (0, 0))
        weeks[(user_id, week_start(at))] = (old[0] + minutes, old[1] + 1)
    totals = expected(rows, None, to_epoch(NOW) + 1)
    async with db.read() as tx:
        stored = await tx.fetchall("SELECT user_id, week_start, minutes, checkins FROM checkin_weeks")
        summed = await tx.fetchall("SELECT user_id, minutes, checkins FROM checkin_totals")
    assert {(r["user_id"], r["week_start"]): (r["minutes"], r["checkins"]) for r in stored} == weeks
    assert {r["user_id"]: (r["minutes"], r["checkins"]) for r in summed} == totals
