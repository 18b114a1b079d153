"""The retake policy engine, run against the shipped vendor policies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.data.loader import load_catalogue
from bot.domain.exams import AttemptCap, Confidence, RetakePolicy, RetakeRule, Source, Wait
from bot.domain.retake import (
    Attempt,
    add_months,
    can_book,
    eligible_retake,
    ordinal,
    start_of_day,
)

UTC_ZONE = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def policy(policy_id: str) -> RetakePolicy:
    found = load_catalogue().policy(policy_id)
    assert found is not None, policy_id
    return found


def local(text: str, tz: ZoneInfo = UTC_ZONE) -> datetime:
    """'2026-03-02 10:00' in ``tz``, as the aware UTC instant the engine receives."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz).astimezone(UTC)


def failures(*texts: str, tz: ZoneInfo = UTC_ZONE) -> list[Attempt]:
    return [Attempt(local(t, tz), passed=False) for t in texts]


def shown(when: datetime | None) -> str | None:
    return None if when is None else f"{when:%Y-%m-%d %H:%M}"


# Failed attempts at 10:00 UTC, the member in UTC; expected earliest retake in the same zone.
LADDER = [
    # CompTIA: none, then 14 calendar days from the exam date.
    ("comptia", ["2026-03-02"], "2026-03-02 10:00"),
    ("comptia", ["2026-03-02", "2026-03-03"], "2026-03-17 00:00"),
    ("comptia", ["2026-03-02", "2026-03-03", "2026-03-17"], "2026-03-31 00:00"),
    ("comptia", ["2026-03-02", "2026-03-03", "2026-03-17", "2026-03-31", "2026-04-14"], "2026-04-28 00:00"),
    # Microsoft: 24 hours, then 14 days; 5 attempts in the 12 months from the first.
    ("microsoft", ["2026-03-02"], "2026-03-03 10:00"),
    ("microsoft", ["2026-03-02", "2026-03-03"], "2026-03-17 00:00"),
    ("microsoft", ["2026-03-02", "2026-03-03", "2026-03-17"], "2026-03-31 00:00"),
    ("microsoft", ["2026-03-02", "2026-03-03", "2026-03-17", "2026-03-31", "2026-04-14"], "2027-03-02 00:00"),
    # Cisco: 5 days beginning the day after the exam = exam date + 6.
    ("cisco", ["2026-03-02"], "2026-03-08 00:00"),
    ("cisco", ["2026-03-02", "2026-03-08"], "2026-03-14 00:00"),
    ("cisco", ["2026-03-02", "2026-03-08", "2026-03-14"], "2026-03-20 00:00"),
    ("cisco", ["2026-03-02", "2026-03-08", "2026-03-14", "2026-03-20", "2026-03-26"], "2026-04-01 00:00"),
    # CCIE written: 15 days from the day after; 4 per rolling 12 months.
    ("cisco-ccie-written", ["2026-03-02"], "2026-03-18 00:00"),
    ("cisco-ccie-written", ["2026-03-02", "2026-03-18"], "2026-04-03 00:00"),
    ("cisco-ccie-written", ["2026-03-02", "2026-03-18", "2026-04-03"], "2026-04-19 00:00"),
    ("cisco-ccie-written", ["2026-03-02", "2026-03-18", "2026-04-03", "2026-04-19"], "2027-03-02 00:00"),
    # CCIE lab: 30, 90, 90, 90, then 180 days.
    ("cisco-ccie-lab", ["2026-03-02"], "2026-04-01 00:00"),
    ("cisco-ccie-lab", ["2026-03-02", "2026-04-01"], "2026-06-30 00:00"),
    ("cisco-ccie-lab", ["2026-03-02", "2026-04-01", "2026-06-30"], "2026-09-28 00:00"),
    ("cisco-ccie-lab", ["2026-01-05", "2026-02-05", "2026-05-06", "2026-08-04", "2026-11-02"], "2027-05-01 00:00"),
    # AWS: 14 days after every failure.
    ("aws", ["2026-03-02"], "2026-03-16 00:00"),
    ("aws", ["2026-03-02", "2026-03-16"], "2026-03-30 00:00"),
    ("aws", ["2026-03-02", "2026-03-16", "2026-03-30"], "2026-04-13 00:00"),
    ("aws", ["2026-03-02", "2026-03-16", "2026-03-30", "2026-04-13", "2026-04-27"], "2026-05-11 00:00"),
    # ISC2: 30, 60, 90 test-free days; 4 per rolling 12 months.
    ("isc2", ["2026-03-02"], "2026-04-02 00:00"),
    ("isc2", ["2026-03-02", "2026-04-02"], "2026-06-02 00:00"),
    ("isc2", ["2026-03-02", "2026-04-02", "2026-06-02"], "2026-09-01 00:00"),
    ("isc2", ["2026-03-02", "2026-04-02", "2026-06-02", "2026-09-01"], "2027-03-02 00:00"),
    # ISACA: 30, 90, 90 days; 4 per rolling 12 months.
    ("isaca", ["2026-03-02"], "2026-04-01 00:00"),
    ("isaca", ["2026-03-02", "2026-04-01"], "2026-06-30 00:00"),
    ("isaca", ["2026-03-02", "2026-04-01", "2026-06-30"], "2026-09-28 00:00"),
    ("isaca", ["2026-03-02", "2026-04-01", "2026-06-30", "2026-09-28"], "2027-03-02 00:00"),
    # Google Cloud: 14, 60, 365 days; 4 per 2 years.
    ("google-cloud", ["2026-03-02"], "2026-03-16 00:00"),
    ("google-cloud", ["2026-03-02", "2026-03-16"], "2026-05-15 00:00"),
    ("google-cloud", ["2026-03-02", "2026-03-16", "2026-05-15"], "2027-05-15 00:00"),
    ("google-cloud", ["2026-03-02", "2026-03-16", "2026-05-15", "2027-05-15"], "2028-05-14 00:00"),
    # Cloud Digital Leader: 14 days after every failure.
    ("google-cloud-digital-leader", ["2026-03-02"], "2026-03-16 00:00"),
    ("google-cloud-digital-leader", ["2026-03-02", "2026-03-16", "2026-03-30"], "2026-04-13 00:00"),
    # Linux Foundation and Red Hat: no waiting period stated.
    ("linux-foundation", ["2026-03-02"], "2026-03-02 10:00"),
    ("linux-foundation", ["2026-03-02", "2026-03-05"], "2026-03-05 10:00"),
    ("red-hat", ["2026-03-02"], "2026-03-02 10:00"),
    ("red-hat", ["2026-03-02", "2026-03-03", "2026-03-04"], "2026-03-04 10:00"),
    # EC-Council: none, 14, 14, 14, then 12 months (5 per 12 months).
    ("ec-council", ["2026-03-02"], "2026-03-02 10:00"),
    ("ec-council", ["2026-03-02", "2026-03-03"], "2026-03-17 00:00"),
    ("ec-council", ["2026-03-02", "2026-03-03", "2026-03-17"], "2026-03-31 00:00"),
    ("ec-council", ["2026-03-02", "2026-03-03", "2026-03-17", "2026-03-31", "2026-04-14"], "2027-04-14 00:00"),
    # Juniper: none, then 14 days beginning the day after.
    ("juniper", ["2026-03-02"], "2026-03-02 10:00"),
    ("juniper", ["2026-03-02", "2026-03-03"], "2026-03-18 00:00"),
    ("juniper", ["2026-03-02", "2026-03-03", "2026-03-18"], "2026-04-02 00:00"),
    # Oracle: 14 days after every failure.
    ("oracle", ["2026-03-02"], "2026-03-16 00:00"),
    ("oracle", ["2026-03-02", "2026-03-16"], "2026-03-30 00:00"),
    # PMI PMP: no wait twice, then a year after the 3rd failure.
    ("pmi-pmp", ["2026-03-02"], "2026-03-02 10:00"),
    ("pmi-pmp", ["2026-03-02", "2026-03-03"], "2026-03-03 10:00"),
    ("pmi-pmp", ["2026-03-02", "2026-03-03", "2026-03-04"], "2027-03-04 00:00"),
]


@pytest.mark.parametrize(("policy_id", "days", "expected"), LADDER,
                         ids=[f"{p}-{len(d)}-fail" for p, d, _ in LADDER])
def test_earliest_retake_follows_the_vendor_ladder(policy_id: str, days: list[str], expected: str) -> None:
    """The earliest retake after the n-th failure matches the vendor's published wait."""
    attempts = failures(*(f"{d} 10:00" for d in days))
    result = eligible_retake(policy(policy_id), attempts, tz=UTC_ZONE)
    assert shown(result.earliest) == expected


def test_every_shipped_policy_is_in_the_ladder_table() -> None:
    """Each policy in the data has rows in the ladder table above."""
    assert {p.id for p in load_catalogue().policies()} == {row[0] for row in LADDER}


RULE_TEXT = [
    ("comptia", 1, "CompTIA: no wait after a 1st failed attempt"),
    ("comptia", 2, "CompTIA: 14 days after a 2nd or later failed attempt"),
    ("comptia", 7, "CompTIA: 14 days after a 2nd or later failed attempt"),
    ("microsoft", 1, "Microsoft: 24 hours after a 1st failed attempt"),
    ("cisco", 1, "Cisco: 5 days after a 1st or later failed attempt, counted from the day after the exam"),
    ("isc2", 2, "ISC2: 60 days after a 2nd failed attempt, counted from the day after the exam"),
    ("ec-council", 6, "EC-Council: 365 days after a 5th failed attempt "
                      "(the last step the vendor lists, so it applies to later attempts too)"),
]


@pytest.mark.parametrize(("policy_id", "count", "expected"), RULE_TEXT)
def test_rule_is_described_in_plain_words(policy_id: str, count: int, expected: str) -> None:
    """The rule that applies is named with the vendor and the failure it follows."""
    start = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    attempts = [Attempt(start + timedelta(days=40 * i), passed=False) for i in range(count)]
    assert eligible_retake(policy(policy_id), attempts, tz=UTC_ZONE).rule == expected


@pytest.mark.parametrize(("policy_id", "count", "reached"), [
    ("microsoft", 4, False),
    ("microsoft", 5, True),
    ("isc2", 3, False),
    ("isc2", 4, True),
    ("ec-council", 5, True),
    ("google-cloud", 4, True),
    ("pmi-pmp", 3, True),
    ("comptia", 12, False),
])
def test_cap_reached_after_the_capped_number_of_attempts(policy_id: str, count: int, reached: bool) -> None:
    """cap_reached turns true once the attempts in the window reach the vendor's cap."""
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    attempts = [Attempt(start + timedelta(days=7 * i), passed=False) for i in range(count)]
    assert eligible_retake(policy(policy_id), attempts, tz=UTC_ZONE).cap_reached is reached


def test_microsoft_cap_text_names_the_attempt_and_the_reopening_date() -> None:
    """After a 5th failure the cap text says when the 12 months from the first attempt end."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00", "2026-03-17 10:00", "2026-03-31 10:00",
                        "2026-04-14 10:00")
    result = eligible_retake(policy("microsoft"), attempts, tz=UTC_ZONE)
    assert result.cap_text == "5th attempt in 12 months: next possible on 2027-03-02"


def test_cap_text_counts_attempts_when_the_cap_is_not_reached() -> None:
    """Below the cap the text says how many attempts of the window are used."""
    result = eligible_retake(policy("microsoft"), failures("2026-03-02 10:00"), tz=UTC_ZONE)
    assert result.cap_text == "1 of 5 attempts used in the 12 months from 2026-03-02"


def test_no_cap_gives_no_cap_text() -> None:
    """A policy without an attempt cap has no cap text."""
    result = eligible_retake(policy("aws"), failures("2026-03-02 10:00"), tz=UTC_ZONE)
    assert (result.cap_reached, result.cap_text) == (False, None)


def _capped(window: str) -> RetakePolicy:
    return RetakePolicy(
        id="test", vendor="Test", scope="test", source=Source(("x",), date(2026, 1, 1), Confidence.LOW),
        rules=(RetakeRule(1, Wait(0, "d"), and_later=True),),
        cap=AttemptCap(max_attempts=5, window_days=0, window=window, window_months=12),
    )


# Six attempts: the first is old; the last five fall inside the 12 months before the last one.
WINDOW_HISTORY = ["2025-03-01", "2026-01-10", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"]


@pytest.mark.parametrize(("window", "reached", "expected"), [
    # From the first attempt: 2025-03-01's window ended 2026-03-01, a new one began 2026-06-01 (4 used).
    ("from_first_attempt", False, "2026-09-01 10:00"),
    # Rolling: 2026-01-10 .. 2026-09-01 are 5 attempts within 12 months; the oldest leaves on 2027-01-10.
    ("rolling", True, "2027-01-10 00:00"),
])
def test_rolling_and_first_attempt_windows_count_differently(window: str, reached: bool, expected: str) -> None:
    """The same history reaches a rolling cap but not a window counted from the first attempt."""
    attempts = failures(*(f"{d} 10:00" for d in WINDOW_HISTORY))
    result = eligible_retake(_capped(window), attempts, tz=UTC_ZONE)
    assert (result.cap_reached, shown(result.earliest)) == (reached, expected)


def test_microsoft_window_restarts_after_twelve_months() -> None:
    """An attempt after the first 12-month window starts a new window with one attempt used."""
    attempts = failures("2025-01-05 10:00", "2025-01-06 10:00", "2025-01-20 10:00", "2025-02-03 10:00",
                        "2025-02-17 10:00", "2026-03-02 10:00")
    result = eligible_retake(policy("microsoft"), attempts, tz=UTC_ZONE)
    assert result.cap_text == "1 of 5 attempts used in the 12 months from 2026-03-02"


def test_rolling_cap_ignores_attempts_older_than_the_window() -> None:
    """CCIE written: an attempt more than 12 months old no longer counts toward the 4."""
    attempts = failures("2025-01-10 10:00", "2025-06-01 10:00", "2025-10-01 10:00", "2026-02-01 10:00",
                        "2026-03-02 10:00")
    result = eligible_retake(policy("cisco-ccie-written"), attempts, tz=UTC_ZONE)
    assert (result.cap_reached, shown(result.earliest)) == (True, "2026-06-01 00:00")


# -- time zones ----------------------------------------------------------------------------------


def test_evening_exam_in_los_angeles_counts_from_the_local_date() -> None:
    """An exam at 20:30 in Los Angeles (next day in UTC) counts its 14 days from the local date."""
    attempts = [*failures("2026-03-01 09:00", tz=LA), *failures("2026-03-10 20:30", tz=LA)]
    assert attempts[-1].taken_at.date() == date(2026, 3, 11)
    result = eligible_retake(policy("comptia"), attempts, tz=LA)
    assert shown(result.earliest) == "2026-03-24 00:00"


def test_morning_exam_in_auckland_counts_from_the_local_date() -> None:
    """An exam at 08:00 in Auckland (previous day in UTC) counts its 14 days from the local date."""
    attempts = failures("2026-03-02 08:00", tz=AUCKLAND)
    assert attempts[0].taken_at.date() == date(2026, 3, 1)
    result = eligible_retake(policy("aws"), attempts, tz=AUCKLAND)
    assert shown(result.earliest) == "2026-03-16 00:00"


def test_cisco_day_after_rule_in_auckland() -> None:
    """Cisco's earliest retest is the exam's local date + 6 days, at local midnight."""
    result = eligible_retake(policy("cisco"), failures("2026-03-02 08:00", tz=AUCKLAND), tz=AUCKLAND)
    assert result.earliest == datetime(2026, 3, 8, 0, 0, tzinfo=AUCKLAND)


def test_hours_wait_is_exact_across_a_dst_change() -> None:
    """Microsoft's 24 hours across the spring-forward night end one wall-clock hour later."""
    attempts = failures("2026-03-07 18:30", tz=LA)  # US clocks go forward on 2026-03-08
    result = eligible_retake(policy("microsoft"), attempts, tz=LA)
    assert result.earliest is not None
    assert shown(result.earliest) == "2026-03-08 19:30"
    assert result.earliest - attempts[0].taken_at == timedelta(hours=24)


def test_day_wait_opens_at_local_midnight_after_a_dst_change() -> None:
    """A 14-day wait that spans the DST change still opens at local midnight, in the new offset."""
    result = eligible_retake(policy("aws"), failures("2026-03-01 10:00", tz=LA), tz=LA)
    assert result.earliest is not None
    assert shown(result.earliest) == "2026-03-15 00:00"
    assert result.earliest.utcoffset() == timedelta(hours=-7)


def test_day_wait_across_auckland_autumn_change() -> None:
    """Auckland leaves daylight time on 2026-04-05; a wait across it opens at midnight NZST."""
    result = eligible_retake(policy("aws"), failures("2026-03-30 09:00", tz=AUCKLAND), tz=AUCKLAND)
    assert result.earliest is not None
    assert (shown(result.earliest), result.earliest.utcoffset()) == ("2026-04-13 00:00", timedelta(hours=12))


def test_start_of_day_skips_a_missing_midnight() -> None:
    """Where DST starts at midnight (Santiago), the day opens at the first real instant, 01:00."""
    opened = start_of_day(date(2026, 9, 6), ZoneInfo("America/Santiago"))
    assert f"{opened:%Y-%m-%d %H:%M}" == "2026-09-06 01:00"


def test_earliest_is_in_the_members_zone() -> None:
    """The earliest retake is expressed in the member's zone."""
    result = eligible_retake(policy("aws"), failures("2026-03-02 10:00"), tz=AUCKLAND)
    assert result.earliest is not None and result.earliest.tzinfo == AUCKLAND


# -- history shapes ------------------------------------------------------------------------------


def test_attempt_order_does_not_matter() -> None:
    """Attempts given out of order give the same answer as in order."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00", "2026-03-17 10:00")
    forward = eligible_retake(policy("comptia"), attempts, tz=UTC_ZONE)
    backward = eligible_retake(policy("comptia"), list(reversed(attempts)), tz=UTC_ZONE)
    assert forward == backward


def test_attempt_number_is_the_next_attempt() -> None:
    """Three recorded attempts make the next one the 4th."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00", "2026-03-17 10:00")
    assert eligible_retake(policy("comptia"), attempts, tz=UTC_ZONE).attempt_number == 4


def test_a_pass_blocks_the_retake() -> None:
    """After a pass there is no retake, and the vendor's after-pass rule is quoted."""
    attempts = [*failures("2026-03-02 10:00"), Attempt(local("2026-03-20 10:00"), passed=True)]
    result = eligible_retake(policy("cisco"), attempts, tz=UTC_ZONE)
    assert result.earliest is None
    assert result.blocked_reason is not None and "180 days" in result.blocked_reason


def test_failures_are_counted_since_the_last_pass() -> None:
    """A failure after an earlier pass is treated as a 1st failure again."""
    attempts = [Attempt(local("2024-03-02 10:00"), passed=True), *failures("2026-03-02 10:00")]
    result = eligible_retake(policy("microsoft"), attempts, tz=UTC_ZONE)
    assert shown(result.earliest) == "2026-03-03 10:00"


def test_no_attempts_means_no_wait() -> None:
    """With no attempt recorded, the earliest date is now and the next attempt is the 1st."""
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    result = eligible_retake(policy("comptia"), [], tz=UTC_ZONE, now=now)
    assert (result.earliest, result.attempt_number, result.blocked_reason) == (now, 1, None)


def test_naive_attempt_times_are_refused() -> None:
    """A naive taken_at is a programming error, not a guess about its zone."""
    with pytest.raises(ValueError, match="aware"):
        eligible_retake(policy("aws"), [Attempt(datetime(2026, 3, 2, 10, 0), passed=False)], tz=UTC_ZONE)


def test_result_carries_the_policy_source() -> None:
    """The result carries the policy's source, so the bot can show 'as of' and the links."""
    result = eligible_retake(policy("isc2"), failures("2026-03-02 10:00"), tz=UTC_ZONE)
    assert result.source == policy("isc2").source


# -- free retakes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "now", "purchased", "available"), [
    (["2026-03-02"], None, None, True),
    (["2026-03-02", "2026-03-05"], None, None, False),
    (["2026-03-02"], "2027-03-03 00:00", None, False),
    (["2026-03-02"], "2026-12-01 00:00", "2025-11-01 00:00", False),
    (["2026-03-02"], "2026-06-01 00:00", "2026-02-01 00:00", True),
    (["2025-06-02", "2025-06-05", "2026-03-02"], None, "2026-02-01 00:00", True),
])
def test_linux_foundation_free_retake(days: list[str], now: str | None, purchased: str | None,
                                      available: bool) -> None:
    """One free retake after the first failure of a purchase, within 12 months of purchase."""
    result = eligible_retake(
        policy("linux-foundation"), failures(*(f"{d} 10:00" for d in days)), tz=UTC_ZONE,
        now=local(now) if now else None, purchased_at=local(purchased) if purchased else None,
    )
    assert result.free_retake_available is available


def test_free_retake_deadline_is_twelve_months_after_purchase() -> None:
    """The free retake is open until 12 calendar months after the purchase date."""
    result = eligible_retake(policy("linux-foundation"), failures("2026-03-02 10:00"), tz=UTC_ZONE,
                             purchased_at=local("2026-01-31 09:00"))
    assert shown(result.free_retake_until) == "2027-01-31 00:00"


def test_policies_without_free_retakes_never_offer_one() -> None:
    """A vendor without free retakes never reports one."""
    result = eligible_retake(policy("comptia"), failures("2026-03-02 10:00"), tz=UTC_ZONE)
    assert result.free_retake_available is False


# -- booking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("booking", "ok"), [
    (date(2026, 3, 16), False),
    (date(2026, 3, 17), True),
    (date(2026, 4, 30), True),
])
def test_can_book_by_date(booking: date, ok: bool) -> None:
    """A booking day is fine from the day the retake opens."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00")
    assert can_book(policy("comptia"), attempts, booking, UTC_ZONE)[0] is ok


def test_can_book_early_reason_names_the_opening_date_and_rule() -> None:
    """An early booking explains when the retake opens and which rule says so."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00")
    ok, reason = can_book(policy("comptia"), attempts, date(2026, 3, 10), UTC_ZONE)
    assert not ok
    assert "2026-03-17" in reason and "CompTIA: 14 days" in reason


@pytest.mark.parametrize(("booking", "ok"), [
    ("2026-03-03 09:59", False),
    ("2026-03-03 10:00", True),
])
def test_can_book_at_a_time_for_an_hours_rule(booking: str, ok: bool) -> None:
    """With a booking time, Microsoft's 24 hours are checked to the minute."""
    result = can_book(policy("microsoft"), failures("2026-03-02 10:00"), local(booking), UTC_ZONE)
    assert result[0] is ok


def test_can_book_on_the_opening_day_of_an_hours_rule_gives_the_time() -> None:
    """Booking the day a 24-hour wait ends is fine, and the reply says from what time."""
    ok, reason = can_book(policy("microsoft"), failures("2026-03-02 10:00"), date(2026, 3, 3), UTC_ZONE)
    assert ok and "from 10:00" in reason


def test_can_book_after_a_pass_is_refused() -> None:
    """A retake of a passed exam cannot be booked."""
    attempts = [Attempt(local("2026-03-02 10:00"), passed=True)]
    ok, reason = can_book(policy("aws"), attempts, date(2026, 9, 1), UTC_ZONE)
    assert not ok and "passed" in reason


def test_can_book_mentions_the_cap_when_it_blocks() -> None:
    """When the attempt cap is what delays the retake, the reply says so."""
    attempts = failures("2026-03-02 10:00", "2026-03-03 10:00", "2026-03-17 10:00", "2026-03-31 10:00",
                        "2026-04-14 10:00")
    ok, reason = can_book(policy("microsoft"), attempts, date(2026, 6, 1), UTC_ZONE)
    assert not ok and "5th attempt in 12 months" in reason


def test_can_book_warns_when_the_free_retake_has_ended() -> None:
    """A Linux Foundation retake booked after the free-retake period is flagged as paid."""
    ok, reason = can_book(policy("linux-foundation"), failures("2026-03-02 10:00"), date(2027, 4, 1), UTC_ZONE,
                          purchased_at=local("2026-02-01 00:00"))
    assert ok and "new purchase" in reason


# -- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                         (12, "12th"), (21, "21st"), (22, "22nd"), (113, "113th")])
def test_ordinal(n: int, text: str) -> None:
    """Ordinals read as English."""
    assert ordinal(n) == text


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 3, 2), 12, date(2027, 3, 2)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 11, 15), 24, date(2028, 11, 15)),
])
def test_add_months_keeps_the_day_or_clamps_it(start: date, months: int, expected: date) -> None:
    """Calendar months keep the day of the month, or end on the last day of a shorter month."""
    assert add_months(start, months) == expected
