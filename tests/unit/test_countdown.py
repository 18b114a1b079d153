"""The countdown to a booked exam, the exam-day checklist and box breathing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.countdown import (
    EXAM_DAY_CHECKLIST,
    breathing_steps,
    checklist_text,
    countdown_milestones,
    days_left,
    reframing_text,
)
from bot.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "exam_at", "expected"),
    [
        # Berlin exam Tuesday 14 April 2026 09:30; T-21 (24 March) is still winter time (UTC+1).
        (
            BERLIN,
            (2026, 4, 14, 9, 30),
            {
                "t-21": (2026, 3, 24, 8, 0),
                "t-7": (2026, 4, 7, 7, 0),
                "t-2": (2026, 4, 12, 7, 0),
                "eve": (2026, 4, 13, 17, 0),
                "t+1": (2026, 4, 15, 8, 0),
            },
        ),
        # New York exam Friday 13 March 2026 16:00; DST begins 8 March, so T-2 onwards is UTC-4.
        (
            NEW_YORK,
            (2026, 3, 13, 16, 0),
            {
                "t-21": (2026, 2, 20, 14, 0),
                "t-7": (2026, 3, 6, 14, 0),
                "t-2": (2026, 3, 11, 13, 0),
                "eve": (2026, 3, 12, 23, 0),
                "t+1": (2026, 3, 14, 14, 0),
            },
        ),
    ],
)
def test_milestones_at_local_times(zone, exam_at, expected):
    """Each milestone falls at its local wall-clock time (09:00, 19:00 the evening before, 10:00 after)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    got = {m.kind: m.at_utc for m in countdown_milestones(local(zone, *exam_at), zone, now)}
    assert got == {kind: datetime(*at, tzinfo=UTC) for kind, at in expected.items()}


def test_only_future_milestones():
    """Milestones already past are left out."""
    exam_at = local(BERLIN, 2026, 4, 14, 9, 30)
    now = local(BERLIN, 2026, 4, 12, 9, 0)
    assert [m.kind for m in countdown_milestones(exam_at, BERLIN, now)] == ["eve", "t+1"]


def test_milestone_keys_stable_and_unique():
    """The same exam gives the same keys every time, one per milestone."""
    exam_at = local(BERLIN, 2026, 4, 14, 9, 30)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = [m.key for m in countdown_milestones(exam_at, BERLIN, now)]
    second = [m.key for m in countdown_milestones(exam_at, "Europe/Berlin", now + timedelta(days=1))]
    assert first == second and len(set(first)) == 5


def test_evening_text_carries_checklist_and_time():
    """The evening-before message names the local exam time and includes the checklist."""
    exam_at = local(NEW_YORK, 2026, 3, 13, 16, 0)
    eve = next(m for m in countdown_milestones(exam_at, NEW_YORK, datetime(2026, 1, 1, tzinfo=UTC)) if m.kind == "eve")
    assert "tomorrow at 16:00" in eve.text and EXAM_DAY_CHECKLIST[2] in eve.text


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(BERLIN, 2026, 4, 13, 23, 59), 1),
        (local(BERLIN, 2026, 4, 14, 0, 1), 0),
        (local(BERLIN, 2026, 3, 24, 12, 0), 21),
        (local(BERLIN, 2026, 4, 15, 12, 0), -1),
    ],
)
def test_days_left_counts_local_days(now, expected):
    """Days left count the member's calendar days, not 24-hour blocks."""
    assert days_left(local(BERLIN, 2026, 4, 14, 9, 30), BERLIN, now) == expected


def test_checklist_covers_essentials():
    """The checklist mentions sleep, a meal, ID, arriving early and breathing."""
    text = checklist_text().lower()
    assert all(word in text for word in ("sleep", "meal", "id", "early", "breathing"))


def test_reframing_is_numbered_steps():
    """The reframe exercise is a short numbered list."""
    assert reframing_text().splitlines()[1].startswith("1. ")


@pytest.mark.parametrize("cycles", [1, 4, 10])
def test_breathing_steps_box_pattern(cycles):
    """Each cycle is in 4, hold 4, out 4, hold 4."""
    steps = breathing_steps(cycles)
    assert len(steps) == 4 * cycles and {s for _, s in steps} == {4}
    assert [label for label, _ in steps[:4]] == ["Breathe in", "Hold", "Breathe out", "Hold"]


@pytest.mark.parametrize("cycles", [0, 11])
def test_breathing_cycles_range(cycles):
    """Between 1 and 10 cycles are allowed."""
    with pytest.raises(InvalidInput):
        breathing_steps(cycles)
