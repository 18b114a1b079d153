"""Partner service: the pool, rounds, blocks and quiet-partner pings, on real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.errors import InvalidInput
from bot.services.checkins import CheckinService
from bot.services.partners import PartnerService, parse_hours
from bot.services.reminders import Kinds, ReminderService

G = 1


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock, PartnerService(db, clock)
    await db.close()


async def with_exam(db, clock, user_id, code="SY0-701"):
    async with db.transaction() as tx:
        await Members(tx).ensure(G, user_id, to_epoch(clock.now()))
        await Exams(tx).set_active(G, user_id, code, to_epoch(clock.now()))


async def seven_members(db, clock, service):
    codes = ["SY0-701"] * 4 + ["N10-009"] * 3
    for uid, code in enumerate(codes, start=1):
        await with_exam(db, clock, uid, code)
        await service.join(G, uid)


async def test_joining_without_an_exam_is_refused(env):
    """The pool needs an exam; nothing is saved without one."""
    _, _, service = env
    with pytest.raises(InvalidInput):
        await service.join(G, 5)
    assert not (await service.status(G, 5)).in_pool


async def test_blocking_yourself_is_refused(env):
    """A member cannot block themselves."""
    _, _, service = env
    with pytest.raises(InvalidInput):
        await service.block(G, 5, 5)


@pytest.mark.parametrize("text, hours", [("18-20", (18, 19, 20)), ("7, 19", (7, 19)), ("23-1", (0, 1, 23)), ("", ())])
def test_parse_hours(text, hours):
    """Preferred hours accept ranges (also over midnight) and lists."""
    assert parse_hours(text) == hours


@pytest.mark.parametrize("text", ["25", "evening", "18-30"])
def test_parse_hours_refuses_nonsense(text):
    """Hours outside 0-23 or words are refused."""
    with pytest.raises(InvalidInput):
        parse_hours(text)


async def test_round_of_seven_pairs_same_exam_and_tells_the_odd_one(env):
    """Seven members: three groups, same-exam pairs first, and the odd member is told or in a trio."""
    db, clock, service = env
    await seven_members(db, clock, service)
    summary = await service.run_round(G)
    exam_of = {uid: ("SY0-701" if uid <= 4 else "N10-009") for uid in range(1, 8)}
    pairs = [g for g in summary.groups if len(g) == 2]
    assert all(exam_of[a] == exam_of[b] for a, b in pairs)
    placed = sorted([m for g in summary.groups for m in g] + summary.unmatched)
    assert placed == list(range(1, 8))
    if summary.unmatched:
        async with db.read() as tx:
            odd = await Deliveries(tx).by_key(f"partners:r1:{summary.unmatched[0]}:odd")
        assert odd is not None and "first in line" in odd.payload["text"]


async def test_second_round_has_no_repeats(env):
    """With fresh partners available, round two repeats no pair from round one."""
    db, clock, service = env
    await seven_members(db, clock, service)
    first = await service.run_round(G)
    for uid in range(1, 8):
        await CheckinService(db, clock).log(G, uid, minutes=10)  # stay active
    second = await service.run_round(G)
    before = {frozenset(p) for g in first.groups for p in [g] if len(g) == 2}
    assert not before & {frozenset(g) for g in second.groups if len(g) == 2}


async def test_block_is_honoured_both_ways(env):
    """Two members alone in their exam are not paired when one blocked the other."""
    db, clock, service = env
    for uid in (1, 2):
        await with_exam(db, clock, uid)
        await service.join(G, uid)
    await service.block(G, 2, 1)
    summary = await service.run_round(G)
    assert summary.groups == [] and sorted(summary.unmatched) == [1, 2]


async def test_scheduled_round_runs_once(env):
    """A scheduled round that already ran (e.g. run by hand) does nothing."""
    db, clock, service = env
    await seven_members(db, clock, service)
    assert await service.run_round(G, number=1) is not None
    assert await service.run_round(G, number=1) is None


async def test_silent_members_become_inactive(env):
    """Members with no check-in and no answer during a round sit out the next one."""
    db, clock, service = env
    for uid in (1, 2):
        await with_exam(db, clock, uid)
        await service.join(G, uid)
    await service.run_round(G)
    second = await service.run_round(G)
    assert sorted(second.made_inactive) == [1, 2] and second.groups == []
    assert (await service.status(G, 1)).inactive


async def test_quiet_partner_is_pinged_after_two_days(env):
    """After two quiet days the partner gets a ping with a button and the quiet member one gentle note."""
    db, clock, service = env
    for uid in (1, 2):
        await with_exam(db, clock, uid)
        await service.join(G, uid)
    await service.run_round(G)
    await CheckinService(db, clock).log(G, 2, minutes=30)
    clock.set(datetime(2026, 6, 4, 10, 0, tzinfo=UTC))
    async with db.transaction() as tx:
        due = await Deliveries(tx).claim_due(to_epoch(clock.now()), 50)
    quiet = [d for d in due if d.kind == Kinds.QUIET_CHECK and d.user_id == 1]
    assert len(quiet) == 1
    plan = await service.plan_quiet_check(quiet[0])
    assert [m.user_id for m in plan.messages] == [2, 1]
    assert plan.messages[0].buttons[0].label == "Send encouragement"


async def test_no_ping_when_away(env):
    """A member who is away gets no quiet-partner ping."""
    db, clock, service = env
    for uid in (1, 2):
        await with_exam(db, clock, uid)
        await service.join(G, uid)
    await service.run_round(G)
    await ReminderService(db, clock).set_away(G, 1, 5)
    clock.set(datetime(2026, 6, 4, 10, 0, tzinfo=UTC))
    async with db.transaction() as tx:
        due = await Deliveries(tx).claim_due(to_epoch(clock.now()), 50)
    quiet = next(d for d in due if d.kind == Kinds.QUIET_CHECK and d.user_id == 1)
    assert (await service.plan_quiet_check(quiet)).skip == "member is away"
