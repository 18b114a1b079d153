"""Score reports: the three vendor shapes, pasted or typed, and the member mistakes we catch."""

from __future__ import annotations

import pytest

from bot.domain.reports import (
    DomainResult,
    Level,
    ResultKind,
    ScoreReport,
    estimate_percent,
    parse_domain_entries,
    parse_report_text,
)
from bot.errors import InvalidInput
from tests.unit.exam_fixtures import AZ_900, CCNA_200_301, CLF_C02, N10_009, SY0_701

COMPTIA_SAMPLE = """\
CompTIA Security+ SY0-701
Candidate ID: COMP004417
Exam date: 2026-09-14
Your score: 690
Passing score: 750
Result: Fail
Exam objectives missed:
1.2, 2.4, 2.5, 4.1, 4.3
4.6, 4.8, 5.2
"""

MICROSOFT_SAMPLE = """\
Microsoft Azure Fundamentals (AZ-900)
Your score: 640
Describe cloud concepts 55%
Describe Azure architecture and services 48%
Describe Azure management and governance 71%
"""

AWS_SAMPLE = """\
AWS Certified Cloud Practitioner (CLF-C02)
Score: 652/1000
Domain 1: Cloud Concepts  Meets Competencies
Domain 2: Security and Compliance — Needs Improvement
Cloud Technology and Services: Needs improvement
Billing, Pricing, and Support: Meets Competencies
"""

CISCO_SAMPLE = """\
Cisco 200-301 CCNA
1.0 Network Fundamentals (20%) 71%
2.0 Network Access 58%
3.0 IP Connectivity 49%
4.0 IP Services 80%
5.0 Security Fundamentals 66%
6.0 Automation and Programmability 90%
"""


def _by_domain(report: ScoreReport) -> dict[str, DomainResult]:
    return {e.domain_number: e for e in report.entries}


def test_comptia_objectives_map_to_their_domains():
    """A CompTIA 'objectives missed' list becomes one objectives entry per domain."""
    result = parse_report_text(SY0_701, COMPTIA_SAMPLE)
    entries = _by_domain(result.report)
    assert {n: e.missed_objectives for n, e in entries.items()} == {
        "1.0": ("1.2",),
        "2.0": ("2.4", "2.5"),
        "3.0": (),
        "4.0": ("4.1", "4.3", "4.6", "4.8"),
        "5.0": ("5.2",),
    }
    assert all(e.kind is ResultKind.OBJECTIVES for e in entries.values())


def test_comptia_overall_score_becomes_a_percentage_of_the_scale():
    """690 on CompTIA's 100-900 scale is 73.8 %."""
    assert parse_report_text(SY0_701, COMPTIA_SAMPLE).report.overall == 73.8


def test_comptia_header_lines_are_returned_not_dropped():
    """Lines that are not results come back in ``unparsed``."""
    result = parse_report_text(SY0_701, COMPTIA_SAMPLE)
    assert result.unparsed == [
        "CompTIA Security+ SY0-701",
        "Candidate ID: COMP004417",
        "Exam date: 2026-09-14",
        "Result: Fail",
    ]


def test_microsoft_bars_read_as_percentages():
    """Microsoft's skill bars, typed as percentages, become percent entries."""
    result = parse_report_text(AZ_900, MICROSOFT_SAMPLE)
    assert {e.domain_number: e.percent for e in result.report.entries} == {"1": 55.0, "2": 48.0, "3": 71.0}
    assert result.report.overall == 64.0
    assert result.unparsed == ["Microsoft Azure Fundamentals (AZ-900)"]


def test_aws_levels_map_to_below_and_above():
    """AWS 'Needs improvement' reads as below target, 'Meets competencies' as above."""
    result = parse_report_text(CLF_C02, AWS_SAMPLE)
    assert {e.domain_number: e.level for e in result.report.entries} == {
        "1": Level.ABOVE,
        "2": Level.BELOW,
        "3": Level.BELOW,
        "4": Level.ABOVE,
    }
    assert result.report.overall == 61.3


def test_cisco_percentages_with_weight_notes():
    """Cisco percentages parse, a '(20%)' weight note next to the name is ignored."""
    result = parse_report_text(CCNA_200_301, CISCO_SAMPLE)
    assert [e.percent for e in result.report.entries] == [71.0, 58.0, 49.0, 80.0, 66.0, 90.0]
    assert result.unparsed == ["Cisco 200-301 CCNA"]


def test_cisco_scaled_score_is_not_turned_into_a_percentage():
    """Cisco publishes no score scale, so an overall 780 is kept out and the member is told why."""
    result = parse_report_text(CCNA_200_301, CISCO_SAMPLE + "Your score: 780\n")
    assert result.report.overall is None
    assert any("score scale" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("line", "domain", "expected"),
    [
        ("1.0 General Security Concepts 62%", "1.0", 62.0),
        ("General Security Concepts: 62.5 %", "1.0", 62.5),
        ("Domain 3: Security Architecture 80", "3.0", 80.0),
        ("4 Security Operations ..... 41%", "4.0", 41.0),
        ("75% Security Program Management and Oversight", "5.0", 75.0),
    ],
)
def test_percentage_line_shapes(line, domain, expected):
    """Common ways a percentage line is written all parse."""
    report = parse_report_text(SY0_701, line).report
    assert report.result_for(domain) == DomainResult(domain, ResultKind.PERCENT, percent=expected)


@pytest.mark.parametrize(
    ("line", "domain", "level"),
    [
        ("Domain 2: Near target", "2.0", Level.NEAR),
        ("Security Operations — Needs Improvement", "4.0", Level.BELOW),
        ("1.0 General Security Concepts - Above Target", "1.0", Level.ABOVE),
        ("Security Architecture: below", "3.0", Level.BELOW),
    ],
)
def test_level_line_shapes(line, domain, level):
    """Level lines parse whatever separator sits between name and level."""
    report = parse_report_text(SY0_701, line).report
    assert report.result_for(domain) == DomainResult(domain, ResultKind.LEVEL, level=level)


def test_objectives_without_a_list_map_by_leading_number():
    """When the blueprint lists no objectives, '3.4' belongs to domain 3.0."""
    report = parse_report_text(N10_009, "Exam objectives missed: 3.4, 3.2, 5.1").report
    assert report.result_for("3.0").missed_objectives == ("3.4", "3.2")
    assert report.result_for("5.0").missed_objectives == ("5.1",)


def test_repeated_objective_is_counted_once():
    """An objective listed twice counts once."""
    report = parse_report_text(SY0_701, "Objectives missed: 4.1, 4.1").report
    assert report.result_for("4.0").missed_objectives == ("4.1",)


def test_percentages_and_objectives_combine():
    """Missed objectives attach to a domain that also has a percentage."""
    text = "4.0 Security Operations 58%\nExam objectives missed: 4.2, 1.1"
    entries = _by_domain(parse_report_text(SY0_701, text).report)
    assert entries["4.0"] == DomainResult("4.0", ResultKind.PERCENT, percent=58.0, missed_objectives=("4.2",))
    assert entries["1.0"].kind is ResultKind.OBJECTIVES


def test_missing_domains_are_named_in_a_warning():
    """A report without some domains says which ones are missing."""
    result = parse_report_text(SY0_701, "1.0 General Security Concepts 62%")
    assert len(result.report.entries) == 1
    assert any("3.0 Security Architecture" in w for w in result.warnings)


def test_misspelt_domain_in_text_suggests_the_right_one():
    """A pasted line with a misspelt domain is kept and gets a 'did you mean'."""
    result = parse_report_text(SY0_701, "Security Operatons 55%")
    assert result.unparsed == ["Security Operatons 55%"]
    assert any("4.0 Security Operations" in w for w in result.warnings)


def test_text_with_no_results_returns_everything():
    """Text with no results returns every line and says nothing was found."""
    result = parse_report_text(SY0_701, "Thank you for testing\nGood luck")
    assert result.report.entries == ()
    assert result.unparsed == ["Thank you for testing", "Good luck"]
    assert result.warnings


def test_passing_score_different_from_our_record_is_flagged():
    """A passing score on the report that differs from the catalogue is pointed out."""
    result = parse_report_text(SY0_701, "Passing score: 720\n1.0 General Security Concepts 62%")
    assert any("720" in w and "750" in w for w in result.warnings)
    assert result.unparsed == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.0 General Security Concepts 162%", "between 0 and 100"),
        ("Exam objectives missed: 3.9", "3.1 to 3.4"),
        ("Exam objectives missed: 7.1", "no domain 7"),
        ("Exam objectives missed: 3.0", "whole domain"),
        ("Your score: 950", "outside the SY0-701 scale"),
        ("1.0 General Security Concepts 62%\nGeneral Security Concepts 70%", "two different results"),
    ],
)
def test_text_mistakes_raise_with_a_clear_message(text, message):
    """Values the member must correct raise InvalidInput saying what is wrong."""
    with pytest.raises(InvalidInput, match=message):
        parse_report_text(SY0_701, text)


@pytest.mark.parametrize(
    ("value", "kind", "percent", "level"),
    [
        ("62", ResultKind.PERCENT, 62.0, None),
        ("62%", ResultKind.PERCENT, 62.0, None),
        (" 62,5 % ", ResultKind.PERCENT, 62.5, None),
        ("0", ResultKind.PERCENT, 0.0, None),
        ("100", ResultKind.PERCENT, 100.0, None),
        ("needs improvement", ResultKind.LEVEL, None, Level.BELOW),
        ("Meets Competencies", ResultKind.LEVEL, None, Level.ABOVE),
        ("near", ResultKind.LEVEL, None, Level.NEAR),
        ("Above target", ResultKind.LEVEL, None, Level.ABOVE),
    ],
)
def test_form_values(value, kind, percent, level):
    """Form values accept percentages with or without % and the level words."""
    report = parse_domain_entries(CLF_C02, {"Cloud Concepts": value}).report
    assert report.entries == (DomainResult("1", kind, percent=percent, level=level),)


@pytest.mark.parametrize("key", ["4", "4.0", "D4", "domain 4", "Security Operations", "security-operations "])
def test_form_keys_match_by_number_or_name(key):
    """A form key may be the domain's number in any usual form, or its name."""
    report = parse_domain_entries(SY0_701, {key: "55"}).report
    assert report.entries[0].domain_number == "4.0"


def test_form_objectives_and_overall_fields():
    """An 'objectives missed' field and a 'score' field are read too."""
    result = parse_domain_entries(
        SY0_701, {"Exam objectives missed": "2.1; 2.3 and 5.4", "Your score": "700"}
    )
    assert result.report.result_for("2.0").missed_objectives == ("2.1", "2.3")
    assert result.report.overall == 75.0


def test_form_blank_fields_are_skipped():
    """Fields left empty are not results."""
    report = parse_domain_entries(AZ_900, {"1": "55", "2": "", "3": "   "}).report
    assert [e.domain_number for e in report.entries] == ["1"]


def test_form_unreadable_value_is_returned():
    """A value we cannot read comes back in ``unparsed`` with a hint."""
    result = parse_domain_entries(AZ_900, {"1": "pretty good", "2": "48"})
    assert result.unparsed == ["1: pretty good"]
    assert any("pretty good" in w for w in result.warnings)
    assert [e.domain_number for e in result.report.entries] == ["2"]


def test_form_objective_text_beyond_numbers_is_returned():
    """Words around objective numbers are kept in ``unparsed``, the numbers are used."""
    result = parse_domain_entries(SY0_701, {"Objectives missed": "1.1, 1.3 plus the PBQs"})
    assert result.report.result_for("1.0").missed_objectives == ("1.1", "1.3")
    assert result.unparsed == ["Objectives missed: 1.1, 1.3 plus the PBQs"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"1": "101"}, "between 0 and 100"),
        ({"1": "-5"}, "between 0 and 100"),
        ({"Security Operatons": "55"}, "not a domain of SY0-701"),
        ({"Objectives missed": "4.12"}, "4.1 to 4.9"),
        ({"1": "", "2": ""}, "every field was empty"),
        ({"Your score": "1200"}, "outside the SY0-701 scale"),
    ],
)
def test_form_mistakes_raise_with_a_clear_message(entries, message):
    """Form mistakes raise InvalidInput saying what is wrong."""
    with pytest.raises(InvalidInput, match=message):
        parse_domain_entries(SY0_701, entries)


def test_unknown_domain_suggests_close_names():
    """An unknown domain's error offers the closest real domain."""
    with pytest.raises(InvalidInput) as caught:
        parse_domain_entries(SY0_701, {"Security Operatons": "55"})
    assert "4.0 Security Operations" in (caught.value.hint or "")


def test_unknown_domain_without_close_match_lists_all_domains():
    """With nothing close, the error lists the exam's domains."""
    with pytest.raises(InvalidInput) as caught:
        parse_domain_entries(AZ_900, {"Kubernetes": "55"})
    assert "Describe cloud concepts" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("level", "expected"),
    [(Level.BELOW, 60.0), (Level.NEAR, 75.0), (Level.ABOVE, 85.0)],  # around the 75% mock pass mark
)
def test_level_estimate_is_relative_to_the_passing_percent(level, expected):
    """Levels estimate passing−15, passing and passing+10 (Security+ passes at 81.2 %)."""
    result = DomainResult("1.0", ResultKind.LEVEL, level=level)
    assert estimate_percent(SY0_701, result) == expected


def test_level_estimate_uses_70_when_the_pass_mark_is_unpublished():
    """Cisco publishes no pass mark, so 'near' estimates 70 %."""
    result = DomainResult("1.0", ResultKind.LEVEL, level=Level.NEAR)
    assert estimate_percent(CCNA_200_301, result) == 70.0


@pytest.mark.parametrize(
    ("missed", "expected"),
    [
        ((), 85.0),  # nothing missed: like "above"
        (("4.1", "4.2", "4.3"), 71.7),  # 3 of 9: 85 - 40 * 3/9
        (tuple(f"4.{n}" for n in range(1, 10)), 45.0),  # all missed: passing - 30
    ],
)
def test_objective_estimate_falls_with_the_share_missed(missed, expected):
    """Estimate = passing + 10 − 40 × share of the domain's objectives missed."""
    result = DomainResult("4.0", ResultKind.OBJECTIVES, missed_objectives=missed)
    assert estimate_percent(SY0_701, result) == expected


def test_objective_estimate_assumes_five_objectives_when_unlisted():
    """Without an objectives list a domain counts as five objectives."""
    result = DomainResult("3.0", ResultKind.OBJECTIVES, missed_objectives=("3.1", "3.2"))
    assert estimate_percent(N10_009, result) == 69.0  # 75 + 10 - 40 * 2/5


def test_only_percent_results_are_exact():
    """Levels and objectives are flagged as estimates; percentages are not."""
    assert not DomainResult("1", ResultKind.PERCENT, percent=50).is_estimate
    assert DomainResult("1", ResultKind.LEVEL, level=Level.NEAR).is_estimate
    assert DomainResult("1", ResultKind.OBJECTIVES).is_estimate
