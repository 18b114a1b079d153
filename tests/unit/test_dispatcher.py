"""The delivery ledger and dispatcher: due rows fire once, crashes neither lose nor repeat, DST is right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.members import Members
from bot.db.repositories.rules import Rules
from bot.scheduling.dispatcher import DeliveryDispatcher, Outcome, nonce_for


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock
    await db.close()


class Recorder:
    """A handler that records what it was asked to deliver."""

    def __init__(self, outcome: Outcome | None = None) -> None:
        self.seen: list[str] = []
        self.outcome = outcome or Outcome.sent()

    async def __call__(self, delivery):
        self.seen.append(delivery.idempotency_key)
        return self.outcome


async def schedule(db, clock, key, due, kind="test"):
    async with db.transaction() as tx:
        return await Deliveries(tx).schedule(kind=kind, due_at=to_epoch(due), key=key, now=to_epoch(clock.now()))


async def test_only_due_rows_fire_and_each_once(env):
    """Rows fire when due, never before, and never twice."""
    db, clock = env
    recorder = Recorder()
    dispatcher = DeliveryDispatcher(db, clock)
    dispatcher.register("test", recorder)
    await schedule(db, clock, "a", clock.now() + timedelta(minutes=5))
    await schedule(db, clock, "b", clock.now() + timedelta(hours=2))
    assert await dispatcher.run_due() == 0
    clock.advance(minutes=5)
    assert await dispatcher.run_due() == 1
    assert await dispatcher.run_due() == 0
    clock.advance(hours=3)
    await dispatcher.run_due()
    assert recorder.seen == ["a", "b"]


async def test_same_key_is_scheduled_once(env):
    """Scheduling the same idempotency key twice keeps one row."""
    db, clock = env
    assert await schedule(db, clock, "k", clock.now())
    assert not await schedule(db, clock, "k", clock.now())
    async with db.read() as tx:
        assert (await Deliveries(tx).counts()) == {"pending": 1}


async def test_crash_between_claim_and_finish_is_recovered_and_sent_once(env):
    """A row claimed by a process that died is sent again after restart, and only then marked sent."""
    db, clock = env
    await schedule(db, clock, "r", clock.now())
    async with db.transaction() as tx:  # the dead process got this far
        claimed = await Deliveries(tx).claim_due(to_epoch(clock.now()), 10)
    assert [d.idempotency_key for d in claimed] == ["r"]

    restarted = DeliveryDispatcher(db, clock)
    recorder = Recorder()
    restarted.register("test", recorder)
    assert await restarted.run_due() == 0  # still 'sending': not visible to a live dispatcher
    assert await restarted.recover() == 1
    assert await restarted.run_due() == 1
    assert await restarted.run_due() == 0
    assert recorder.seen == ["r"]
    async with db.read() as tx:
        row = await Deliveries(tx).by_key("r")
    assert row.status == "sent" and row.attempts == 2


async def test_passing_failure_is_retried_then_given_up(env):
    """A handler asking for a retry gets it later, and after the last attempt the row is failed."""
    db, clock = env
    recorder = Recorder(Outcome.retry("503", timedelta(minutes=1)))
    dispatcher = DeliveryDispatcher(db, clock)
    dispatcher.register("test", recorder)
    await schedule(db, clock, "x", clock.now())
    for _ in range(10):
        await dispatcher.run_due()
        clock.advance(hours=1)
    async with db.read() as tx:
        row = await Deliveries(tx).by_key("x")
    assert row.status == "failed"
    assert len(recorder.seen) == 5


async def test_handler_crash_does_not_stop_the_others(env):
    """One handler raising does not prevent the other due deliveries."""
    db, clock = env

    async def broken(delivery):
        raise RuntimeError("bug")

    recorder = Recorder()
    dispatcher = DeliveryDispatcher(db, clock)
    dispatcher.register("broken", broken)
    dispatcher.register("test", recorder)
    await schedule(db, clock, "bad", clock.now(), kind="broken")
    await schedule(db, clock, "good", clock.now())
    await dispatcher.run_due()
    assert recorder.seen == ["good"]


def test_nonce_is_stable_and_fits_discord():
    """The message nonce is the same for the same key and at most 25 characters."""
    assert nonce_for("rule:1:100") == nonce_for("rule:1:100")
    assert nonce_for("rule:1:100") != nonce_for("rule:1:101")
    assert len(nonce_for("x" * 500)) <= 25


async def add_rule(db, clock, tz: str, hour: int, days: str = "*") -> int:
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await Members(tx).ensure(1, 42, now)
        rule_id = await Rules(tx).add(guild_id=1, user_id=42, kind="test", hour=hour, minute=0, days=days,
                                      timezone=tz, payload={}, now=now)
        from bot.scheduling.recurrence import next_occurrence

        first = next_occurrence(hour=hour, minute=0, days=days, timezone=tz, after=clock.now())
        await Deliveries(tx).schedule(kind="test", due_at=to_epoch(first), key=f"rule:{rule_id}:{to_epoch(first)}",
                                      now=now, guild_id=1, user_id=42, payload={"rule_id": rule_id})
    return rule_id


@pytest.mark.parametrize(
    ("tz", "start", "expected_utc_hours"),
    [
        # Europe/Berlin moves to summer time on 2026-03-29: 19:00 local is 18:00 UTC, then 17:00 UTC.
        ("Europe/Berlin", datetime(2026, 3, 27, 12, 0, tzinfo=UTC), [18, 18, 17, 17]),
        # America/New_York moves back on 2026-11-01: 19:00 local is 23:00 UTC, then 00:00 UTC next day.
        ("America/New_York", datetime(2026, 10, 30, 12, 0, tzinfo=UTC), [23, 23, 0, 0]),
    ],
)
async def test_recurring_rule_keeps_local_time_across_dst(env, tz, start, expected_utc_hours):
    """A daily 19:00 rule fires at 19:00 local every day, before and after the clocks change."""
    db, clock = env
    clock.set(start)
    recorder = Recorder()
    dispatcher = DeliveryDispatcher(db, clock)
    dispatcher.register("test", recorder)
    await add_rule(db, clock, tz, 19)
    fired: list[datetime] = []
    for _ in range(4 * 24):
        clock.advance(hours=1)
        before = len(recorder.seen)
        await dispatcher.run_due()
        if len(recorder.seen) > before:
            fired.append(clock.now())
    assert [f.hour for f in fired] == expected_utc_hours
    from zoneinfo import ZoneInfo

    assert all(f.astimezone(ZoneInfo(tz)).hour == 19 for f in fired)
    assert len(set(recorder.seen)) == len(recorder.seen) == 4


async def test_deactivated_rule_stops_after_its_scheduled_occurrence(env):
    """Turning a rule off stops the chain from inserting further occurrences."""
    db, clock = env
    recorder = Recorder()
    dispatcher = DeliveryDispatcher(db, clock)
    dispatcher.register("test", recorder)
    rule_id = await add_rule(db, clock, "UTC", 13)
    async with db.transaction() as tx:
        await Rules(tx).deactivate(rule_id)
    for _ in range(3):
        clock.advance(days=1)
        await dispatcher.run_due()
    assert len(recorder.seen) == 1
