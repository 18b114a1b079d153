"""Diagnosis: questionnaire answers and the score report mapped to causes and remedies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.diagnosis import (
    CAUSES,
    QUESTIONS,
    CauseId,
    CauseKind,
    QuestionKind,
    Remedy,
    diagnose,
)
from bot.domain.plan import build_plan
from bot.domain.priority import rank_domains
from bot.domain.reports import DomainResult, ResultKind, ScoreReport
from bot.errors import InvalidInput
from tests.unit.exam_fixtures import SY0_701

STEADY = {
    "study_time": "steady",
    "coverage": "all",
    "resources": ["book", "practice", "labs"],
    "clock": "fine",
    "exam_day": ["none"],
}


def _report(percents: dict[str, float]) -> ScoreReport:
    return ScoreReport(
        SY0_701.code, tuple(DomainResult(n, ResultKind.PERCENT, percent=p) for n, p in percents.items())
    )


def _ids(diagnosis) -> set[CauseId]:
    return {c.id for c in diagnosis.causes}


def test_questions_fit_discord_select_menus():
    """Every option label is at most 80 characters and no question has more than 25 options."""
    for question in QUESTIONS:
        assert 2 <= len(question.options) <= 25, question.id
        assert all(len(o.label) <= 80 for o in question.options), question.id
        assert len({o.id for o in question.options}) == len(question.options), question.id
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)


def test_questions_cover_both_single_and_multi_choice():
    """The questionnaire uses both single- and multi-choice questions."""
    assert {q.kind for q in QUESTIONS} == {QuestionKind.SINGLE, QuestionKind.MULTI}


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ({"study_time": "rushed"}, CauseId.TOO_LITTLE_TIME),
        ({"study_time": "patchy"}, CauseId.TOO_LITTLE_TIME),
        ({"coverage": "skipped"}, CauseId.HEAVY_DOMAINS_UNDERCOVERED),
        ({"exam_day": ["surprised"]}, CauseId.HEAVY_DOMAINS_UNDERCOVERED),
        ({"resources": ["labs", "flashcards"]}, CauseId.SINGLE_RESOURCE),
        ({"resources": ["video", "book"]}, CauseId.NO_HANDS_ON),
        ({"exam_day": ["stuck_tasks"]}, CauseId.NO_HANDS_ON),
        ({"clock": "ran_out"}, CauseId.RAN_OUT_OF_TIME),
        ({"exam_day": ["nerves"]}, CauseId.ANXIETY),
        ({"exam_day": ["blank"]}, CauseId.ANXIETY),
        ({"exam_day": ["misread"]}, CauseId.MISREAD_STEMS),
        ({"exam_day": ["changed"]}, CauseId.CHANGED_RIGHT_ANSWERS),
    ],
)
def test_answers_map_to_causes(answer, cause):
    """Each telling answer produces its cause, with the answer quoted as evidence."""
    diagnosis = diagnose({**STEADY, **answer})
    assert _ids(diagnosis) == {cause}
    assert diagnosis.causes[0].evidence


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (CauseId.TOO_LITTLE_TIME, CauseKind.PREPARATION),
        (CauseId.HEAVY_DOMAINS_UNDERCOVERED, CauseKind.PREPARATION),
        (CauseId.SINGLE_RESOURCE, CauseKind.PREPARATION),
        (CauseId.NO_HANDS_ON, CauseKind.PREPARATION),
        (CauseId.RAN_OUT_OF_TIME, CauseKind.EXECUTION),
        (CauseId.ANXIETY, CauseKind.EXECUTION),
        (CauseId.MISREAD_STEMS, CauseKind.EXECUTION),
        (CauseId.CHANGED_RIGHT_ANSWERS, CauseKind.EXECUTION),
    ],
)
def test_causes_are_preparation_or_execution(cause, kind):
    """Study causes are preparation, exam-day causes are execution."""
    assert CAUSES[cause].kind is kind


def test_steady_answers_find_no_cause():
    """Answers with nothing telling produce no cause and a kind summary."""
    diagnosis = diagnose(STEADY)
    assert (diagnosis.causes, diagnosis.remedies) == ([], [])
    assert "Nothing in your answers stands out" in diagnosis.summary


def test_labs_among_several_resources_is_not_a_cause():
    """Several resources including labs raise neither resource cause."""
    assert not _ids(diagnose({"resources": ["video", "labs"]}))


def test_none_alongside_other_picks_is_ignored():
    """'None of these' picked with other options does not cancel them."""
    assert _ids(diagnose({"exam_day": ["none", "misread"]})) == {CauseId.MISREAD_STEMS}


def test_heavy_domain_far_below_target_in_the_report_is_a_cause():
    """A heavy domain far below target in the report means heavy domains were under-covered."""
    report = _report({"1.0": 85, "2.0": 84, "3.0": 88, "4.0": 55, "5.0": 86})
    diagnosis = diagnose(STEADY, report=report, exam=SY0_701)
    assert _ids(diagnosis) == {CauseId.HEAVY_DOMAINS_UNDERCOVERED}
    assert "4.0 Security Operations" in diagnosis.causes[0].evidence[0]


def test_light_domain_far_below_target_is_not_a_heavy_domain_cause():
    """A light domain far below target is not a heavy-domain cause."""
    report = _report({"1.0": 40, "2.0": 90, "3.0": 90, "4.0": 90, "5.0": 90})
    assert not _ids(diagnose(STEADY, report=report, exam=SY0_701))


def test_given_priorities_are_used_instead_of_ranking_again():
    """Priorities passed in are used as they are."""
    priorities = rank_domains(SY0_701, _report({"4.0": 50}))
    assert _ids(diagnose(STEADY, priorities=priorities)) == {CauseId.HEAVY_DOMAINS_UNDERCOVERED}


def test_remedies_follow_the_causes_once_each():
    """Remedies come from the causes, each listed once."""
    diagnosis = diagnose({"study_time": "rushed", "clock": "ran_out", "exam_day": ["nerves", "blank"]})
    assert diagnosis.remedies == [Remedy.FIXED_STUDY_BLOCKS, Remedy.TIMED_PRACTICE, Remedy.EXAM_REHEARSAL]


def test_every_remedy_changes_the_plan():
    """build_plan understands every remedy: each one changes the plan's activities or notes."""
    ranking = rank_domains(SY0_701, _report({"4.0": 50}))
    start = date(2026, 9, 21)

    def plan_text(remedies):
        plan = build_plan(
            SY0_701,
            ranking,
            start=start,
            exam_date=start + timedelta(days=42),
            hours_per_week=8,
            remedies=remedies,
        )
        return [a for p in plan.phases for a in p.activities] + list(plan.notes)

    baseline = plan_text([])
    for remedy in Remedy:
        assert plan_text([remedy]) != baseline, remedy


def test_summary_names_both_kinds_when_both_are_found():
    """With preparation and execution causes, the summary speaks of both."""
    summary = diagnose({"study_time": "crammed", "exam_day": ["misread"]}).summary
    assert "how you prepared" in summary and "how the exam day went" in summary


def test_summary_for_execution_only_says_preparation_looked_sound():
    """Execution causes alone: the summary says preparation looked sound."""
    assert "preparation looks sound" in diagnose({**STEADY, "clock": "ran_out"}).summary


def test_causes_are_grouped_by_kind():
    """Causes of each kind can be listed separately."""
    diagnosis = diagnose({"study_time": "crammed", "exam_day": ["misread", "changed"]})
    assert [c.id for c in diagnosis.causes_of_kind(CauseKind.EXECUTION)] == [
        CauseId.MISREAD_STEMS,
        CauseId.CHANGED_RIGHT_ANSWERS,
    ]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"mood": "ok"}, "no question"),
        ({"clock": "forever"}, "not one of the answers"),
        ({"exam_day": ["misread", "sleepy"]}, "not one of the answers"),
        ({"clock": ["ran_out", "fine"]}, "just one"),
    ],
)
def test_bad_answers_raise(answers, message):
    """Unknown questions or options, and two picks on a single-choice question, raise InvalidInput."""
    with pytest.raises(InvalidInput, match=message):
        diagnose(answers)
