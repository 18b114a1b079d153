"""The progress board and the weekly digest: what is shown, in which order, in which words.

The people on this board just failed an exam, so it shows effort and improvement, never a score:
minutes, check-ins, streaks, days to the retake, how many points the mocks went *up* since the first
one, and a badge when the readiness gate is open. A drop, a single mock or a raw percentage is never
shown. Members are ordered by effort in the chosen window, never by results. Only members who opted in
are named; the group lines are sums over everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.streaks import TimeZoneLike, as_zone, local_day, local_midnight_utc, week_bounds
from bot.errors import InvalidInput

MAX_LINES = 15
CHART_WEEKS = 8


class Window(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"week": "This week", "month": "This month", "all": "All time"}[self.value]

    @property
    def phrase(self) -> str:
        return {"week": "this week", "month": "this month", "all": "so far"}[self.value]


def parse_window(text: str) -> Window:
    try:
        return Window(text.strip().lower())
    except ValueError as exc:
        raise InvalidInput("The board shows this week, this month or all time.") from exc


def window_start(window: Window, now: datetime, tz: TimeZoneLike) -> datetime | None:
    """The UTC instant the window begins (local midnight in ``tz``); None for all time."""
    if window is Window.ALL:
        return None
    if window is Window.WEEK:
        first, _ = week_bounds(now, tz)
        return local_midnight_utc(first, tz)
    today = local_day(now, tz)
    return local_midnight_utc(today.replace(day=1), tz)


def days_until(day: date | None, today: date) -> int | None:
    return None if day is None else (day - today).days


@dataclass(frozen=True)
class MemberProgress:
    """What the board knows about one opted-in member. ``mock_scores`` are private: never rendered."""

    user_id: int
    exam_code: str | None
    days_to_retake: int | None
    minutes: int
    checkins: int
    streak: int
    mock_scores: tuple[float, ...] = ()  # raw percentages, oldest first
    ready: bool = False


@dataclass(frozen=True)
class BoardLine:
    """One member as the public sees them: effort and improvement only."""

    user_id: int
    exam_text: str
    retake_text: str | None
    minutes: int
    checkins: int
    streak: int
    improvement_text: str | None
    ready: bool


@dataclass(frozen=True)
class GroupTotals:
    exams: tuple[tuple[str, int], ...]  # (exam code, members preparing it)
    minutes: int
    checkins: int
    active_pairs: int


@dataclass(frozen=True)
class Board:
    window: Window
    group_lines: tuple[str, ...]
    lines: tuple[BoardLine, ...]
    hidden: int  # opted-in members beyond MAX_LINES
    empty_text: str | None


def improvement_points(scores: Sequence[float]) -> int | None:
    """Whole points gained from the first mock to the latest; None with fewer than two mocks."""
    if len(scores) < 2:
        return None
    return round(scores[-1] - scores[0])


def improvement_text(scores: Sequence[float]) -> str | None:
    """'+12 pts since first mock' when the mocks went up; otherwise how many mocks, never a drop."""
    if not scores:
        return None
    gained = improvement_points(scores)
    if gained is not None and gained > 0:
        return f"+{gained} pts since first mock"
    return "first mock done" if len(scores) == 1 else f"{len(scores)} mocks done"


def retake_text(days: int | None) -> str | None:
    if days is None:
        return None
    if days < 0:
        return None  # a booking in the past is stale; the attempt itself clears it
    if days == 0:
        return "retake today"
    if days == 1:
        return "retake tomorrow"
    return f"retake in {days} days"


def rank_members(members: Iterable[MemberProgress]) -> list[MemberProgress]:
    """Most effort first: minutes, then check-ins, then streak; never by score."""
    return sorted(members, key=lambda m: (-m.minutes, -m.checkins, -m.streak, m.user_id))


def to_line(member: MemberProgress) -> BoardLine:
    return BoardLine(
        user_id=member.user_id,
        exam_text=member.exam_code or "exam not set",
        retake_text=retake_text(member.days_to_retake),
        minutes=member.minutes,
        checkins=member.checkins,
        streak=member.streak,
        improvement_text=improvement_text(member.mock_scores),
        ready=member.ready,
    )


def group_lines(totals: GroupTotals, window: Window) -> tuple[str, ...]:
    if totals.exams:
        preparing = " · ".join(f"{code} ×{count}" for code, count in totals.exams)
        first = f"Preparing: {preparing}"
    else:
        first = "Nobody has picked an exam yet: /exam set"
    checkins = f"{totals.checkins} check-in{'s' if totals.checkins != 1 else ''}"
    second = f"{window.label}: {totals.minutes:,} minutes studied over {checkins}"
    pairs = totals.active_pairs
    third = f"Study pairs active: {pairs}" if pairs else "No study pairs right now: /partner join"
    return first, second, third


EMPTY_BOARD = (
    "Nobody is on the board yet. It only shows people who choose to be on it: "
    "turn it on for yourself with /privacy board."
)


def compose_board(
    members: Iterable[MemberProgress], totals: GroupTotals, window: Window, *, max_lines: int = MAX_LINES
) -> Board:
    ranked = rank_members(members)
    shown = tuple(to_line(m) for m in ranked[:max_lines])
    return Board(
        window=window,
        group_lines=group_lines(totals, window),
        lines=shown,
        hidden=max(0, len(ranked) - max_lines),
        empty_text=None if ranked else EMPTY_BOARD,
    )


def format_line(rank: int, line: BoardLine, window: Window) -> str:
    """Two short lines, readable at phone width; mentions render as names and never ping in embeds."""
    head = [f"**{rank}.** <@{line.user_id}>", line.exam_text]
    if line.retake_text:
        head.append(line.retake_text)
    if line.minutes or line.checkins:
        checkins = f"{line.checkins} check-in{'s' if line.checkins != 1 else ''}"
        body = [f"⏱ {line.minutes:,} min", checkins]
    else:
        body = [f"no check-ins {window.phrase} yet"]
    if line.streak > 0:
        body.append(f"🔥 {line.streak}-day streak")
    if line.improvement_text:
        body.append(f"📈 {line.improvement_text}")
    if line.ready:
        body.append("🎯 **ready to book**")
    return " · ".join(head) + "\n" + " · ".join(body)


def board_description(board: Board) -> str:
    parts = ["\n".join(board.group_lines)]
    if board.empty_text:
        parts.append(board.empty_text)
    else:
        parts.append("\n".join(format_line(i + 1, line, board.window) for i, line in enumerate(board.lines)))
        if board.hidden:
            parts.append(f"…and {board.hidden} more studying with us.")
    return "\n\n".join(parts)


# --- weeks -------------------------------------------------------------------------------------------

def minutes_by_week(
    entries: Iterable[tuple[int, datetime]], tz: TimeZoneLike, now: datetime, weeks: int = CHART_WEEKS
) -> list[tuple[date, int]]:
    """Minutes per local week (Monday first), the ``weeks`` weeks up to and including the current one."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    zone = as_zone(tz)
    current, _ = week_bounds(now, zone)
    starts = [current - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    totals = dict.fromkeys(starts, 0)
    for minutes, instant in entries:
        if instant > now:
            continue
        day = local_day(instant, zone)
        start = day - timedelta(days=day.weekday())
        if start in totals:
            totals[start] += max(0, int(minutes))
    return [(start, totals[start]) for start in starts]


def week_label(day: date) -> str:
    """ISO week of a local date, e.g. '2026-W23' (what the digest remembers it has posted)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- the weekly digest -------------------------------------------------------------------------------

def week_improvement(scores: Sequence[tuple[datetime, float]], start: datetime, end: datetime) -> int | None:
    """Points the mocks went up during ``[start, end)``: the latest mock of the week against the
    latest one before it (or the week's first, when the week holds the first mocks). None without two."""
    ordered = sorted(scores, key=lambda s: s[0])
    before = [p for t, p in ordered if t < start]
    during = [p for t, p in ordered if start <= t < end]
    if not during:
        return None
    baseline = before[-1] if before else (during[0] if len(during) > 1 else None)
    if baseline is None:
        return None
    return round(during[-1] - baseline)


def most_improved(improvements: Mapping[int, int | None]) -> tuple[int, int] | None:
    """The member whose mocks went up most (ties: the lower id, for a stable choice); only real gains."""
    gains = [(points, user) for user, points in improvements.items() if points is not None and points > 0]
    if not gains:
        return None
    points, user = max(gains, key=lambda g: (g[0], -g[1]))
    return user, points


@dataclass(frozen=True)
class DigestFacts:
    first_day: date
    last_day: date
    minutes: int
    checkins: int
    active_members: int
    ready: tuple[int, ...]  # opted-in members whose readiness gate opened this week
    passed: tuple[int, ...]  # members who passed and allowed it to be shared
    improvements: Mapping[int, int | None]  # opted-in members' mock gains this week

    @property
    def quiet(self) -> bool:
        return not (self.checkins or self.ready or self.passed or most_improved(self.improvements))


def _names(user_ids: Sequence[int]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def digest_title(facts: DigestFacts) -> str:
    return f"Our week, {facts.first_day:%d %b} – {facts.last_day:%d %b}"


def digest_lines(facts: DigestFacts) -> list[str]:
    """The digest's lines: sums for everyone, names only of members who said yes."""
    people = f"{facts.active_members} member{'s' if facts.active_members != 1 else ''}"
    checkins = f"{facts.checkins} check-in{'s' if facts.checkins != 1 else ''}"
    lines = [f"⏱ {facts.minutes:,} minutes studied over {checkins} by {people}."]
    if facts.ready:
        lines.append(f"🎯 Ready to book their retake: {_names(facts.ready)}")
    if facts.passed:
        lines.append(f"🎉 Passed their retake: {_names(facts.passed)}. Congratulations!")
    best = most_improved(facts.improvements)
    if best is not None:
        user, points = best
        lines.append(f"📈 Most improved: <@{user}>, mocks up {points} points this week.")
    lines.append("Every minute counts, including the small ones. See you next week.")
    return lines
