"""One kind nudge after a check-in: breathing, a week behind its goal, or a change of resource."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.nudges import CheckIn, checkin_nudge, choose_nudge, suggest_other_resource

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 12 February 2026, 20:00 in Berlin: day 4 of a Monday-first week.
NOW = datetime(2026, 2, 12, 19, 0, tzinfo=UTC)


def daily(days: int, **kw) -> list[CheckIn]:
    """One check-in a day for the last ``days`` days, ending today."""
    return [CheckIn(at=NOW - timedelta(days=days - 1 - i), **kw) for i in range(days)]


def test_no_history_no_nudge():
    """Nothing to go on: stay quiet."""
    assert checkin_nudge([], NOW, BERLIN) is None


def test_anxiety_rising_suggests_breathe():
    """Anxiety rising over the last three check-ins suggests /breathe."""
    history = [CheckIn(at=NOW - timedelta(days=2 - i), anxiety=a) for i, a in enumerate((2, 3, 4))]
    nudge = choose_nudge(history, NOW, BERLIN)
    assert nudge.kind == "breathe" and "/breathe" in nudge.text


@pytest.mark.parametrize("levels", [(2, 3, 3), (4, 3, 4), (3, 2, 1)])
def test_anxiety_not_rising_stays_quiet(levels):
    """Flat or falling anxiety gives no breathing nudge."""
    history = [CheckIn(at=NOW - timedelta(days=2 - i), anxiety=a) for i, a in enumerate(levels)]
    assert checkin_nudge(history, NOW, BERLIN) is None


def test_old_anxiety_ratings_ignored():
    """A rise that ended weeks ago is not news any more."""
    history = [CheckIn(at=NOW - timedelta(days=30 - i), anxiety=a) for i, a in enumerate((1, 2, 3))]
    assert checkin_nudge(history, NOW, BERLIN) is None


def test_far_below_goal_gives_concrete_suggestion():
    """Far behind the weekly goal by Thursday: a concrete daily amount, kindly put."""
    history = [CheckIn(at=NOW - timedelta(days=1), minutes=30)]
    nudge = choose_nudge(history, NOW, BERLIN, weekly_goal_minutes=600)
    assert nudge.kind == "behind_goal"
    assert "30 of 600 minutes" in nudge.text and "About 145 minutes a day" in nudge.text


def test_on_pace_no_goal_nudge():
    """On an even pace there is nothing to say."""
    history = [CheckIn(at=NOW - timedelta(days=1), minutes=300)]
    assert checkin_nudge(history, NOW, BERLIN, weekly_goal_minutes=600) is None


def test_no_goal_nudge_early_in_week():
    """Monday and Tuesday are too early to call a week behind."""
    tuesday = datetime(2026, 2, 10, 19, 0, tzinfo=UTC)
    assert checkin_nudge([], tuesday, BERLIN, weekly_goal_minutes=600) is None


def test_same_resource_for_two_weeks_suggests_another_kind():
    """Fourteen days of videos suggests practice questions."""
    nudge = choose_nudge(daily(14, resource_type="video", minutes=60), NOW, BERLIN)
    assert (nudge.kind, nudge.suggested_resource) == ("try_another_resource", "practice_questions")
    assert "14 days" in nudge.text


def test_same_resource_for_under_two_weeks_is_fine():
    """Thirteen days on one resource is not yet a rut."""
    assert checkin_nudge(daily(13, resource_type="video"), NOW, BERLIN) is None


def test_mixed_resources_no_nudge():
    """A different kind within the last two weeks breaks the run."""
    history = daily(20, resource_type="book")
    history[-3] = CheckIn(at=history[-3].at, resource_type="labs")
    assert checkin_nudge(history, NOW, BERLIN) is None


@pytest.mark.parametrize(
    ("current", "other"),
    [
        ("video", "practice_questions"),
        ("Practice Questions", "labs"),
        ("labs", "practice_questions"),
        ("podcast", "practice_questions"),
    ],
)
def test_suggest_other_resource(current, other):
    """Passive study turns to active recall; practice turns to hands-on and back."""
    assert suggest_other_resource(current) == other


def test_only_one_nudge_and_anxiety_first():
    """When several rules apply, only the most useful one is given: breathing first."""
    history = daily(14, resource_type="video", minutes=1)
    history[-3:] = [
        CheckIn(at=c.at, resource_type="video", minutes=1, anxiety=a)
        for c, a in zip(history[-3:], (2, 3, 4), strict=True)
    ]
    assert choose_nudge(history, NOW, BERLIN, weekly_goal_minutes=600).kind == "breathe"


def test_goal_before_resource_variety():
    """Being far behind the goal comes before suggesting another resource."""
    history = daily(14, resource_type="video", minutes=1)
    assert choose_nudge(history, NOW, BERLIN, weekly_goal_minutes=600).kind == "behind_goal"


def test_future_checkins_ignored():
    """Check-ins stamped after now are not counted."""
    history = [CheckIn(at=NOW - timedelta(days=2), anxiety=1), CheckIn(at=NOW - timedelta(days=1), anxiety=2)]
    history.append(CheckIn(at=NOW + timedelta(hours=1), anxiety=3))
    assert checkin_nudge(history, NOW, BERLIN) is None
