"""Check-in service on a real SQLite database with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.errors import InvalidInput
from bot.services.checkins import CheckinService
from bot.services.reminders import ReminderService

G, U = 1, 10


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 3, 23, 18, 0, tzinfo=UTC))  # a Monday, the week Europe/Berlin moves to CEST
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock, CheckinService(db, clock)
    await db.close()


async def count_checkins(db) -> int:
    async with db.read() as tx:
        return len(await Checkins(tx).for_member(G, U))


async def test_streak_counts_local_days_across_dst(env):
    """Seven evenings in Berlin across the DST change make a seven-day streak."""
    db, clock, service = env
    async with db.transaction() as tx:
        await Members(tx).ensure(G, U, to_epoch(clock.now()))
        await Members(tx).set_timezone(G, U, "Europe/Berlin", to_epoch(clock.now()))
    for _ in range(7):
        result = await service.log(G, U, minutes=30)
        clock.advance(days=1)
    assert result.streak.current == 7
    assert result.week.minutes == 210


async def test_week_compares_with_goal(env):
    """The reply's week summary uses the member's weekly goal."""
    _, _, service = env
    await service.set_goal(G, U, weekly_minutes=300)
    result = await service.log(G, U, minutes=60)
    assert result.week.goal_minutes == 300 and result.week.minutes_to_goal == 240


@pytest.mark.parametrize("kwargs", [
    {"minutes": -5}, {"minutes": 2000}, {"confidence": 6}, {"anxiety": 0}, {"resource_type": "podcast"},
    {"note": "x" * 400}, {"domains": "1"},
])
async def test_bad_input_saves_nothing(env, kwargs):
    """Out-of-range values and unknown types are refused before anything is written."""
    db, _, service = env
    with pytest.raises(InvalidInput):
        await service.log(G, U, **kwargs)
    assert await count_checkins(db) == 0


async def test_domains_are_matched_to_the_members_exam(env):
    """Domains typed by number or name are stored as the exam's domain numbers."""
    db, clock, service = env
    async with db.transaction() as tx:
        await Members(tx).ensure(G, U, to_epoch(clock.now()))
        await Exams(tx).set_active(G, U, "SY0-701", to_epoch(clock.now()))
    await service.log(G, U, minutes=20, domains="1, Security Operations")
    history = await service.history(G, U)
    assert history.lines[0].detail.startswith("domains 1.0, 4.0")


async def test_history_shows_every_raw_entry(env):
    """History lists each check-in with its note, newest last."""
    _, clock, service = env
    await service.log(G, U, minutes=10, note="ports")
    clock.advance(hours=2)
    await service.log(G, U, minutes=25, resource_type="labs", anxiety=2)
    history = await service.history(G, U)
    assert [line.minutes for line in history.lines] == [10, 25]
    assert "“ports”" in history.lines[0].detail and "labs" in history.lines[1].detail


async def test_away_days_keep_the_streak(env):
    """Days inside /away neither break nor add to the streak."""
    db, clock, service = env
    await service.log(G, U, minutes=30)
    await ReminderService(db, clock).set_away(G, U, 3)  # today and the next two days
    clock.advance(days=3)
    result = await service.log(G, U, minutes=30)
    assert result.streak.current == 2


async def test_missed_day_breaks_the_streak(env):
    """A whole day without a check-in (and not away) starts the streak again."""
    _, clock, service = env
    await service.log(G, U, minutes=30)
    clock.advance(days=2)
    result = await service.log(G, U, minutes=30)
    assert result.streak.current == 1 and result.streak.longest == 1


async def test_rising_anxiety_suggests_breathing(env):
    """Three check-ins with rising anxiety bring the /breathe nudge."""
    _, clock, service = env
    for level in (2, 3, 4):
        result = await service.log(G, U, minutes=20, anxiety=level)
        clock.advance(hours=20)
    assert result.nudge is not None and "/breathe" in result.nudge


async def test_variety_nudge_names_a_well_voted_resource_of_the_suggested_kind(env):
    """After two weeks of videos only, the nudge suggests practice questions and names one members voted for."""
    from bot.data.loader import load_catalogue
    from bot.services.catalogue_service import CatalogueService
    from bot.services.resources import ResourceService

    db, clock, service = env
    resources = ResourceService(db, clock, CatalogueService(load_catalogue))
    added = await resources.add(G, 99, title="Question drills", url="https://example.org/drills",
                                resource_type="practice_questions", why="Timed sets showed my gaps.")
    await resources.vote(G, 98, added.id)
    result = None
    for _ in range(3):
        result = await service.log(G, U, minutes=40, resource_type="video")
        clock.advance(days=7)
    assert result is not None and result.nudge is not None
    assert "Question drills" in result.nudge and "https://example.org/drills" in result.nudge


async def test_variety_nudge_without_a_library_entry_still_suggests_the_kind(env):
    """With nothing in the library the nudge still names the kind of resource to try, and no link."""
    db, clock, service = env
    result = None
    for _ in range(3):
        result = await service.log(G, U, minutes=40, resource_type="video")
        clock.advance(days=7)
    assert result is not None and result.nudge is not None
    assert "practice questions" in result.nudge.lower()
    assert "http" not in result.nudge


async def test_closed_dm_notice_comes_with_the_check_in_once(env):
    """A refused reminder is mentioned in the next check-in's reply, and only that once."""
    db, clock, service = env
    await ReminderService(db, clock).note_closed_dm(G, U)
    first = await service.log(G, U, minutes=20)
    second = await service.log(G, U, minutes=20)
    assert first.notice and second.notice is None


async def test_log_reads_before_it_writes_in_one_unit(env):
    """A check-in by a known member is one write unit: one read of the context, no second unit."""
    db, clock, service = env
    await service.log(G, U, minutes=5)
    units: list[str] = []
    transaction, read = db.transaction, db.read
    db.transaction = lambda: units.append("write") or transaction()
    db.read = lambda: units.append("read") or read()
    await service.log(G, U, minutes=15)
    assert units == ["write"]
