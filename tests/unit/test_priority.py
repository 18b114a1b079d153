"""Weak-domain ranking: priority = weight × gap to target, labels, and the no-report fallback."""

from __future__ import annotations

import pytest

from bot.domain.priority import Standing, rank_domains
from bot.domain.reports import DomainResult, Level, ResultKind, ScoreReport
from bot.errors import InvalidInput
from tests.unit.exam_fixtures import AZ_900, CCNA_200_301, CLF_C02, N10_009, SY0_701


def _percent_report(exam, percents: dict[str, float]) -> ScoreReport:
    entries = tuple(DomainResult(n, ResultKind.PERCENT, percent=p) for n, p in percents.items())
    return ScoreReport(exam.code, entries)


SECURITY_PLUS = _percent_report(SY0_701, {"1.0": 79, "2.0": 60, "3.0": 95, "4.0": 70, "5.0": 77})


def test_ranking_order_follows_weight_times_gap():
    """Domains sort by weight × gap, most urgent first."""
    ranking = rank_domains(SY0_701, SECURITY_PLUS)
    assert [p.domain_number for p in ranking] == ["2.0", "4.0", "5.0", "1.0", "3.0"]


def test_ranking_numbers_for_display():
    """Each entry carries weight text, percent, target, gap and priority."""
    top = rank_domains(SY0_701, SECURITY_PLUS)[0]
    assert (top.weight_text, top.percent, top.target, top.gap, top.priority) == ("22%", 60, 85.0, 25.0, 5.5)
    assert top.label is Standing.WEAK
    assert top.summary() == (
        "2.0 Threats, Vulnerabilities, and Mitigations · weight 22% · 60% → target 85% · gap 25 "
        "· priority 5.5 · weak"
    )


def test_ranking_labels():
    """Labels: weak far below, borderline close, strong at or above target."""
    labels = {p.domain_number: p.label for p in rank_domains(SY0_701, SECURITY_PLUS)}
    assert labels == {
        "1.0": Standing.BORDERLINE,
        "2.0": Standing.WEAK,
        "3.0": Standing.STRONG,
        "4.0": Standing.WEAK,
        "5.0": Standing.BORDERLINE,
    }


@pytest.mark.parametrize(
    ("percent", "label"),
    [
        (100, Standing.STRONG),
        (80, Standing.STRONG),  # at the target (70 + 10)
        (75, Standing.BORDERLINE),
        (70, Standing.BORDERLINE),  # at the pass mark: gap 10 but inside the buffer
        (69, Standing.WEAK),
        (20, Standing.WEAK),
    ],
)
def test_label_boundaries(percent, label):
    """Label boundaries around the pass mark and the target."""
    ranking = rank_domains(CCNA_200_301, _percent_report(CCNA_200_301, {"1.0": percent}))
    assert next(p for p in ranking if p.domain_number == "1.0").label is label


def test_inside_a_wide_buffer_is_borderline_not_weak():
    """Above the pass mark but 10+ points under a wide buffer's target stays borderline."""
    ranking = rank_domains(N10_009, _percent_report(N10_009, {"1.0": 80}), buffer=20)
    entry = next(p for p in ranking if p.domain_number == "1.0")
    assert (entry.gap, entry.label) == (15.0, Standing.BORDERLINE)


def test_equal_priority_puts_the_heavier_domain_first():
    """On equal priority the heavier domain ranks first, even when numbered later."""
    ranking = rank_domains(CCNA_200_301, _percent_report(CCNA_200_301, {"1.0": 70, "3.0": 72}))
    first_two = [(p.domain_number, p.priority) for p in ranking[:2]]
    assert first_two == [("3.0", 2.0), ("1.0", 2.0)]


def test_no_report_falls_back_to_blueprint_weights():
    """Without a report every domain is unknown and the order is the blueprint weight."""
    ranking = rank_domains(CCNA_200_301, None)
    assert [p.domain_number for p in ranking] == ["3.0", "1.0", "2.0", "5.0", "4.0", "6.0"]
    assert {p.label for p in ranking} == {Standing.UNKNOWN}
    assert all(p.gap is None and p.percent is None for p in ranking)
    assert any("No score report" in n for n in ranking.notes)
    assert not ranking.has_report


def test_unknown_pass_mark_uses_70_and_says_so():
    """Cisco's unpublished pass mark becomes a 70 % base with a note."""
    ranking = rank_domains(CCNA_200_301, _percent_report(CCNA_200_301, {"1.0": 60}))
    assert ranking[0].target == 80
    assert any("70%" in n and "assumption" in n for n in ranking.notes)


def test_published_pass_mark_adds_no_assumption_note():
    """A published pass mark needs no assumption note."""
    assert not any("assumption" in n for n in rank_domains(SY0_701, SECURITY_PLUS).notes)


def test_domain_missing_from_report_counts_as_at_the_pass_mark():
    """A domain without a result gets the buffer as its gap for ordering, and is labelled unknown."""
    ranking = rank_domains(CCNA_200_301, _percent_report(CCNA_200_301, {"1.0": 79}))
    unknown = next(p for p in ranking if p.domain_number == "3.0")
    assert (unknown.label, unknown.gap, unknown.priority) == (Standing.UNKNOWN, None, 2.5)
    assert any("without a result" in n for n in ranking.notes)


def test_levels_are_ranked_as_estimates():
    """AWS levels rank by their estimated percent and are shown as estimates."""
    report = ScoreReport(
        CLF_C02.code,
        tuple(
            DomainResult(n, ResultKind.LEVEL, level=lv)
            for n, lv in {"1": Level.ABOVE, "2": Level.BELOW, "3": Level.BELOW, "4": Level.ABOVE}.items()
        ),
    )
    ranking = rank_domains(CLF_C02, report)
    assert [p.domain_number for p in ranking[:2]] == ["3", "2"]
    assert ranking[0].percent_text() == "≈51.7% (estimate)"  # 66.7 − 15
    assert any("estimates" in n for n in ranking.notes)


def test_weight_ranges_use_the_middle_for_planning_only():
    """A published range is shown as a range and planned with its middle."""
    ranking = rank_domains(AZ_900, None)
    top = ranking[0]
    assert (top.weight_text, top.planning_weight) == ("35–40%", 37.5)
    assert any("middle of the range" in n for n in ranking.notes)


def test_target_override():
    """A member's own target replaces passing + buffer."""
    ranking = rank_domains(SY0_701, SECURITY_PLUS, target_percent=95)
    assert {p.target for p in ranking} == {95}
    assert next(p for p in ranking if p.domain_number == "3.0").gap == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_percent": 0}, "not possible"),
        ({"target_percent": 120}, "not possible"),
        ({"buffer": -1}, "cannot be negative"),
    ],
)
def test_bad_ranking_settings_raise(kwargs, message):
    """Impossible targets and buffers raise InvalidInput."""
    with pytest.raises(InvalidInput, match=message):
        rank_domains(SY0_701, SECURITY_PLUS, **kwargs)


def test_report_for_another_exam_raises():
    """A report for a different exam is refused."""
    with pytest.raises(InvalidInput, match="not SY0-701"):
        rank_domains(SY0_701, ScoreReport("N10-009", ()))
