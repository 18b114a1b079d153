"""Study plans: hours that add up, phases in order, the simulation window and short runways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.diagnosis import Remedy
from bot.domain.plan import PhaseKind, build_plan
from bot.domain.priority import rank_domains
from bot.domain.reports import DomainResult, ResultKind, ScoreReport
from bot.errors import InvalidInput
from tests.unit.exam_fixtures import CCNA_200_301, SY0_701

START = date(2026, 9, 21)
REPORT = ScoreReport(
    SY0_701.code,
    tuple(
        DomainResult(n, ResultKind.PERCENT, percent=p)
        for n, p in {"1.0": 79, "2.0": 60, "3.0": 95, "4.0": 70, "5.0": 77}.items()
    ),
)
RANKING = rank_domains(SY0_701, REPORT)


def _plan(days: int, hours_per_week: float = 8, **kwargs):
    return build_plan(
        SY0_701,
        RANKING,
        start=START,
        exam_date=START + timedelta(days=days),
        hours_per_week=hours_per_week,
        **kwargs,
    )


@pytest.mark.parametrize(("days", "hours_per_week"), [(42, 8), (43, 7.5), (10, 3), (90, 20), (5, 1)])
def test_domain_hours_sum_exactly_to_the_total(days, hours_per_week):
    """Domain hours add up to the plan's total, in half hours."""
    plan = _plan(days, hours_per_week)
    assert sum(plan.domain_hours.values()) == plan.total_hours
    assert all((h * 2).is_integer() for h in plan.domain_hours.values())


def test_total_hours_follow_hours_per_week():
    """Six weeks at 8 h a week is 48 h."""
    assert _plan(42).total_hours == 48


def test_strong_domains_keep_a_floor_of_five_percent():
    """Even a strong domain with no gap gets at least 5 % of the hours."""
    plan = _plan(42)
    assert plan.domain_hours["3.0"] >= 0.05 * plan.total_hours
    assert all(h >= 0.05 * plan.total_hours for h in plan.domain_hours.values())


def test_domain_hours_follow_priority():
    """Hours fall with priority, most urgent first."""
    hours = list(_plan(42).domain_hours.items())
    assert [n for n, _ in hours] == ["2.0", "4.0", "5.0", "1.0", "3.0"]
    assert [h for _, h in hours] == sorted((h for _, h in hours), reverse=True)


def test_without_a_report_hours_follow_blueprint_weights():
    """With no report, hours follow the blueprint weights."""
    plan = build_plan(
        CCNA_200_301,
        rank_domains(CCNA_200_301, None),
        start=START,
        exam_date=START + timedelta(days=42),
        hours_per_week=10,
    )
    assert plan.domain_hours == {"3.0": 15.0, "1.0": 12.0, "2.0": 12.0, "5.0": 9.0, "4.0": 6.0, "6.0": 6.0}


@given(days=st.integers(min_value=1, max_value=200), hours=st.integers(min_value=1, max_value=160))
def test_plan_arithmetic_holds_for_any_runway(days, hours):
    """For any runway, domain and phase hours sum to the total and phases tile the study days."""
    plan = _plan(days, hours / 2)
    assert sum(plan.domain_hours.values()) == plan.total_hours
    assert sum(p.hours for p in plan.phases) == plan.total_hours
    assert plan.phases[0].start == START
    assert plan.phases[-1].end == plan.exam_date - timedelta(days=1)
    for before, after in zip(plan.phases, plan.phases[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)


@given(days=st.integers(min_value=5, max_value=200))
def test_intensive_phase_comes_first_and_is_longest(days):
    """From five study days on, the intensive phase is first and no phase is longer."""
    plan = _plan(days)
    assert plan.phases[0].kind is PhaseKind.INTENSIVE
    assert all(plan.phases[0].days >= p.days for p in plan.phases)


def test_phases_in_order():
    """A six-week plan has the four phases in order."""
    assert [p.kind for p in _plan(42).phases] == [
        PhaseKind.INTENSIVE,
        PhaseKind.MIXED_REVIEW,
        PhaseKind.SIMULATION,
        PhaseKind.LIGHT_REVIEW,
    ]


@pytest.mark.parametrize("days", [5, 14, 42, 90])
def test_final_two_days_are_light_review_only(days):
    """The two days before the exam are light review, with no simulation in them."""
    plan = _plan(days)
    light = plan.phases[-1]
    assert light.kind is PhaseKind.LIGHT_REVIEW
    assert (light.start, light.end) == (
        plan.exam_date - timedelta(days=2),
        plan.exam_date - timedelta(days=1),
    )
    assert not any("Full timed simulation" in a for a in light.activities)


@pytest.mark.parametrize(("days", "window_days"), [(35, 14), (42, 14), (55, 14), (56, 21), (90, 21)])
def test_simulations_spread_over_the_last_two_or_three_weeks(days, window_days):
    """Simulations run from 2 weeks (5–7-week plans) or 3 weeks (8+) before the exam to 3 days before."""
    plan = _plan(days)
    simulation = plan.phase(PhaseKind.SIMULATION)
    assert simulation.start == plan.exam_date - timedelta(days=window_days)
    assert simulation.end == plan.exam_date - timedelta(days=3)


def test_simulation_dates_fall_inside_the_window():
    """Each scheduled simulation date lies in the simulation phase, the last one 3 days before the exam."""
    plan = _plan(56)
    simulation = plan.phase(PhaseKind.SIMULATION)
    listed = simulation.activities[0]
    dates = [date.fromisoformat(t.strip(" .")) for t in listed.split(":", 1)[1].split(",")]
    assert len(dates) == 5
    assert all(simulation.start <= d <= simulation.end for d in dates)
    assert dates[-1] == plan.exam_date - timedelta(days=3)


@pytest.mark.parametrize("days", [8, 14, 21, 28])
def test_shorter_plans_scale_the_simulation_window_down(days):
    """Under five weeks the simulation phase shrinks but still ends 3 days before the exam."""
    plan = _plan(days)
    simulation = plan.phase(PhaseKind.SIMULATION)
    assert 1 <= simulation.days < 12
    assert simulation.end == plan.exam_date - timedelta(days=3)


def test_intensive_phase_focuses_on_weak_domains():
    """The intensive phase focuses on the weak domains, most urgent first."""
    assert _plan(42).phase(PhaseKind.INTENSIVE).focus_domains == ("2.0", "4.0")


def test_three_day_runway_is_one_timed_set_then_light_review():
    """With the exam in 3 days: one timed set, then light review, and a note saying why."""
    plan = _plan(3)
    assert [(p.kind, p.title, p.days) for p in plan.phases] == [
        (PhaseKind.MIXED_REVIEW, "One timed set", 1),
        (PhaseKind.LIGHT_REVIEW, "Light review", 2),
    ]
    assert plan.phases[0].focus_domains == ("2.0",)
    assert any("short" in n for n in plan.notes)


@pytest.mark.parametrize("days", [1, 2])
def test_one_or_two_days_is_light_review_only(days):
    """With the exam in 1–2 days the plan is light review only."""
    plan = _plan(days)
    assert [p.kind for p in plan.phases] == [PhaseKind.LIGHT_REVIEW]
    assert any("light review only" in n for n in plan.notes)


def test_exam_today_has_no_phases():
    """An exam today gets no study phases, only a kind note."""
    plan = _plan(0)
    assert (plan.phases, plan.total_hours) == ((), 0.0)
    assert any("today" in n for n in plan.notes)


def test_without_a_booked_date_the_plan_aims_six_weeks_out():
    """No booked date: the plan aims 6 weeks after the start and says so."""
    plan = build_plan(SY0_701, RANKING, start=START, exam_date=None, hours_per_week=8)
    assert (plan.exam_date, plan.exam_date_booked) == (START + timedelta(weeks=6), False)
    assert any("No exam date is booked" in n for n in plan.notes)


def test_proposed_date_is_never_before_the_eligible_date():
    """A proposed date waits for the earliest allowed retake."""
    eligible = START + timedelta(days=60)
    plan = build_plan(SY0_701, RANKING, start=START, exam_date=None, hours_per_week=8, eligible_date=eligible)
    assert plan.exam_date == eligible


def test_booked_date_before_the_eligible_date_is_flagged():
    """A booked date earlier than the retake policy allows gets a note."""
    plan = _plan(10, eligible_date=START + timedelta(days=14))
    assert any("earliest retake" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"exam_date": START - timedelta(days=1), "hours_per_week": 8}, "already passed"),
        ({"exam_date": START + timedelta(days=30), "hours_per_week": 0}, "needs some study time"),
        ({"exam_date": START + timedelta(days=30), "hours_per_week": -3}, "needs some study time"),
        ({"exam_date": START + timedelta(days=30), "hours_per_week": 200}, "more than anyone can keep up"),
    ],
)
def test_impossible_plans_raise(kwargs, message):
    """A past exam date or impossible weekly hours raise InvalidInput."""
    with pytest.raises(InvalidInput, match=message):
        build_plan(SY0_701, RANKING, start=START, **kwargs)


@pytest.mark.parametrize(
    ("remedy", "phase", "phrase"),
    [
        (Remedy.TIMED_PRACTICE, PhaseKind.SIMULATION, "pacing plan"),
        (Remedy.TIMED_PRACTICE, PhaseKind.INTENSIVE, "against the clock"),
        (Remedy.HANDS_ON_LABS, PhaseKind.INTENSIVE, "Lab time"),
        (Remedy.SECOND_RESOURCE, PhaseKind.INTENSIVE, "different kind of resource"),
        (Remedy.SECOND_RESOURCE, PhaseKind.MIXED_REVIEW, "second question bank"),
        (Remedy.HEAVY_DOMAINS_FIRST, PhaseKind.INTENSIVE, "Start with 2.0"),
        (Remedy.EXAM_REHEARSAL, PhaseKind.LIGHT_REVIEW, "calm exam morning"),
        (Remedy.READ_THE_STEM, PhaseKind.MIXED_REVIEW, "Reading drill"),
        (Remedy.ANSWER_CHANGE_RULE, PhaseKind.SIMULATION, "answer-change rule"),
        (Remedy.FIXED_STUDY_BLOCKS, PhaseKind.INTENSIVE, "fixed blocks"),
    ],
)
def test_remedies_become_activities(remedy, phase, phrase):
    """Each remedy adds a concrete activity to the right phase, and only when chosen."""
    with_remedy = _plan(42, remedies=[remedy]).phase(phase).activities
    without = _plan(42).phase(phase).activities
    assert any(phrase in a for a in with_remedy)
    assert not any(phrase in a for a in without)


def test_timed_practice_reaches_the_short_runway_set():
    """On a short runway, timed practice still shapes the one timed set."""
    activities = _plan(3, remedies=[Remedy.TIMED_PRACTICE]).phases[0].activities
    assert any("halfway mark" in a for a in activities)


def test_pace_uses_the_exam_format():
    """Timed sets quote the exam's pace: 90 questions in 90 minutes is 1 minute each."""
    assert any(
        "about 1.0 minutes a question" in a for a in _plan(42).phase(PhaseKind.MIXED_REVIEW).activities
    )
