"""Daily check-ins: record the day's work, then show the streak, the week against its goal and one nudge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.repositories.checkins import CheckinRow, Checkins
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Guilds, Members
from bot.db.repositories.partners import Partners
from bot.domain.catalogue import Catalogue
from bot.domain.nudges import CheckIn, choose_nudge
from bot.domain.resource_types import RESOURCE_TYPES, resource_key
from bot.domain.streaks import Streak, WeekSummary, compute_streak, local_day, week_summary
from bot.domain.text import domain_numbers
from bot.errors import InvalidInput
from bot.scheduling.recurrence import zone
from bot.services.board import touch_in
from bot.services.partners import schedule_quiet_check
from bot.services.reminders import Kinds, away_days, take_notice_in
from bot.services.resources import suggest_in

MAX_NOTE = 300
HISTORY_DAYS = 14


@dataclass(frozen=True)
class CheckinResult:
    checkin_id: int
    minutes: int
    streak: Streak
    week: WeekSummary
    nudge: str | None
    shared: bool
    partner_told: bool
    timezone: str
    notice: str | None = None  # reminders Discord refused to deliver (closed DMs), told once


@dataclass(frozen=True)
class HistoryLine:
    local_time: str  # e.g. "Mon 01 Jun 19:05"
    minutes: int
    detail: str


@dataclass(frozen=True)
class CheckinHistory:
    lines: list[HistoryLine]
    streak: Streak
    week: WeekSummary
    away: list[tuple[date, date]]
    timezone: str


@dataclass(frozen=True)
class GoalView:
    weekly_goal_minutes: int | None
    share: bool


def _rating(value: int | None, what: str) -> int | None:
    if value is not None and not 1 <= value <= 5:
        raise InvalidInput(f"{what} goes from 1 to 5.")
    return value


class CheckinService:
    def __init__(self, db: Database, clock: Clock, catalogue: Callable[[], Catalogue] = load_catalogue) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue

    async def log(
        self, guild_id: int, user_id: int, *, minutes: int = 0, domains: str | None = None,
        resource_type: str | None = None, confidence: int | None = None, anxiety: int | None = None,
        note: str | None = None,
    ) -> CheckinResult:
        if not 0 <= minutes <= 1440:
            raise InvalidInput("Minutes go from 0 to 1440 (a whole day).")
        _rating(confidence, "Confidence")
        _rating(anxiety, "Anxiety")
        resource = resource_key(resource_type)
        note = (note or "").strip() or None
        if note is not None and len(note) > MAX_NOTE:
            raise InvalidInput(f"Please keep the note under {MAX_NOTE} characters.")
        now = self.clock.now()
        at = to_epoch(now)
        # One write unit for the whole command (check-in, shares, partner, board, the closed-DM notice): under
        # load every statement is a round trip through the one connection, so reads come together first.
        async with self.db.transaction() as tx:
            checkins = Checkins(tx)
            context = await checkins.log_context(guild_id, user_id)
            numbers = self._domain_numbers(context.exam_code, domains)  # raises before writing
            if not context.known:
                await Members(tx).ensure(guild_id, user_id, at)
            tz = context.timezone
            goal = context.weekly_goal_minutes
            checkin_id = await checkins.add(
                guild_id=guild_id, user_id=user_id, at=at, minutes=minutes, domains=numbers,
                resource_type=resource, confidence=confidence, anxiety=anxiety, note=note,
            )
            rows = await checkins.for_member(guild_id, user_id, since=at - 60 * 86400)
            away = await away_days(tx, guild_id, user_id)
            streak = compute_streak([from_epoch(r.checked_in_at) for r in rows], tz=tz, now=now, away_periods=away)
            week = week_summary(((r.minutes, from_epoch(r.checked_in_at)) for r in rows), tz, now, 0, goal)
            nudge = choose_nudge(
                [CheckIn(from_epoch(r.checked_in_at), r.minutes, r.resource_type, r.anxiety) for r in rows],
                now, tz, weekly_goal_minutes=goal,
            )
            nudge_text = nudge.text if nudge else None
            if nudge is not None and nudge.suggested_resource:
                # A concrete, well-voted resource of the suggested kind from the server's library, if any.
                pick = await suggest_in(tx, guild_id, context.exam_code, nudge.suggested_resource)
                if pick is not None:
                    nudge_text += f" Members here recommend **{pick.title}** ({pick.url}, {pick.votes} helpful votes)."
            deliveries = Deliveries(tx)
            settings = context.settings
            shared = False
            if context.share and settings.checkin_channel_id:
                await deliveries.schedule(
                    kind=Kinds.NOTICE, due_at=at, key=f"checkin:{checkin_id}:share", now=at, guild_id=guild_id,
                    user_id=user_id, target_id=settings.checkin_channel_id,
                    payload={"text": _share_line(user_id, minutes, streak.current), "recipient": None},
                )
                shared = True
            partners = Partners(tx)
            if context.partner_inactive:
                await partners.set_inactive(guild_id, user_id, None)  # checking in again means they're back
            group = await partners.current_group(guild_id, user_id)
            partner_told = False
            if group is not None:
                for other in group.members:
                    if other == user_id:
                        continue
                    await deliveries.schedule(
                        kind=Kinds.NOTICE, due_at=at, key=f"checkin:{checkin_id}:partner:{other}", now=at,
                        guild_id=guild_id, user_id=other, target_id=group.thread_id,
                        payload={"text": _partner_line(user_id, minutes), "recipient": other},
                    )
                    partner_told = True
                await schedule_quiet_check(tx, guild_id, user_id, last_day=local_day(now, tz), tz=tz,
                                           quiet_days=settings.quiet_days, now=now, tag=f"c{checkin_id}")
            await touch_in(tx, guild_id, now)
            notice = await take_notice_in(tx, guild_id, user_id, now) if context.has_notice else None
        return CheckinResult(checkin_id, minutes, streak, week, nudge_text, shared, partner_told, tz, notice)

    def _domain_numbers(self, exam_code: str | None, typed: str | None) -> tuple[str, ...]:
        if typed is None or not typed.strip():
            return ()
        if exam_code is None:
            raise InvalidInput("Domains come from your exam, and you haven't set one yet.",
                               hint="Leave domains out, or set your exam first.")
        exam = self._catalogue().exam(exam_code)
        if exam is None:
            return ()
        return domain_numbers(exam, typed)

    async def domain_suggestions(self, guild_id: int, user_id: int, typed: str) -> list[tuple[str, str]]:
        """(label, value) pairs of the member's exam domains matching what they typed (at most 25)."""
        async with self.db.read() as tx:
            exam = await Exams(tx).active(guild_id, user_id)
        found = self._catalogue().exam(exam.exam_code) if exam else None
        if found is None:
            return []
        head, _, last = typed.rpartition(",")
        prefix = f"{head}," if head else ""
        wanted = last.strip().lower()
        out = []
        for d in found.domains:
            label = f"{d.number} {d.name}"
            if not wanted or wanted in label.lower():
                out.append(((prefix + label)[:100], (prefix + d.number)[:100]))
        return out[:25]

    async def history(self, guild_id: int, user_id: int, *, days: int = HISTORY_DAYS) -> CheckinHistory:
        if not 1 <= days <= 90:
            raise InvalidInput("History covers 1 to 90 days.")
        now = self.clock.now()
        async with self.db.read() as tx:
            tz = await Members(tx).effective_timezone(guild_id, user_id)
            checkins = Checkins(tx)
            rows = await checkins.for_member(guild_id, user_id, since=to_epoch(now) - 60 * 86400)
            goal, _ = await checkins.prefs(guild_id, user_id)
            away = await away_days(tx, guild_id, user_id)
        streak = compute_streak([from_epoch(r.checked_in_at) for r in rows], tz=tz, now=now, away_periods=away)
        week = week_summary(((r.minutes, from_epoch(r.checked_in_at)) for r in rows), tz, now, 0, goal)
        cutoff = now - timedelta(days=days)
        lines = [_history_line(r, tz) for r in rows if from_epoch(r.checked_in_at) >= cutoff]
        return CheckinHistory(lines, streak, week, away, tz)

    async def set_goal(self, guild_id: int, user_id: int, *, weekly_minutes: int | None = None,
                       share: bool | None = None) -> GoalView:
        if weekly_minutes is not None and not 0 <= weekly_minutes <= 10080:
            raise InvalidInput("A weekly goal goes from 0 to 10080 minutes (0 removes it).")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, now)
            old_goal, old_share = await Checkins(tx).prefs(guild_id, user_id)
            goal = old_goal if weekly_minutes is None else (weekly_minutes or None)
            sharing = old_share if share is None else share
            await Checkins(tx).set_prefs(guild_id, user_id, goal=goal, share=sharing, now=now)
        return GoalView(goal, sharing)

    async def set_channel(self, guild_id: int, channel_id: int | None) -> int | None:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            settings = await Checkins(tx).settings(guild_id)
            await Checkins(tx).save_settings(replace(settings, checkin_channel_id=channel_id), now)
        return channel_id


def _share_line(user_id: int, minutes: int, streak: int) -> str:
    days = f", day {streak} of their streak" if streak > 1 else ""
    return f"<@{user_id}> checked in: {minutes} minutes{days}."


def _partner_line(user_id: int, minutes: int) -> str:
    return f"Your study partner <@{user_id}> just checked in ({minutes} minutes)."


def _history_line(row: CheckinRow, tz: str) -> HistoryLine:
    local = from_epoch(row.checked_in_at).astimezone(zone(tz)).strftime("%a %d %b %H:%M")
    parts = []
    if row.domains:
        parts.append("domains " + ", ".join(row.domains))
    if row.resource_type:
        parts.append(RESOURCE_TYPES.get(row.resource_type, row.resource_type).lower())
    if row.confidence is not None:
        parts.append(f"confidence {row.confidence}/5")
    if row.anxiety is not None:
        parts.append(f"anxiety {row.anxiety}/5")
    if row.note:
        parts.append(f"“{row.note}”")
    return HistoryLine(local, row.minutes, "; ".join(parts))
