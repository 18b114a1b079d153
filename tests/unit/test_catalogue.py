"""Parsing, validating and searching the exam catalogue."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from bot.data.loader import load_catalogue, read_exam_documents
from bot.domain.catalogue import (
    Catalogue,
    CatalogueError,
    code_key,
    objective_domain,
    parse_catalogue,
    parse_exam,
)
from bot.domain.exams import Confidence, ExamStatus
from bot.errors import NotFound, UserError

SHIPPED_NAMES, SHIPPED_DOCUMENTS = read_exam_documents()


def shipped(name: str) -> dict[str, Any]:
    return copy.deepcopy(SHIPPED_DOCUMENTS[SHIPPED_NAMES.index(name)])


def errors_of(documents: list[dict[str, Any]], names: list[str]) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(documents, names=names)
    return caught.value.errors


def exam_in(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in doc["exams"] if e["code"] == code)


# -- the shipped data ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in SHIPPED_NAMES if n != "policies.yaml"])
def test_every_shipped_exam_file_loads_with_the_policies(name: str) -> None:
    """Each shipped exam file is valid on its own, next to policies.yaml."""
    catalogue = parse_catalogue([shipped("policies.yaml"), shipped(name)], names=["policies.yaml", name])
    assert len(catalogue) > 0


def test_the_whole_shipped_catalogue_loads() -> None:
    """All shipped files load together, with policies and exams."""
    catalogue = load_catalogue()
    assert len(catalogue.policies()) >= 16 and len(catalogue) >= 18


def test_load_catalogue_is_cached() -> None:
    """The catalogue is read once per process."""
    assert load_catalogue() is load_catalogue()


def test_every_exam_names_a_known_policy() -> None:
    """policy_for finds a policy for every shipped exam."""
    catalogue = load_catalogue()
    assert all(catalogue.policy_for(e).id == e.policy_id for e in catalogue.exams())


# -- validation ------------------------------------------------------------------------------------


def _broken_weight_range(doc: dict[str, Any]) -> None:
    domain = exam_in(doc, "AZ-900")["domains"][1]
    domain["weight_min"], domain["weight_max"] = 45, 40


def _weights_not_100(doc: dict[str, Any]) -> None:
    exam_in(doc, "SY0-701")["domains"][0]["weight"] = 13


def _ranges_miss_100(doc: dict[str, Any]) -> None:
    exam_in(doc, "AZ-900")["domains"][0]["weight_max"] = 24
    exam_in(doc, "AZ-900")["domains"][0]["weight_min"] = 10


def _unknown_policy(doc: dict[str, Any]) -> None:
    exam_in(doc, "AZ-104")["policy"] = "microsft"


def _missing_name(doc: dict[str, Any]) -> None:
    del exam_in(doc, "SC-900")["name"]


def _passing_above_scale(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["passing_score"] = 950


def _bad_status(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["status"] = "active"


def _bad_date(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["source"]["as_of"] = "31/10/2026"


def _bad_confidence(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["source"]["confidence"] = "certain"


def _float_domain_number(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["domains"][2]["number"] = 3.0


def _duplicate_domain_number(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["domains"][1]["number"] = "1.0"


def _misspelt_field(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["pasing_score"] = 720


def _unknown_successor(doc: dict[str, Any]) -> None:
    exam_in(doc, "220-1101")["successor"] = "220-1301"


def _duplicate_code(doc: dict[str, Any]) -> None:
    doc["exams"].append({**copy.deepcopy(exam_in(doc, "N10-009")), "code": "n10 009"})


def _text_question_count(doc: dict[str, Any]) -> None:
    exam_in(doc, "N10-009")["max_questions"] = "90ish"


def _objective_in_wrong_domain(doc: dict[str, Any]) -> None:
    exam_in(doc, "SY0-701")["domains"][0]["objectives"] = ["1.1", "2.3"]


BROKEN_EXAMS = [
    ("microsoft.yaml", _broken_weight_range, "microsoft.yaml: exam AZ-900: domain 2: weight_min > weight_max"),
    ("comptia.yaml", _weights_not_100, "comptia.yaml: exam SY0-701: domain weights add up to 101%, not 100%"),
    ("microsoft.yaml", _ranges_miss_100,
     "microsoft.yaml: exam AZ-900: domain weight ranges cover 75-99%, which does not include 100%"),
    ("microsoft.yaml", _unknown_policy, "microsoft.yaml: exam AZ-104: policy 'microsft' is not a known policy id"),
    ("microsoft.yaml", _missing_name, "microsoft.yaml: exam SC-900: name is missing"),
    ("comptia.yaml", _passing_above_scale, "comptia.yaml: exam N10-009: passing_score 950 is above scale_max 900"),
    ("comptia.yaml", _bad_status, "comptia.yaml: exam N10-009: status must be one of"),
    ("comptia.yaml", _bad_date, "comptia.yaml: exam N10-009: source: as_of must be a date written YYYY-MM-DD"),
    ("comptia.yaml", _bad_confidence, "comptia.yaml: exam N10-009: source: confidence must be one of"),
    ("comptia.yaml", _float_domain_number, "comptia.yaml: exam N10-009: domain #3: number must be quoted text"),
    ("comptia.yaml", _duplicate_domain_number, "comptia.yaml: exam N10-009: domain number 1.0 appears more than once"),
    ("comptia.yaml", _misspelt_field,
     "comptia.yaml: exam N10-009: unknown field 'pasing_score' (did you mean 'passing_score'?)"),
    ("comptia.yaml", _unknown_successor, "comptia.yaml: exam 220-1101: successor 220-1301 is not an exam"),
    ("comptia.yaml", _duplicate_code, "comptia.yaml: exam n10 009: exam code n10 009 is already used"),
    ("comptia.yaml", _text_question_count, "comptia.yaml: exam N10-009: max_questions must be a whole number"),
    ("comptia.yaml", _objective_in_wrong_domain,
     "comptia.yaml: exam SY0-701: domain 1.0: objective 2.3 does not belong to domain 1.0"),
]


@pytest.mark.parametrize(("name", "breaks", "expected"), BROKEN_EXAMS, ids=[b.__name__ for _, b, _ in BROKEN_EXAMS])
def test_a_broken_exam_is_reported_with_file_exam_and_field(name: str, breaks: Any, expected: str) -> None:
    """Each kind of mistake in an exam is reported with its file, exam and field."""
    doc = shipped(name)
    breaks(doc)
    errors = errors_of([shipped("policies.yaml"), doc], ["policies.yaml", name])
    assert any(e.startswith(expected) for e in errors), errors


def _and_later_not_last(doc: dict[str, Any]) -> None:
    doc["policies"][0]["rules"][0]["and_later"] = True


def _bad_wait(doc: dict[str, Any]) -> None:
    doc["policies"][1]["rules"][0]["wait"] = "1 day"


def _cap_without_window(doc: dict[str, Any]) -> None:
    del doc["policies"][1]["cap"]["window_months"]


def _bad_day_counting(doc: dict[str, Any]) -> None:
    doc["policies"][2]["day_counting"] = "business"


def _duplicate_policy(doc: dict[str, Any]) -> None:
    doc["policies"].append(copy.deepcopy(doc["policies"][0]))


BROKEN_POLICIES = [
    (_and_later_not_last, "policies.yaml: policy comptia: rule after failure 1 says and_later"),
    (_bad_wait, "policies.yaml: policy microsoft: rule 1: wait: a wait is written like '24h' or '14d'"),
    (_cap_without_window, "policies.yaml: policy microsoft: cap: give exactly one of window_days or window_months"),
    (_bad_day_counting, "policies.yaml: policy cisco: day_counting must be one of calendar, after_exam_day"),
    (_duplicate_policy, "policies.yaml: policy comptia: this policy id is used more than once"),
]


@pytest.mark.parametrize(("breaks", "expected"), BROKEN_POLICIES, ids=[b.__name__ for b, _ in BROKEN_POLICIES])
def test_a_broken_policy_is_reported_with_file_policy_and_field(breaks: Any, expected: str) -> None:
    """Each kind of mistake in a policy is reported with its file, policy and field."""
    doc = shipped("policies.yaml")
    breaks(doc)
    errors = errors_of([doc], ["policies.yaml"])
    assert any(e.startswith(expected) for e in errors), errors


def test_every_problem_is_listed_at_once() -> None:
    """Several mistakes in different files are all reported in one error."""
    comptia, microsoft = shipped("comptia.yaml"), shipped("microsoft.yaml")
    _weights_not_100(comptia)
    _broken_weight_range(microsoft)
    _missing_name(microsoft)
    errors = errors_of([shipped("policies.yaml"), comptia, microsoft],
                       ["policies.yaml", "comptia.yaml", "microsoft.yaml"])
    assert len(errors) == 3


def test_catalogue_error_is_a_readable_user_error() -> None:
    """The error's message lists each problem on its own line, for an admin to read."""
    doc = shipped("comptia.yaml")
    _weights_not_100(doc)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue([shipped("policies.yaml"), doc], names=["policies.yaml", "comptia.yaml"])
    assert isinstance(caught.value, UserError)
    assert "- comptia.yaml: exam SY0-701: domain weights add up to 101%" in caught.value.message


def test_documents_without_names_are_numbered() -> None:
    """Without file names, problems name the document by its position."""
    doc = shipped("comptia.yaml")
    _weights_not_100(doc)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue([shipped("policies.yaml"), doc])
    assert any(e.startswith("document 2: exam SY0-701:") for e in caught.value.errors)


def test_a_retired_exam_may_have_no_domains_but_a_current_one_may_not() -> None:
    """Only a retired exam may list no domains."""
    doc = shipped("comptia.yaml")
    exam_in(doc, "N10-009")["domains"] = []
    errors = errors_of([shipped("policies.yaml"), doc], ["policies.yaml", "comptia.yaml"])
    assert errors == ["comptia.yaml: exam N10-009: domains must list at least one domain "
                      "(only a retired exam may have none)"]


# -- parse_exam: an exam an admin defines for their server ------------------------------------------

LOCAL_EXAM = {
    "code": "ACME-100",
    "name": "Acme Internal Networking",
    "vendor": "Acme",
    "policy": "comptia",
    "status": "current",
    "domains": [{"number": "1", "name": "Basics", "weight": 40}, {"number": "2", "name": "Routing", "weight": 60}],
}


def test_parse_exam_accepts_a_local_exam_without_sources() -> None:
    """A server-local exam without a source gets the given date and low confidence."""
    exam = parse_exam(LOCAL_EXAM, policy_ids={"comptia"}, guild_id=42, default_as_of=date(2026, 11, 1))
    assert (exam.local_guild_id, exam.source.as_of, exam.source.confidence) == (42, date(2026, 11, 1),
                                                                                  Confidence.LOW)


def test_parse_exam_reports_problems_with_the_exam_code() -> None:
    """parse_exam names the exam and the field in its errors."""
    doc = {**LOCAL_EXAM, "domains": [{"number": "1", "name": "Basics", "weight": 40}]}
    with pytest.raises(CatalogueError) as caught:
        parse_exam(doc, policy_ids={"comptia"}, default_as_of=date(2026, 11, 1))
    assert caught.value.errors == ["exam ACME-100: domain weights add up to 40%, not 100%"]


def test_parse_exam_requires_a_source_without_a_default_date() -> None:
    """Without a default date, a missing source is an error."""
    with pytest.raises(CatalogueError) as caught:
        parse_exam(LOCAL_EXAM)
    assert caught.value.errors == ["exam ACME-100: source is missing"]


def test_with_local_adds_server_exams() -> None:
    """A server's own exams are found next to the shipped ones."""
    local = parse_exam(LOCAL_EXAM, policy_ids={"comptia"}, guild_id=42, default_as_of=date(2026, 11, 1))
    catalogue = load_catalogue().with_local([local])
    assert catalogue.exam("acme 100") == local and catalogue.exam("SY0-701") is not None


@pytest.mark.parametrize(("change", "expected"), [
    ({"code": "sy0-701"}, "exam sy0-701: this code is already used by another exam"),
    ({"policy": "acme"}, "exam ACME-100: policy 'acme' is not a known policy id"),
    ({"status": "retired", "successor": "ACME-200"}, "exam ACME-100: successor ACME-200 is not an exam"),
])
def test_with_local_refuses_clashes(change: dict[str, str], expected: str) -> None:
    """A server exam may not reuse a code, name an unknown policy or an unknown successor."""
    local = parse_exam({**LOCAL_EXAM, **change}, default_as_of=date(2026, 11, 1))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue().with_local([local])
    assert any(e.startswith(expected) for e in caught.value.errors), caught.value.errors


# -- lookup and search -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["SY0-701", "sy0-701", "sy0 701", " Sy0701 ", "SY0_701"])
def test_exam_lookup_ignores_case_and_spacing(typed: str) -> None:
    """Members may type an exam code in any case, with spaces or dashes."""
    exam = load_catalogue().exam(typed)
    assert exam is not None and exam.code == "SY0-701"


@pytest.mark.parametrize(("typed", "expected"), [("SY0-710", "SY0-701"), ("az90", "AZ-900"),
                                                 ("200-310", "200-301"), ("cs0-04", "CS0-004")])
def test_suggest_offers_close_codes(typed: str, expected: str) -> None:
    """An unknown code gets close known codes as suggestions."""
    assert expected in load_catalogue().suggest(typed)


def test_require_raises_not_found_with_suggestions() -> None:
    """An unknown code raises a kind NotFound whose hint suggests close codes."""
    with pytest.raises(NotFound) as caught:
        load_catalogue().require("SY0-710")
    assert caught.value.hint is not None and "SY0-701" in caught.value.hint


@pytest.mark.parametrize(("retired", "successor"), [("220-1101", "220-1201"), ("220-1102", "220-1202"),
                                                    ("CS0-003", "CS0-004"), ("XK0-005", "XK0-006"),
                                                    ("AI-900", "AI-901")])
def test_retired_exam_points_to_its_successor(retired: str, successor: str) -> None:
    """A retired or retiring exam leads to the current exam that replaced it."""
    catalogue = load_catalogue()
    exam = catalogue.require(retired)
    replacement = catalogue.successor_of(exam)
    assert exam.status is not ExamStatus.CURRENT
    assert replacement is not None and replacement.code == successor
    assert replacement.status is ExamStatus.CURRENT


def test_current_exam_has_no_successor() -> None:
    """A current exam has nothing to move on to."""
    catalogue = load_catalogue()
    assert catalogue.successor_of(catalogue.require("SY0-701")) is None


def test_search_lists_current_exams_first() -> None:
    """Searching a family shows the current exam before the retiring and retired ones."""
    codes = [e.code for e in load_catalogue().search("cysa")]
    assert codes == ["CS0-004", "CS0-003"]


@pytest.mark.parametrize(("text", "expected"), [("sy0", "SY0-701"), ("az-1", "AZ-104"), ("kubernetes", "CKA"),
                                                ("solutions arch", "SAA-C03"), ("220", "220-1201")])
def test_search_matches_codes_and_names(text: str, expected: str) -> None:
    """Autocomplete finds an exam by the start of its code or by words of its name."""
    assert expected in [e.code for e in load_catalogue().search(text)]


def test_search_with_empty_text_offers_at_most_25_current_first() -> None:
    """With nothing typed the list is capped at 25 and starts with current exams."""
    results = load_catalogue().search("")
    assert 0 < len(results) <= 25
    statuses = [e.status for e in results]
    assert statuses == sorted(statuses, key=[ExamStatus.CURRENT, ExamStatus.RETIRING, ExamStatus.RETIRED].index)


def test_search_respects_the_limit() -> None:
    """search never returns more than asked."""
    assert len(load_catalogue().search("", limit=3)) == 3


def test_search_finds_nothing_for_nonsense() -> None:
    """Text that matches no code or name gives an empty list."""
    assert load_catalogue().search("zzzz qqq") == []


# -- objectives -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("objective", "domain"), [("3.4", "3.0"), ("1.1", "1.0"), ("5.6", "5.0"),
                                                   ("9.1", None), ("three", None)])
def test_objective_maps_to_its_domain_by_leading_number(objective: str, domain: str | None) -> None:
    """A CompTIA objective 'n.x' belongs to domain 'n.0'."""
    found = objective_domain(load_catalogue().require("SY0-701"), objective)
    assert (found.number if found else None) == domain


def test_listed_objectives_take_precedence() -> None:
    """An objective listed under a domain maps there, whatever its number."""
    local = parse_exam({**LOCAL_EXAM, "domains": [
        {"number": "1", "name": "Basics", "weight": 40, "objectives": ["1.1"]},
        {"number": "2", "name": "Routing", "weight": 60, "objectives": ["2.1", "2.2"]},
    ]}, default_as_of=date(2026, 11, 1))
    found = objective_domain(local, "2.2")
    assert found is not None and found.name == "Routing"


@pytest.mark.parametrize(("a", "b"), [("SY0-701", "sy0 701"), ("220-1201", "2201201"), ("CLF-C02", "clf_c02")])
def test_code_key_folds_spelling(a: str, b: str) -> None:
    """Codes compare equal whatever their case and separators."""
    assert code_key(a) == code_key(b)


def test_empty_catalogue_documents_are_refused() -> None:
    """A set of documents with nothing in it is an error, not an empty catalogue."""
    with pytest.raises(CatalogueError):
        parse_catalogue([{}], names=["empty.yaml"])


def test_catalogue_constructor_keeps_exams_in_order() -> None:
    """A Catalogue lists exams in the order given."""
    exams = load_catalogue().exams()[:3]
    assert Catalogue(exams, {}).exams() == exams
