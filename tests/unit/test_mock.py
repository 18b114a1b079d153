"""Mock exams: shape, scaled-score estimate, scoring and the session rules of each mode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.banks import Option, Question, QuestionType
from bot.domain.exams import Confidence, Exam, ExamStatus, Source
from bot.domain.mock import (
    DEFAULT_QUESTION_COUNT,
    MockFinished,
    MockQuestion,
    MockSession,
    TimeUp,
    estimate_scaled_score,
    mock_shape,
    score_mock,
    shape_note,
)
from bot.errors import InvalidInput, NotAllowed, NotFound, UserError

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
SOURCE = Source(urls=("https://example.org",), as_of=date(2026, 1, 1), confidence=Confidence.HIGH)


def exam(**kw) -> Exam:
    base = dict(
        code="SY0-701",
        name="Security+",
        vendor="CompTIA",
        policy_id="comptia",
        status=ExamStatus.CURRENT,
        domains=(),
        source=SOURCE,
        passing_score=750,
        scale_min=100,
        scale_max=900,
        max_questions=90,
        duration_minutes=90,
    )
    base.update(kw)
    return Exam(**base)


# -- shape ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "questions", "minutes", "expected"),
    [("full", 90, 90, (90, 90)), ("half", 90, 90, (45, 45)), ("half", 65, 165, (33, 83))],
)
def test_mock_shape(length, questions, minutes, expected):
    """Full is the blueprint; half halves both, rounding up."""
    assert mock_shape(exam(max_questions=questions, duration_minutes=minutes), length) == expected


def test_default_count_when_not_published():
    """No published count: the documented default is used, and the note says so."""
    e = exam(max_questions=None)
    assert mock_shape(e, "full").question_count == DEFAULT_QUESTION_COUNT
    assert "our default of 50 questions" in shape_note(e)


def test_no_note_when_published():
    """Published numbers need no note."""
    assert shape_note(exam()) is None


def test_unknown_length_rejected():
    """Only full and half lengths exist."""
    with pytest.raises(InvalidInput):
        mock_shape(exam(), "quarter")


# -- scaled estimate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "passing", "low", "high", "raw", "expected"),
    [
        ("CompTIA", 750, 100, 900, 0, 100),
        ("CompTIA", 750, 100, 900, 75, 750),  # documented raw anchor for CompTIA
        ("CompTIA", 750, 100, 900, 100, 900),
        ("CompTIA", 750, 100, 900, 87.5, 825),
        ("Microsoft", 700, 1, 1000, 75, 700),
        ("AWS", 720, 100, 1000, 68.9, 720),  # other vendors: the scale's own passing percent
    ],
)
def test_scaled_estimate_anchors(vendor, passing, low, high, raw, expected):
    """0 % maps to the minimum, the raw anchor to the pass mark and 100 % to the maximum."""
    e = exam(vendor=vendor, passing_score=passing, scale_min=low, scale_max=high)
    assert estimate_scaled_score(e, raw).value == expected


def test_scaled_estimate_is_labelled_with_range():
    """The estimate says it is one, and gives a range around the value."""
    est = estimate_scaled_score(exam(), 80)
    assert "estimate" in est.label and "estimate" in est.explanation
    assert est.low < est.value < est.high


def test_no_estimate_without_scale():
    """An exam without a published scale gets no estimate."""
    assert estimate_scaled_score(exam(passing_score=None, scale_max=None), 80) is None


@pytest.mark.parametrize("raw", [-1, 100.5])
def test_estimate_rejects_impossible_percent(raw):
    """A percentage outside 0-100 is refused kindly."""
    with pytest.raises(InvalidInput):
        estimate_scaled_score(exam(), raw)


# -- scoring --------------------------------------------------------------------------------------

QUESTIONS = [
    MockQuestion.of("q1", "1.0", "A"),
    MockQuestion.of("q2", "1.0", "B"),
    MockQuestion.of("q3", "2.0", ["A", "C"]),
    MockQuestion.of("q4", "2.0", "D"),
]


def test_score_mock_counts_per_domain():
    """Raw percent, per-domain tallies, unanswered and misses in question order."""
    score = score_mock(
        QUESTIONS,
        {"q1": "a", "q2": "C", "q3": ["C", "A"]},
        started_at=T0,
        finished_at=T0 + timedelta(minutes=42),
        timed_out=False,
        changes={"q2": 2},
    )
    assert (score.raw_percent, score.unanswered, score.answers_changed) == (50.0, 1, 2)
    assert score.per_domain == {"1.0": (1, 2, 50.0), "2.0": (1, 2, 50.0)}
    assert (score.misses, score.time_used) == (["q2", "q4"], timedelta(minutes=42))


def test_bank_question_scores_case_insensitively():
    """A bank question's lower-case answer ids match answers given in capitals."""
    bank_q = Question(
        id="b1",
        exam="SY0-701",
        domain="3.0",
        objective=None,
        type=QuestionType.MULTI,
        choose=2,
        stem="Pick two.",
        options=(Option("a", "one"), Option("b", "two"), Option("c", "three")),
        answer=frozenset({"a", "c"}),
        explanation="Because.",
    )
    score = score_mock(
        [MockQuestion.from_bank(bank_q)], {"b1": ["C", "A"]}, started_at=T0, finished_at=T0, timed_out=False
    )
    assert score.per_domain == {"3.0": (1, 1, 100.0)}


def test_multi_answer_needs_exact_set():
    """A multi-answer question with only part of the answer is wrong."""
    score = score_mock(QUESTIONS[2:3], {"q3": ["A"]}, started_at=T0, finished_at=T0, timed_out=True)
    assert (score.raw_percent, score.misses, score.timed_out) == (0.0, ["q3"], True)


# -- session rules --------------------------------------------------------------------------------

IDS = ("q1", "q2", "q3", "q4")


def session(mode: str = "exam", minutes: int | None = 60) -> MockSession:
    return MockSession.start(IDS, mode=mode, now=T0, duration_minutes=minutes)


def test_answer_moves_to_next_question():
    """Answering the current question moves on."""
    s = session("strict")
    s.answer("q1", "A", T0)
    assert s.current_id == "q2"


def test_strict_refuses_going_back():
    """In strict mode an answered question is locked."""
    s = session("strict")
    s.answer("q1", "A", T0)
    with pytest.raises(NotAllowed, match="locked"):
        s.answer("q1", "B", T0)


def test_strict_refuses_skipping_ahead():
    """In strict mode questions come in order."""
    with pytest.raises(NotAllowed, match="question 1"):
        session("strict").answer("q3", "A", T0)


def test_strict_last_question_locked_after_answer():
    """The last question in strict mode is final too."""
    s = session("strict")
    for qid in IDS:
        s.answer(qid, "A", T0)
    with pytest.raises(NotAllowed):
        s.answer("q4", "B", T0)


@pytest.mark.parametrize("action", [lambda s: s.flag("q1"), lambda s: s.goto(2)])
def test_strict_refuses_flags_and_jumps(action):
    """Flagging and jumping are exam-mode tools."""
    with pytest.raises(NotAllowed, match="Strict mode"):
        action(session("strict"))


def test_exam_mode_allows_going_back_and_counts_changes():
    """Exam mode lets the member go back and change answers; changes are counted."""
    s = session("exam")
    s.answer("q1", "A", T0)
    s.answer("q2", "B", T0)
    s.answer("q1", "C", T0)
    s.answer("q1", "C", T0)
    assert (s.answers["q1"], s.changes) == (frozenset({"c"}), {"q1": 1})


def test_flag_toggles():
    """Flagging twice removes the flag."""
    s = session("exam")
    assert (s.flag("q2"), s.flag("q2")) == (True, False)


def test_goto_moves_and_checks_range():
    """goto moves to a question and refuses numbers outside the mock."""
    s = session("exam")
    assert s.goto(3) == "q4"
    with pytest.raises(InvalidInput, match="from 1 to 4"):
        s.goto(4)


def test_answer_refused_after_deadline():
    """After the deadline answers are refused with a plain message."""
    s = session("exam", minutes=60)
    with pytest.raises(TimeUp):
        s.answer("q1", "A", T0 + timedelta(minutes=60))


def test_unknown_question_refused():
    """A question from another mock is not found."""
    with pytest.raises(NotFound):
        session().answer("zz", "A", T0)


def test_empty_choice_refused():
    """An empty answer is a gentle input error."""
    with pytest.raises(InvalidInput):
        session().answer("q1", " ", T0)


@pytest.mark.parametrize(
    ("elapsed", "text"),
    [
        (timedelta(0), "1:00:00 left"),
        (timedelta(minutes=47, seconds=30), "12:30 left"),
        (timedelta(minutes=59, seconds=59, microseconds=500000), "0:01 left"),
        (timedelta(minutes=61), "Time is up."),
    ],
)
def test_countdown_text(elapsed, text):
    """The remaining time reads like a clock and never shows zero while time is left."""
    assert session(minutes=60).countdown_text(T0 + elapsed) == text


def test_relaxed_mode_has_no_clock():
    """Relaxed practice never expires."""
    s = session("relaxed", minutes=None)
    assert (s.deadline, s.is_expired(T0 + timedelta(days=3))) == (None, False)
    assert "No time limit" in s.countdown_text(T0)


def test_finish_after_deadline_is_timed_out_and_scores():
    """Finishing late records the deadline as the end and scores the mock as timed out."""
    s = session("exam", minutes=30)
    s.answer("q1", "A", T0)
    assert s.finish(T0 + timedelta(hours=2)) is True
    score = s.score(QUESTIONS)
    assert (score.timed_out, score.time_used, score.raw_percent) == (True, timedelta(minutes=30), 25.0)


def test_finished_mock_refuses_answers():
    """Once finished, the mock takes no more answers."""
    s = session("exam")
    s.finish(T0)
    with pytest.raises(MockFinished):
        s.answer("q1", "A", T0)


@pytest.mark.parametrize("mode", ["speedrun", ""])
def test_unknown_mode_rejected(mode):
    """Only strict, exam and relaxed modes exist."""
    with pytest.raises(InvalidInput):
        MockSession.start(IDS, mode=mode, now=T0, duration_minutes=10)


def test_errors_are_user_errors():
    """Session refusals are UserError subclasses, so the command tree shows them kindly."""
    assert issubclass(TimeUp, UserError) and issubclass(MockFinished, UserError)
