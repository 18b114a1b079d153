"""Reminder service: check-in reminders, study sessions, /away and closed-DM notes, on real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.members import Members
from bot.errors import InvalidInput, NotFound
from bot.scheduling.dispatcher import DeliveryDispatcher, Outcome
from bot.services.checkins import CheckinService
from bot.services.reminders import Kinds, ReminderService

G, U = 1, 10


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    service = ReminderService(db, clock)
    sent: list[str] = []
    dispatcher = DeliveryDispatcher(db, clock)

    async def handle(delivery):
        plan = await (service.plan_checkin_reminder(delivery) if delivery.kind == Kinds.CHECKIN_REMINDER
                      else service.plan_session(delivery))
        if plan.skip:
            return Outcome.skipped(plan.skip)
        sent.extend(m.text for m in plan.messages)
        return Outcome.sent()

    for kind in (Kinds.CHECKIN_REMINDER, Kinds.SESSION_BEFORE, Kinds.SESSION_AFTER):
        dispatcher.register(kind, handle)
    yield db, clock, service, dispatcher, sent
    await db.close()


async def pending(db) -> int:
    async with db.read() as tx:
        return (await Deliveries(tx).counts()).get("pending", 0)


async def test_checkin_reminder_fires_only_without_a_checkin(env):
    """The 19:00 reminder is skipped on a day with a check-in and sent on a day without."""
    db, clock, service, dispatcher, sent = env
    await service.add_checkin_reminder(G, U, time="19:00", days="daily")
    await CheckinService(db, clock).log(G, U, minutes=30)
    clock.advance(hours=10)
    await dispatcher.run_due()
    assert sent == []
    clock.advance(days=1)
    await dispatcher.run_due()
    assert len(sent) == 1 and "haven't checked in" in sent[0]


async def test_reminder_is_silent_while_away(env):
    """/away silences check-in reminders for its days."""
    db, clock, service, dispatcher, sent = env
    await service.add_checkin_reminder(G, U, time="19:00", days="daily")
    await service.set_away(G, U, 2)
    clock.advance(days=1, hours=11)
    await dispatcher.run_due()
    assert sent == []
    clock.advance(days=1)
    await dispatcher.run_due()
    assert len(sent) == 1


@pytest.mark.parametrize("time, days", [("25:00", "daily"), ("7pm", "daily"), ("19:00", "someday")])
async def test_bad_reminder_input_saves_nothing(env, time, days):
    """Invalid times and days are refused and nothing is scheduled."""
    db, _, service, _, _ = env
    with pytest.raises(InvalidInput):
        await service.add_checkin_reminder(G, U, time=time, days=days)
    assert await pending(db) == 0


async def test_unknown_member_zone_is_refused(env):
    """A stored zone that no longer exists is a clear error, not a crash."""
    db, clock, service, _, _ = env
    async with db.transaction() as tx:
        await Members(tx).ensure(G, U, to_epoch(clock.now()))
        await Members(tx).set_timezone(G, U, "Mars/Olympus", to_epoch(clock.now()))
    with pytest.raises(InvalidInput):
        await service.add_checkin_reminder(G, U, time="19:00", days="daily")
    assert await pending(db) == 0


@pytest.mark.parametrize("when", ["2026-05-31 10:00", "2026-06-01 08:59", "tomorrow", "2026-13-01 10:00"])
async def test_session_in_the_past_or_unreadable_is_refused(env, when):
    """Sessions in the past or with an unreadable time are refused, nothing saved."""
    db, _, service, _, _ = env
    with pytest.raises(InvalidInput):
        await service.add_session(G, U, when=when)
    assert await pending(db) == 0


async def test_session_reminds_before_and_asks_after(env):
    """A session gets a reminder 15 minutes before and a "did it happen?" with buttons after."""
    _, clock, service, dispatcher, sent = env
    await service.add_session(G, U, when="2026-06-01 18:00", duration_minutes=60, topic="subnetting")
    clock.set(datetime(2026, 6, 1, 17, 45, tzinfo=UTC))
    await dispatcher.run_due()
    assert len(sent) == 1 and "subnetting" in sent[0]
    clock.set(datetime(2026, 6, 1, 19, 0, tzinfo=UTC))
    await dispatcher.run_due()
    assert "happen" in sent[1]


async def test_list_and_remove(env):
    """Reminders appear in the list and removing one cancels its deliveries."""
    db, _, service, _, _ = env
    item = await service.add_checkin_reminder(G, U, time="07:30", days="mon-fri")
    listed = await service.list(G, U)
    assert [i.ref for i in listed.items] == [item.ref]
    await service.remove(G, U, item.ref)
    assert (await service.list(G, U)).items == [] and await pending(db) == 0


@pytest.mark.parametrize("ref", ["x1", "c999", "s"])
async def test_remove_unknown_reminder_is_refused(env, ref):
    """Removing something that isn't yours or doesn't exist is a clear error."""
    _, _, service, _, _ = env
    with pytest.raises((InvalidInput, NotFound)):
        await service.remove(G, U, ref)


async def test_closed_dm_is_reported_once(env):
    """A closed DM is noted once and its notice is handed out only once."""
    _, _, service, _, _ = env
    assert await service.note_closed_dm(G, U)
    assert not await service.note_closed_dm(G, U)
    assert "DMs are closed" in (await service.take_notice(G, U) or "")
    assert await service.take_notice(G, U) is None


@pytest.mark.parametrize("days", [-1, 61])
async def test_away_range(env, days):
    """/away takes 0 to 60 days."""
    _, _, service, _, _ = env
    with pytest.raises(InvalidInput):
        await service.set_away(G, U, days)
