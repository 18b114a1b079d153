"""Reminders, study sessions, /away, and what each accountability delivery should say when it falls due.

The delivery ledger decides *when*; the ``plan_*`` methods here decide *whether and what*, reading the
database at fire time (a check-in reminder is skipped once the member checked in that day; nothing is
sent to someone who is away). ``bot.ui.delivery`` does the sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.members import Members
from bot.db.repositories.rules import Rules
from bot.domain.streaks import local_day, local_midnight_utc
from bot.errors import InvalidInput, NotFound
from bot.scheduling.dispatcher import rule_key
from bot.scheduling.recurrence import next_occurrence, parse_days, parse_time_of_day, zone


class Kinds:
    """Delivery kinds this feature owns (each registered once with the dispatcher)."""

    NOTICE = "acc_notice"  # a fixed text to a DM or channel; skipped when the recipient is away
    CHECKIN_REMINDER = "checkin_reminder"
    SESSION_BEFORE = "session_before"
    SESSION_AFTER = "session_after"
    QUIET_CHECK = "partner_quiet_check"
    PAIRING_ROUND = "pairing_round"
    PARTNER_INTRO = "partner_intro"
    PARTNER_CONNECT = "partner_connect"
    COUNTDOWN = "countdown"
    BREATHE_STEP = "breathe_step"

    ALL = (NOTICE, CHECKIN_REMINDER, SESSION_BEFORE, SESSION_AFTER, QUIET_CHECK, PAIRING_ROUND, PARTNER_INTRO,
           PARTNER_CONNECT, COUNTDOWN, BREATHE_STEP)


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    custom_id: str
    style: str = "primary"  # "primary" | "secondary" | "success"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to ``channel_id`` when set, otherwise as a DM to ``user_id``."""

    text: str
    user_id: int | None = None
    channel_id: int | None = None
    buttons: tuple[ButtonSpec, ...] = ()


@dataclass(frozen=True)
class DeliveryPlan:
    messages: tuple[Outgoing, ...] = ()
    skip: str | None = None

    @classmethod
    def skipped(cls, why: str) -> DeliveryPlan:
        return cls(skip=why)


@dataclass(frozen=True)
class ReminderItem:
    ref: str  # what /remind remove takes: "c3" for a check-in reminder, "s5" for a session
    text: str


@dataclass(frozen=True)
class ReminderList:
    items: list[ReminderItem] = field(default_factory=list)


@dataclass(frozen=True)
class AwayView:
    first_day: date
    last_day: date
    ended: bool  # True for "/away days:0" (back early)


SESSION_LEAD = timedelta(minutes=15)
MAX_AWAY_DAYS = 60
MAX_SESSION_AHEAD = timedelta(days=366)
DM_CLOSED = "dm_closed"

TEXTS = {
    "checkin_reminder": (
        "A gentle reminder: you haven't checked in today. Even 15 minutes counts; log it with /checkin log."
    ),
    "dm_closed": (
        "I tried to send you a reminder by direct message, but your DMs are closed to me, so I've stopped "
        "trying. To get reminders, allow direct messages from server members (Privacy Settings)."
    ),
}


async def is_away(tx: Tx, guild_id: int, user_id: int, at: int) -> bool:
    return await Checkins(tx).away_at(guild_id, user_id, at) is not None


async def take_notice_in(tx: Tx, guild_id: int, user_id: int, now: datetime) -> str | None:
    """``ReminderService.take_notice`` inside the caller's write unit of work."""
    checkins = Checkins(tx)
    reasons = await checkins.unreported_problems(guild_id, user_id)
    if not reasons:
        return None
    await checkins.mark_reported(guild_id, user_id, to_epoch(now))
    return "\n".join(TEXTS.get(r, r) for r in reasons)


async def away_days(tx: Tx, guild_id: int, user_id: int) -> list[tuple[date, date]]:
    return [(date.fromisoformat(a.first_day), date.fromisoformat(a.last_day))
            for a in await Checkins(tx).away_periods(guild_id, user_id)]


def _local_when(text: str, tz: str) -> datetime:
    """'2026-06-03 18:30' (or with a T) in the member's zone, as aware UTC."""
    cleaned = " ".join(text.strip().replace("T", " ").split())
    try:
        naive = datetime.strptime(cleaned, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - the zone is attached below
    except ValueError as exc:
        raise InvalidInput(
            f"I couldn't read {text!r} as a date and time.", hint="Write it like 2026-06-03 18:30 (your local time)."
        ) from exc
    return naive.replace(tzinfo=zone(tz)).astimezone(UTC)


class ReminderService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # --- check-in reminders --------------------------------------------------------------------
    async def add_checkin_reminder(self, guild_id: int, user_id: int, *, time: str, days: str) -> ReminderItem:
        hour, minute = parse_time_of_day(time)  # raises before anything is written
        cron_days = parse_days(days)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, to_epoch(now))
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            first = next_occurrence(hour=hour, minute=minute, days=cron_days, timezone=tz, after=now)
            rule_id = await Rules(tx).add(
                guild_id=guild_id, user_id=user_id, kind=Kinds.CHECKIN_REMINDER, hour=hour, minute=minute,
                days=cron_days, timezone=tz, payload={}, now=to_epoch(now),
            )
            due = to_epoch(first)
            await Deliveries(tx).schedule(
                kind=Kinds.CHECKIN_REMINDER, due_at=due, key=rule_key(rule_id, due), now=to_epoch(now),
                guild_id=guild_id, user_id=user_id, payload={"rule_id": rule_id},
            )
        return ReminderItem(f"c{rule_id}", _rule_text(hour, minute, cron_days, tz, first))

    # --- study sessions ------------------------------------------------------------------------
    async def add_session(self, guild_id: int, user_id: int, *, when: str, duration_minutes: int = 60,
                          topic: str | None = None) -> ReminderItem:
        if not 5 <= duration_minutes <= 720:
            raise InvalidInput("A study session can last from 5 minutes to 12 hours.")
        topic = (topic or "").strip()[:100] or None
        now = self.clock.now()
        async with self.db.transaction() as tx:
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            starts = _local_when(when, tz)
            if starts <= now:
                raise InvalidInput("That time has already passed.",
                                   hint="Pick a time later than now (your local time).")
            if starts - now > MAX_SESSION_AHEAD:
                raise InvalidInput("That's more than a year away; please pick a nearer date.")
            await Members(tx).ensure(guild_id, user_id, to_epoch(now))
            session_id = await Checkins(tx).add_session(
                guild_id, user_id, starts_at=to_epoch(starts), duration=duration_minutes, topic=topic,
                now=to_epoch(now),
            )
            deliveries = Deliveries(tx)
            before = max(starts - SESSION_LEAD, now)
            await deliveries.schedule(
                kind=Kinds.SESSION_BEFORE, due_at=to_epoch(before), key=f"session:{session_id}:before",
                now=to_epoch(now), guild_id=guild_id, user_id=user_id, payload={"session_id": session_id},
            )
            after = starts + timedelta(minutes=duration_minutes)
            await deliveries.schedule(
                kind=Kinds.SESSION_AFTER, due_at=to_epoch(after), key=f"session:{session_id}:after",
                now=to_epoch(now), guild_id=guild_id, user_id=user_id, payload={"session_id": session_id},
            )
        return ReminderItem(f"s{session_id}", _session_text(starts, tz, duration_minutes, topic))

    async def answer_session(self, guild_id: int, user_id: int, session_id: int, happened: bool) -> str:
        async with self.db.transaction() as tx:
            session = await Checkins(tx).session(session_id)
            if session is None or session.guild_id != guild_id or session.user_id != user_id:
                raise NotFound("I couldn't find that study session.")
            await Checkins(tx).answer_session(session_id, happened)
        if happened:
            return "Well done. Log the minutes with /checkin log so they count toward your week."
        return "That's all right; plans slip. Want to pick a new time with /remind session?"

    # --- list / remove -------------------------------------------------------------------------
    async def list(self, guild_id: int, user_id: int) -> ReminderList:
        now = self.clock.now()
        async with self.db.read() as tx:
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            items = [
                ReminderItem(f"c{r.id}", _rule_text(r.hour, r.minute, r.days, r.timezone, None))
                for r in await Rules(tx).for_member(guild_id, user_id, Kinds.CHECKIN_REMINDER)
            ]
            for s in await Checkins(tx).upcoming_sessions(guild_id, user_id, to_epoch(now)):
                items.append(ReminderItem(f"s{s.id}", _session_text(from_epoch(s.starts_at), tz, s.duration_minutes,
                                                                    s.topic)))
        return ReminderList(items)

    async def remove(self, guild_id: int, user_id: int, ref: str) -> str:
        cleaned = ref.strip().lower()
        if len(cleaned) < 2 or cleaned[0] not in "cs" or not cleaned[1:].isdigit():
            raise InvalidInput(f"{ref!r} isn't a reminder id.", hint="Use an id from /remind list, like c3 or s5.")
        number = int(cleaned[1:])
        async with self.db.transaction() as tx:
            if cleaned[0] == "c":
                rule = await Rules(tx).get(number)
                if rule is None or rule.guild_id != guild_id or rule.user_id != user_id or not rule.active:
                    raise NotFound(f"You have no check-in reminder {ref}.",
                                   hint="See your reminders with /remind list.")
                await Rules(tx).deactivate(number)
                await Deliveries(tx).cancel(key_prefix=f"rule:{number}:")
                return "Check-in reminder removed."
            session = await Checkins(tx).session(number)
            if session is None or session.guild_id != guild_id or session.user_id != user_id or session.cancelled:
                raise NotFound(f"You have no study session {ref}.", hint="See your reminders with /remind list.")
            await Checkins(tx).cancel_session(number)
            await Deliveries(tx).cancel(key_prefix=f"session:{number}:")
            return "Study session removed from your calendar."

    # --- away ----------------------------------------------------------------------------------
    async def set_away(self, guild_id: int, user_id: int, days: int) -> AwayView:
        if not 0 <= days <= MAX_AWAY_DAYS:
            raise InvalidInput(f"/away takes 0 to {MAX_AWAY_DAYS} days (0 means you're back).")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, to_epoch(now))
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            today = local_day(now, tz)
            if days == 0:
                await Checkins(tx).end_away(guild_id, user_id, at=to_epoch(now), last_day=today.isoformat())
                return AwayView(today, today, ended=True)
            last = today + timedelta(days=days - 1)
            await Checkins(tx).add_away(
                guild_id, user_id, first_day=today.isoformat(), last_day=last.isoformat(),
                starts_at=to_epoch(now), ends_at=to_epoch(local_midnight_utc(last + timedelta(days=1), tz)),
                now=to_epoch(now),
            )
        return AwayView(today, last, ended=False)

    # --- refused deliveries --------------------------------------------------------------------
    async def note_closed_dm(self, guild_id: int | None, user_id: int) -> bool:
        """Record that the member's DMs are closed; True the first time (so it is reported once)."""
        if guild_id is None:
            return False
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, now)
            return await Checkins(tx).note_problem(guild_id, user_id, DM_CLOSED, now)

    async def take_notice(self, guild_id: int, user_id: int) -> str | None:
        """A note about refused deliveries not yet shown to the member, marked as shown."""
        # Almost every command asks and almost always there is nothing: look first, write only when needed.
        async with self.db.read() as tx:
            if not await Checkins(tx).unreported_problems(guild_id, user_id):
                return None
        async with self.db.transaction() as tx:
            return await take_notice_in(tx, guild_id, user_id, self.clock.now())

    async def dms_work_again(self, guild_id: int | None, user_id: int) -> None:
        if guild_id is None:
            return
        async with self.db.transaction() as tx:
            await Checkins(tx).clear_problem(guild_id, user_id, DM_CLOSED)

    # --- what a due delivery says --------------------------------------------------------------
    async def plan_notice(self, delivery: Delivery) -> DeliveryPlan:
        payload: dict[str, Any] = delivery.payload
        recipient = payload.get("recipient", delivery.user_id)
        async with self.db.read() as tx:
            if delivery.guild_id and recipient and await is_away(tx, delivery.guild_id, int(recipient),
                                                                  to_epoch(self.clock.now())):
                return DeliveryPlan.skipped("recipient is away")
        buttons = tuple(ButtonSpec(**b) for b in payload.get("buttons", ()))
        return DeliveryPlan((Outgoing(payload["text"], user_id=delivery.user_id, channel_id=delivery.target_id,
                                      buttons=buttons),))

    async def plan_checkin_reminder(self, delivery: Delivery) -> DeliveryPlan:
        guild_id, user_id = int(delivery.guild_id or 0), int(delivery.user_id or 0)
        now = self.clock.now()
        async with self.db.read() as tx:
            if await is_away(tx, guild_id, user_id, to_epoch(now)):
                return DeliveryPlan.skipped("member is away")
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            start = local_midnight_utc(local_day(now, tz), tz)
            if await Checkins(tx).any_between(guild_id, user_id, to_epoch(start), to_epoch(now) + 1):
                return DeliveryPlan.skipped("already checked in today")
        return DeliveryPlan((Outgoing(TEXTS["checkin_reminder"], user_id=user_id),))

    async def plan_session(self, delivery: Delivery) -> DeliveryPlan:
        session_id = int(delivery.payload["session_id"])
        async with self.db.read() as tx:
            session = await Checkins(tx).session(session_id)
            if session is None or session.cancelled:
                return DeliveryPlan.skipped("session removed")
            if await is_away(tx, session.guild_id, session.user_id, to_epoch(self.clock.now())):
                return DeliveryPlan.skipped("member is away")
            tz = await Members(tx).effective_timezone(session.guild_id, session.user_id)
        topic = f" on {session.topic}" if session.topic else ""
        start = from_epoch(session.starts_at).astimezone(zone(tz)).strftime("%H:%M")
        if delivery.kind == Kinds.SESSION_BEFORE:
            return DeliveryPlan((Outgoing(
                f"Your study session{topic} starts at {start} ({session.duration_minutes} minutes). "
                "Phone away, one tab open, you've got this.", user_id=session.user_id),))
        return DeliveryPlan((Outgoing(
            f"Did your study session{topic} at {start} happen?", user_id=session.user_id,
            buttons=(
                ButtonSpec("It happened", f"rebound:session:{session.guild_id}:{session_id}:1", "success"),
                ButtonSpec("It didn't", f"rebound:session:{session.guild_id}:{session_id}:0", "secondary"),
            ),
        ),))


def _rule_text(hour: int, minute: int, days: str, tz: str, first: datetime | None) -> str:
    label = {"*": "every day", "mon-fri": "weekdays", "sat,sun": "weekends"}.get(days, days)
    text = f"Check-in reminder at {hour:02d}:{minute:02d} {label} ({tz}), only on days you haven't checked in"
    if first is not None:
        text += f"; first one {first.astimezone(zone(tz)).strftime('%a %d %b %H:%M')}"
    return text


def _session_text(starts: datetime, tz: str, duration: int, topic: str | None) -> str:
    local = starts.astimezone(zone(tz)).strftime("%a %d %b %H:%M")
    return f"Study session {local} ({tz}), {duration} minutes" + (f": {topic}" if topic else "")
