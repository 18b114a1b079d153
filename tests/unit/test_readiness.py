"""The readiness gate: consecutive strong full mocks before booking the retake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.readiness import MockResult, evaluate_readiness
from bot.errors import InvalidInput

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PASS = 72.0  # threshold with the default buffer: 82 %


def mocks(*specs: tuple[float, str] | tuple[float, str, str]) -> list[MockResult]:
    """Mocks a day apart, oldest first: (percent, length[, mode])."""
    out = []
    for i, spec in enumerate(specs):
        percent, length, *mode = spec
        at = NOW - timedelta(days=len(specs) - i)
        out.append(MockResult(finished_at=at, length=length, mode=mode[0] if mode else "strict", percent=percent))
    return out


def evaluate(history, **kw):
    kw.setdefault("passing_percent", PASS)
    kw.setdefault("now", NOW)
    return evaluate_readiness(history, **kw)


def test_opens_after_third_qualifying_full_mock():
    """Three full mocks in a row at passing + 10 open the gate."""
    r = evaluate(mocks((85, "full"), (83, "full"), (90, "full")))
    assert (r.ready, r.qualifying_streak, r.threshold) == (True, 3, 82.0)


def test_two_qualifying_not_enough():
    """Two strong full mocks are not yet three; the text says what is missing."""
    r = evaluate(mocks((85, "full"), (83, "full")))
    assert not r.ready
    assert r.missing_text == "2 of 3 full mocks in a row at 82%+; next full mock scheduled?"


def test_half_mock_never_counts():
    """A strong half-length mock neither counts towards the gate nor breaks the run."""
    r = evaluate(mocks((85, "full"), (95, "half"), (83, "full")))
    assert (r.ready, r.qualifying_streak) == (False, 2)


def test_relaxed_practice_never_counts():
    """Relaxed practice, even full length, does not count."""
    r = evaluate(mocks((85, "full"), (83, "full"), (99, "full", "relaxed")))
    assert (r.ready, r.qualifying_streak) == (False, 2)


@pytest.mark.parametrize("mode", ["strict", "exam"])
def test_timed_modes_count(mode):
    """Both timed modes count."""
    r = evaluate(mocks((85, "full", mode), (83, "full", mode), (90, "full", mode)))
    assert r.ready


def test_weak_full_mock_resets():
    """A full mock under the threshold resets the run."""
    r = evaluate(mocks((85, "full"), (83, "full"), (81.9, "full"), (90, "full")))
    assert (r.ready, r.qualifying_streak) == (False, 1)


def test_weak_mock_shows_latest_score():
    """After a weak mock the missing text shows that score."""
    r = evaluate(mocks((85, "full"), (70, "full")))
    assert r.missing_text.endswith("(latest: 70%)")


def test_just_opened_exactly_once():
    """just_opened is true on the mock that opens the gate and false on every later one."""
    history = mocks((85, "full"), (83, "full"), (90, "full"), (88, "full"), (70, "half"))
    flags = [evaluate(history[: i + 1], now=NOW).just_opened for i in range(len(history))]
    assert flags == [False, False, True, False, False]


def test_just_opened_again_after_reset():
    """After a reset the gate can open again, and says so once more."""
    history = mocks((85, "full"), (83, "full"), (90, "full"), (60, "full"), *[(88, "full")] * 3)
    flags = [evaluate(history[: i + 1], now=NOW).just_opened for i in range(len(history))]
    assert flags == [False, False, True, False, False, False, True]


def test_required_two():
    """A group can ask for two strong mocks instead of three."""
    assert evaluate(mocks((85, "full"), (83, "full")), required=2).ready


def test_larger_buffer_raises_threshold():
    """A 15-point buffer needs 87 %."""
    r = evaluate(mocks((85, "full"), (88, "full"), (90, "full")), buffer=15)
    assert (r.threshold, r.qualifying_streak) == (87.0, 2)


def test_threshold_capped_at_100():
    """A very high pass mark plus buffer never asks for more than 100 %."""
    assert evaluate([], passing_percent=95).threshold == 100.0


@pytest.mark.parametrize(("kw"), [dict(required=1), dict(required=4), dict(buffer=9), dict(buffer=16)])
def test_out_of_range_settings_rejected(kw):
    """required must be 2-3 and buffer 10-15."""
    with pytest.raises(InvalidInput):
        evaluate([], **kw)


def test_future_mocks_ignored():
    """A mock stamped after now does not count yet."""
    history = mocks((85, "full"), (83, "full")) + [
        MockResult(finished_at=NOW + timedelta(hours=1), length="full", mode="strict", percent=90)
    ]
    assert not evaluate(history).ready


def test_trend_lists_latest_full_scores():
    """The trend shows the last five counted scores, oldest first."""
    history = mocks(*[(p, "full") for p in (50, 60, 65, 70, 75, 80)], (99, "half"))
    assert evaluate(history).trend == (60, 65, 70, 75, 80)


def test_warns_when_booked_before_ready():
    """A booking while not ready gives a warning with the numbers."""
    r = evaluate(mocks((85, "full"), (70, "full")), booked_date=date(2026, 3, 13))
    assert "2026-03-13 (in 12 days)" in r.warn_booked_before_ready
    assert "0 of 3 full mocks in a row at 82%+" in r.warn_booked_before_ready


def test_no_warning_when_ready():
    """Being ready with a booking is fine."""
    r = evaluate(mocks((85, "full"), (83, "full"), (90, "full")), booked_date=date(2026, 3, 13))
    assert r.warn_booked_before_ready is None


@pytest.mark.parametrize(
    ("eligible", "expected"),
    [(None, date(2026, 3, 1)), (date(2026, 3, 10), date(2026, 3, 10)), (date(2026, 2, 1), date(2026, 3, 1))],
)
def test_can_book_from_respects_eligibility(eligible, expected):
    """When ready, booking can start today or on the retake-eligibility date, whichever is later."""
    r = evaluate(mocks((85, "full"), (83, "full"), (90, "full")), eligible_date=eligible)
    assert r.can_book_from == expected


def test_not_ready_has_no_booking_date():
    """Not ready: no booking date is suggested."""
    assert evaluate(mocks((85, "full"))).can_book_from is None
