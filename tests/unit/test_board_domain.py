"""Board and digest rules: effort-first order, improvement never a score, windows, weeks, empty states."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.board import (
    EMPTY_BOARD,
    DigestFacts,
    GroupTotals,
    MemberProgress,
    Window,
    board_description,
    compose_board,
    digest_lines,
    improvement_text,
    minutes_by_week,
    most_improved,
    parse_window,
    rank_members,
    retake_text,
    week_improvement,
    week_label,
    window_start,
)
from bot.errors import InvalidInput

TOTALS = GroupTotals(exams=(("SY0-701", 2),), minutes=300, checkins=5, active_pairs=1)


def member(user_id: int, minutes: int = 0, **kwargs) -> MemberProgress:
    values = {"exam_code": "SY0-701", "days_to_retake": None, "checkins": 0, "streak": 0, **kwargs}
    return MemberProgress(user_id=user_id, minutes=minutes, **values)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((), None),
        ((48.0,), "first mock done"),
        ((48.0, 61.4), "+13 pts since first mock"),
        ((70.0, 62.0), "2 mocks done"),
        ((55.0, 55.2, 54.9), "3 mocks done"),
    ],
)
def test_improvement_text(scores, expected):
    """Only a real gain is shown as a delta; otherwise the number of mocks, never a drop."""
    assert improvement_text(scores) == expected


def test_board_never_shows_a_mock_score():
    """Raw mock percentages (failing or not) never appear in the board text."""
    people = [member(1, 90, mock_scores=(41.0, 57.0)), member(2, 30, mock_scores=(63.0, 52.0)),
              member(3, 10, mock_scores=(38.0,))]
    text = board_description(compose_board(people, TOTALS, Window.WEEK))
    numbers = set(re.findall(r"\d+(?:\.\d+)?", text))
    assert numbers.isdisjoint({"41", "57", "63", "52", "38"})
    assert "+16 pts since first mock" in text


def test_members_are_ranked_by_effort_not_score():
    """More minutes first; check-ins then streak break ties; mock scores play no part."""
    people = [
        member(1, 60, checkins=1, mock_scores=(90.0, 99.0)),
        member(2, 120, checkins=2),
        member(3, 60, checkins=3),
        member(4, 60, checkins=3, streak=5),
    ]
    assert [m.user_id for m in rank_members(people)] == [2, 4, 3, 1]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(None, None), (-2, None), (0, "retake today"), (1, "retake tomorrow"), (12, "retake in 12 days")],
)
def test_retake_text(days, expected):
    """Days to the booked retake in words; a stale past booking says nothing."""
    assert retake_text(days) == expected


def test_empty_board_explains_how_to_appear():
    """With nobody opted in the board says how to appear, and still shows the group lines."""
    board = compose_board([], TOTALS, Window.WEEK)
    text = board_description(board)
    assert board.empty_text == EMPTY_BOARD and "/privacy board" in text
    assert "Preparing: SY0-701 ×2" in text


def test_long_boards_are_cut_with_a_count():
    """Beyond the line limit the board says how many more members there are."""
    board = compose_board([member(i, i) for i in range(1, 8)], TOTALS, Window.WEEK, max_lines=5)
    assert len(board.lines) == 5 and board.hidden == 2
    assert "…and 2 more" in board_description(board)


def test_member_line_shows_effort_badge_and_empty_week():
    """A line carries exam, retake, minutes, check-ins, streak and the ready badge; a quiet one says so."""
    busy = member(1, 95, checkins=3, streak=4, days_to_retake=9, ready=True)
    quiet = member(2, exam_code=None)
    text = board_description(compose_board([busy, quiet], TOTALS, Window.MONTH))
    assert "SY0-701 · retake in 9 days" in text
    assert "⏱ 95 min · 3 check-ins · 🔥 4-day streak" in text and "ready to book" in text
    assert "exam not set" in text and "no check-ins this month yet" in text


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        (GroupTotals((), 0, 0, 0), ["Nobody has picked an exam yet", "0 minutes studied over 0 check-ins",
                                    "No study pairs right now"]),
        (GroupTotals((("SY0-701", 3), ("N10-009", 1)), 1250, 1, 2),
         ["Preparing: SY0-701 ×3 · N10-009 ×1", "This week: 1,250 minutes studied over 1 check-in",
          "Study pairs active: 2"]),
    ],
)
def test_group_lines(totals, expected):
    """Group lines sum everyone: exams, minutes in the window, active pairs."""
    lines = compose_board([], totals, Window.WEEK).group_lines
    assert all(part in line for part, line in zip(expected, lines, strict=True))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # Wednesday 3 June 2026, 10:00 in Berlin (08:00 UTC): the week began Monday 1 June 00:00 local.
        (Window.WEEK, datetime(2026, 5, 31, 22, 0, tzinfo=UTC)),
        (Window.MONTH, datetime(2026, 5, 31, 22, 0, tzinfo=UTC)),
        (Window.ALL, None),
    ],
)
def test_window_start_is_local_midnight(window, expected):
    """Windows begin at local midnight in the server's zone."""
    assert window_start(window, datetime(2026, 6, 3, 8, 0, tzinfo=UTC), "Europe/Berlin") == expected


def test_unknown_window_is_refused():
    """Only week, month and all are windows."""
    with pytest.raises(InvalidInput):
        parse_window("year")


def test_minutes_by_week_buckets_local_weeks():
    """Minutes land in the local Monday-started week; later check-ins and older weeks are left out."""
    now = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    entries = [
        (30, datetime(2026, 6, 1, 0, 30, tzinfo=UTC)),  # Monday this week
        (45, datetime(2026, 5, 31, 23, 30, tzinfo=UTC)),  # Sunday 23:30 UTC = Monday 01:30 in Berlin
        (20, datetime(2026, 5, 25, 9, 0, tzinfo=UTC)),  # last week
        (99, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)),  # far outside the chart
        (50, datetime(2026, 6, 4, 9, 0, tzinfo=UTC)),  # after now
    ]
    weeks = minutes_by_week(entries, "Europe/Berlin", now, weeks=3)
    assert weeks == [(date(2026, 5, 18), 0), (date(2026, 5, 25), 20), (date(2026, 6, 1), 75)]


def test_week_label_is_iso_week():
    """The digest remembers weeks by their ISO label."""
    assert week_label(date(2026, 6, 7)) == "2026-W23"
    assert week_label(date(2027, 1, 1)) == "2026-W53"


START = datetime(2026, 6, 1, tzinfo=UTC)
END = START + timedelta(days=7)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([(START - timedelta(days=3), 50.0)], None),  # nothing this week
        ([(START + timedelta(days=1), 50.0)], None),  # a single first mock has nothing to compare with
        ([(START - timedelta(days=3), 50.0), (START + timedelta(days=2), 58.0)], 8),
        ([(START + timedelta(days=1), 50.0), (START + timedelta(days=4), 61.0)], 11),
        ([(START - timedelta(days=9), 40.0), (START - timedelta(days=3), 60.0),
          (START + timedelta(days=2), 55.0)], -5),
    ],
)
def test_week_improvement(scores, expected):
    """This week's latest mock against the latest one before it (or the week's first)."""
    assert week_improvement(scores, START, END) == expected


@pytest.mark.parametrize(
    ("improvements", "expected"),
    [({}, None), ({1: None, 2: -3, 3: 0}, None), ({1: 5, 2: 9, 3: 9}, (2, 9))],
)
def test_most_improved_only_counts_gains(improvements, expected):
    """Only a positive gain can be 'most improved'; ties go to the lower id."""
    assert most_improved(improvements) == expected


def test_digest_names_only_who_is_listed_and_is_quiet_without_activity():
    """The digest lists the given names and sums; a week without activity is quiet."""
    facts = DigestFacts(date(2026, 6, 1), date(2026, 6, 7), 420, 9, 3, ready=(11,), passed=(12,),
                        improvements={13: 7, 14: -2})
    text = "\n".join(digest_lines(facts))
    assert "420 minutes studied over 9 check-ins by 3 members" in text
    assert "<@11>" in text and "<@12>" in text and "<@13>, mocks up 7 points" in text and "<@14>" not in text
    assert not facts.quiet
    assert DigestFacts(date(2026, 6, 1), date(2026, 6, 7), 0, 0, 0, (), (), {14: -2}).quiet
