"""The retake policy engine: when may a member sit an exam again?

Pure: attempts and "now" come in as aware UTC datetimes, the member's zone as a ``ZoneInfo``.
How waits are counted (the vendors' own wording is in bot/data/exams/policies.yaml):

- An hours wait ("24h", Microsoft after a 1st failure) is an exact duration from the attempt's
  instant: 24 hours after 18:30 is 18:30 the next day, even across a daylight-saving change.
- A days wait is counted in calendar days in the member's zone, from the local date of the exam.
  The retake opens at the start of that day (vendors' schedulers book by date, not by time):
  ``calendar`` (CompTIA, AWS, ... "N days from the date of the last attempt") opens on exam
  date + N; ``after_exam_day`` (Cisco "5 days beginning the day after", Juniper, ISC2 "test-free
  days") opens on exam date + N + 1.
- The ladder step is chosen by the number of failed attempts since the last pass. Past the last
  step a vendor lists, its last step keeps applying (EC-Council: 12 months after a 5th failure).
- An attempt cap counts every attempt, passed or failed. ``rolling``: at most N attempts in any
  window, so the next one opens when the N-th most recent attempt leaves it. ``from_first_attempt``
  (Microsoft, PMI): the window starts at the first attempt and, once it is over, the next attempt
  starts a new one; when the cap is used up, the next attempt opens when the window ends. Windows
  in months are calendar months in the member's zone (2026-03-02 + 12 months = 2027-03-02).
- The earliest retake is the later of the ladder and the cap.
- A free retake (Linux Foundation) is available after the first failed attempt of a purchase and
  until the free-retake window after the purchase ends. Without a purchase date the attempts since
  the last pass are taken to belong to one purchase, and the first attempt stands in for its date.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.exams import AttemptCap, RetakePolicy, RetakeRule, Source, Wait


@dataclass(frozen=True)
class Attempt:
    """One sitting of an exam (or of an exam of the family, where the policy counts per family)."""

    taken_at: datetime  # aware UTC
    passed: bool


@dataclass(frozen=True)
class RetakeEligibility:
    earliest: datetime | None  # in the member's zone; None when no retake can be computed (see blocked_reason)
    rule: str  # the vendor rule that applies, in plain words
    cap_reached: bool
    cap_text: str | None  # None when the policy has no attempt cap
    attempt_number: int  # the number the next attempt would have
    free_retake_available: bool
    source: Source
    blocked_reason: str | None = None
    free_retake_until: datetime | None = None  # in the member's zone, when a free retake is available

    def is_open(self, when: datetime) -> bool:
        """Whether a retake may be taken at ``when`` (aware)."""
        return self.blocked_reason is None and (self.earliest is None or when >= self.earliest)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def add_months(day: date, months: int) -> date:
    """Calendar months later; the 31st (or 29 February) becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Midnight of ``day`` in ``tz``; where midnight does not exist (a DST jump) the first real instant."""
    naive_midnight = datetime.combine(day, time(0), tzinfo=tz)
    return naive_midnight.astimezone(UTC).astimezone(tz)


def _require_aware(when: datetime, what: str) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")


def _local_date(when: datetime, tz: ZoneInfo) -> date:
    return when.astimezone(tz).date()


def rule_for(policy: RetakePolicy, failures: int) -> tuple[RetakeRule | None, bool]:
    """The ladder step after the ``failures``-th failure, and whether it is a step applied past its own
    number only because the vendor lists no later one."""
    best: RetakeRule | None = None
    for rule in policy.rules:
        if rule.after_failure <= failures:
            best = rule
    if best is None:
        return None, False
    return best, best.after_failure != failures and not best.and_later


def describe_rule(policy: RetakePolicy, rule: RetakeRule, *, extended: bool = False) -> str:
    """'CompTIA: 14 days after a 2nd or later failed attempt'."""
    which = f"a {ordinal(rule.after_failure)}{' or later' if rule.and_later else ''} failed attempt"
    if rule.wait.amount == 0:
        text = f"{policy.vendor}: no wait after {which}"
    else:
        text = f"{policy.vendor}: {rule.wait.describe()} after {which}"
        if rule.wait.unit == "d" and policy.day_counting == "after_exam_day":
            text += ", counted from the day after the exam"
    if extended:
        text += " (the last step the vendor lists, so it applies to later attempts too)"
    return text


def _after_wait(taken_at: datetime, wait: Wait, day_counting: str, tz: ZoneInfo) -> datetime:
    if wait.amount == 0:
        return taken_at.astimezone(tz)
    if wait.unit == "h":
        return (taken_at + timedelta(hours=wait.amount)).astimezone(tz)
    days = wait.amount + (1 if day_counting == "after_exam_day" else 0)
    return start_of_day(_local_date(taken_at, tz) + timedelta(days=days), tz)


def _window_end(start: date, cap: AttemptCap) -> date:
    if cap.window_months:
        return add_months(start, cap.window_months)
    return start + timedelta(days=cap.window_days)


@dataclass(frozen=True)
class _CapStatus:
    reached: bool
    count: int
    opens: datetime | None  # when the cap next allows an attempt, if it is reached
    window_start: date | None


def _cap_status(cap: AttemptCap, history: Sequence[Attempt], tz: ZoneInfo) -> _CapStatus:
    days = [_local_date(a.taken_at, tz) for a in history]
    if not days:
        return _CapStatus(False, 0, None, None)
    if cap.window == "from_first_attempt":
        start = days[0]
        for d in days:
            if d >= _window_end(start, cap):
                start = d
        count = sum(1 for d in days if d >= start)
        reached = count >= cap.max_attempts
        opens = start_of_day(_window_end(start, cap), tz) if reached else None
        return _CapStatus(reached, count, opens, start)
    # Rolling: the window ending on the day of the last attempt; an attempt exactly one window
    # earlier has just left it.
    last = days[-1]
    count = sum(1 for d in days if _window_end(d, cap) > last)
    reached = count >= cap.max_attempts
    opens = None
    if reached:
        opens = start_of_day(_window_end(days[-cap.max_attempts], cap), tz)
    return _CapStatus(reached, count, opens, None)


def _cap_text(cap: AttemptCap, status: _CapStatus, earliest: datetime | None) -> str:
    window = cap.window_text()
    if status.reached and earliest is not None:
        return f"{ordinal(status.count)} attempt in {window}: next possible on {earliest.date().isoformat()}"
    if cap.window == "from_first_attempt" and status.window_start is not None:
        return (f"{status.count} of {cap.max_attempts} attempts used in the {window} "
                f"from {status.window_start.isoformat()}")
    return f"{status.count} of {cap.max_attempts} attempts used in the last {window}"


def _free_retake(
    policy: RetakePolicy,
    since_pass: Sequence[Attempt],
    tz: ZoneInfo,
    now: datetime | None,
    purchased_at: datetime | None,
) -> datetime | None:
    """The end of the free-retake period when a free retake is available now, else None."""
    if policy.free_retakes <= 0:
        return None
    on_purchase = [a for a in since_pass if purchased_at is None or a.taken_at >= purchased_at]
    if not on_purchase or len(on_purchase) - 1 >= policy.free_retakes:
        return None
    if policy.free_retake_window_months is None:
        return None
    bought = purchased_at or on_purchase[0].taken_at
    until = start_of_day(add_months(_local_date(bought, tz), policy.free_retake_window_months), tz)
    if now is not None and now >= until:
        return None
    return until


def eligible_retake(
    policy: RetakePolicy,
    attempts: Sequence[Attempt],
    *,
    tz: ZoneInfo,
    now: datetime | None = None,
    purchased_at: datetime | None = None,
) -> RetakeEligibility:
    """When the next attempt is possible under ``policy``, given the member's attempt history.

    ``attempts`` are the member's attempts of this exam (or of its family when the policy says
    ``counted_per: family``), in any order. ``now`` is used only to tell whether a free retake has
    expired and, with no attempt yet, as the earliest date. ``purchased_at`` is the exam purchase
    that free retakes belong to, when the member told us.
    """
    for a in attempts:
        _require_aware(a.taken_at, "an attempt's taken_at")
    if now is not None:
        _require_aware(now, "now")
    if purchased_at is not None:
        _require_aware(purchased_at, "purchased_at")
    history = sorted(attempts, key=lambda a: a.taken_at)
    cap = policy.cap
    cap_status = _cap_status(cap, history, tz) if cap is not None else None

    if not history:
        return RetakeEligibility(
            earliest=now.astimezone(tz) if now is not None else None,
            rule=f"{policy.vendor}: no attempt recorded yet, so there is nothing to wait for",
            cap_reached=False,
            cap_text=_cap_text(cap, cap_status, None) if cap is not None and cap_status else None,
            attempt_number=1,
            free_retake_available=False,
            source=policy.source,
        )

    last = history[-1]
    if last.passed:
        reason = "You passed this exam, so there is nothing to retake."
        if policy.after_pass:
            reason += f" {policy.vendor}: {policy.after_pass}."
        return RetakeEligibility(
            earliest=None,
            rule=f"{policy.vendor}: the last attempt was a pass",
            cap_reached=False,
            cap_text=None,
            attempt_number=len(history) + 1,
            free_retake_available=False,
            source=policy.source,
            blocked_reason=reason,
        )

    last_pass = max((i for i, a in enumerate(history) if a.passed), default=-1)
    since_pass = history[last_pass + 1:]
    failures = len(since_pass)
    rule, extended = rule_for(policy, failures)
    if rule is None:
        earliest = last.taken_at.astimezone(tz)
        rule_text = f"{policy.vendor}: no wait after a {ordinal(failures)} failed attempt"
    else:
        earliest = _after_wait(last.taken_at, rule.wait, policy.day_counting, tz)
        rule_text = describe_rule(policy, rule, extended=extended)
    cap_reached = False
    cap_text = None
    if cap is not None and cap_status is not None:
        if cap_status.reached and cap_status.opens is not None:
            cap_reached = True
            earliest = max(earliest, cap_status.opens)
        cap_text = _cap_text(cap, cap_status, earliest)
    free_until = _free_retake(policy, since_pass, tz, now, purchased_at)
    return RetakeEligibility(
        earliest=earliest,
        rule=rule_text,
        cap_reached=cap_reached,
        cap_text=cap_text,
        attempt_number=len(history) + 1,
        free_retake_available=free_until is not None,
        source=policy.source,
        free_retake_until=free_until,
    )


def _when_text(when: datetime) -> str:
    if when.timetz().replace(tzinfo=None) == time(0):
        return when.date().isoformat()
    return f"{when:%Y-%m-%d %H:%M} ({when.tzname()})"


def can_book(
    policy: RetakePolicy,
    attempts: Sequence[Attempt],
    booking_date: date | datetime,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    purchased_at: datetime | None = None,
) -> tuple[bool, str]:
    """Whether a retake booked for ``booking_date`` respects the policy, with a kind explanation.

    A bare date means "some time that day" (in the member's zone): it is fine when the retake opens
    on or before that day; a datetime (aware) must be at or after the opening instant.
    """
    result = eligible_retake(policy, attempts, tz=tz, now=now, purchased_at=purchased_at)
    if result.blocked_reason is not None:
        return False, result.blocked_reason
    if isinstance(booking_date, datetime):
        _require_aware(booking_date, "booking_date")
        booked_day = booking_date.astimezone(tz).date()
        label = f"{booking_date.astimezone(tz):%Y-%m-%d %H:%M}"
    else:
        booked_day = booking_date
        label = booking_date.isoformat()
    earliest = result.earliest
    if earliest is None:
        return True, f"{label} works: no attempt is recorded yet, so there is no wait."
    ok = booking_date >= earliest if isinstance(booking_date, datetime) else booked_day >= earliest.date()
    opens = _when_text(earliest)
    if not ok:
        text = f"{label} is a little early: the retake opens on {opens} ({result.rule})."
        if result.cap_reached and result.cap_text:
            text += f" {result.cap_text}."
        return False, text
    text = f"{label} works: the retake opens on {opens} ({result.rule})."
    if not isinstance(booking_date, datetime) and booked_day == earliest.date() and earliest.timetz().replace(
        tzinfo=None
    ) != time(0):
        text += f" Pick a time from {earliest:%H:%M} that day."
    if result.free_retake_until is not None:
        if booked_day >= result.free_retake_until.date():
            text += (f" Your free retake ends before then ({result.free_retake_until.date().isoformat()}), "
                     "so this attempt would need a new purchase.")
        else:
            text += f" Your free retake is available until {result.free_retake_until.date().isoformat()}."
    return True, text
