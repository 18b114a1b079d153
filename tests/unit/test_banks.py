"""Question bank validation, the model and the export round trip."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
import yaml

from bot.domain.banks import (
    LIMITS,
    Bank,
    BankError,
    QuestionType,
    bank_to_doc,
    next_question_id,
    parse_bank,
    validate_question_fields,
)
from bot.domain.exams import Confidence, Domain, Exam, ExamStatus, Source
from bot.errors import InvalidInput

SOURCE = Source(("https://example.org/blueprint",), date(2026, 1, 1), Confidence.HIGH)
SECPLUS = Exam(
    code="SY0-701",
    name="CompTIA Security+",
    vendor="CompTIA",
    policy_id="comptia",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1.0", "General Security Concepts", weight=12),
        Domain("2.0", "Threats, Vulnerabilities, and Mitigations", weight=22, objectives=("2.1", "2.2", "2.4")),
        Domain("3.0", "Security Architecture", weight=18),
        Domain("4.0", "Security Operations", weight=28),
        Domain("5.0", "Security Program Management and Oversight", weight=20),
    ),
    source=SOURCE,
)
AZ900 = Exam(
    code="AZ-900",
    name="Microsoft Azure Fundamentals",
    vendor="Microsoft",
    policy_id="microsoft",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1", "Describe cloud concepts", weight_min=25, weight_max=30),
        Domain("2", "Describe Azure architecture and services", weight_min=35, weight_max=40),
        Domain("3", "Describe Azure management and governance", weight_min=30, weight_max=35),
    ),
    source=SOURCE,
)
FILE = "sy0-701.yaml"
DROP = object()  # a field left out of the document


def single(**over: Any) -> dict[str, Any]:
    q: dict[str, Any] = {
        "id": "sy0701-d2-014",
        "domain": "2.0",
        "objective": "2.2",
        "type": "single",
        "stem": "A help desk analyst receives a text message asking to reset a password. What is this?",
        "options": {"a": "Vishing", "b": "Smishing", "c": "Whaling", "d": "Pretexting"},
        "answer": "b",
        "explanation": "Smishing is phishing by SMS; the trap is vishing, which uses voice calls.",
        "rationale": {"a": "Vishing uses voice calls, not text messages."},
        "difficulty": 2,
        "tags": ["social-engineering"],
        "reference": "SY0-701 objective 2.2",
    }
    q.update(over)
    return {k: v for k, v in q.items() if v is not DROP}


def multi(**over: Any) -> dict[str, Any]:
    base = {
        "id": "sy0701-d4-002",
        "domain": "4.0",
        "objective": None,
        "type": "multi",
        "choose": 2,
        "stem": "Which two protocols encrypt traffic?",
        "options": {"a": "SSH", "b": "Telnet", "c": "HTTPS", "d": "FTP"},
        "answer": ["a", "c"],
        "explanation": "SSH and HTTPS encrypt; Telnet and FTP send credentials in clear text.",
        "rationale": {"b": "Telnet is clear text.", "d": "FTP is clear text."},
        "tags": DROP,
        "reference": DROP,
    }
    base.update(over)
    return single(**base)


def doc(*questions: dict[str, Any], **meta_over: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "exam": "SY0-701",
        "version": 1,
        "title": "Rebound practice bank for CompTIA Security+ (SY0-701)",
        "author": "Rebound contributors",
        "licence": "CC-BY-SA-4.0",
        "as_of": date(2026, 11, 26),
    }
    meta.update(meta_over)
    meta = {k: v for k, v in meta.items() if v is not DROP}
    return {"bank": meta, "questions": list(questions) if questions else [single(), multi()]}


def errors_of(document: Any, exam: Exam = SECPLUS) -> list[str]:
    with pytest.raises(BankError) as caught:
        parse_bank(document, exam=exam, source_name=FILE)
    return caught.value.errors


def test_valid_bank_parses():
    """A well-formed bank gives a Bank with typed questions."""
    bank = parse_bank(doc(), exam=SECPLUS, source_name=FILE)
    assert [q.id for q in bank.questions] == ["sy0701-d2-014", "sy0701-d4-002"]
    assert bank.questions[1].type is QuestionType.MULTI
    assert bank.questions[1].answer == frozenset({"a", "c"})
    assert bank.meta.as_of == date(2026, 11, 26)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (single(id=DROP), "question #1: id: is required"),
        (single(id="Bad_ID"), "question Bad_ID: id: 'Bad_ID' may use only"),
        (single(id="x" * 41), "id: is 41 characters; the limit is 40"),
        (single(domain="9.0"), "question sy0701-d2-014: domain: '9.0' is not a domain of SY0-701"),
        (single(domain=DROP), "question sy0701-d2-014: domain: is required"),
        (single(objective="2.9"), "objective: '2.9' is not an objective of domain 2.0"),
        (single(type="choice"), "type: 'choice' must be single or multi"),
        (single(stem=DROP), "question sy0701-d2-014: stem: is required"),
        (single(stem="x" * 1001), "stem: is 1,001 characters; the limit is 1,000"),
        (single(options={"a": "Only one"}, rationale=DROP, answer="a"), "options: has 1; a question needs 2 to 6"),
        (single(options={c: c.upper() for c in "abcdefg"}), "options: has 7; a question needs 2 to 6"),
        (single(options={"a": "X", "c": "Y"}, rationale=DROP, answer="a"), "options: ids must be a, b in that order"),
        (
            single(options={"a": "Vishing", "b": "Smishing", "c": "vishing"}),
            "question sy0701-d2-014: options: duplicate text",
        ),
        (single(options={"a": "Vishing", "b": "x" * 101}), "options: b: is 101 characters; the limit is 100"),
        (single(options={"a": "Vishing", "b": True}), "options: b: must be text, not true/false (quote it"),
        (single(answer="e"), "answer: 'e' is not one of the options"),
        (single(answer=["a", "b"]), "answer: a single question has exactly one answer, not 2"),
        (single(answer=DROP), "question sy0701-d2-014: answer: is required"),
        (single(choose=2), "choose: is only for multi questions"),
        (single(explanation=DROP), "question sy0701-d2-014: explanation: is required"),
        (single(explanation="x" * 601), "explanation: is 601 characters; the limit is 600"),
        (single(rationale={"a": "x" * 201}), "rationale: a: is 201 characters; the limit is 200"),
        (single(rationale={"b": "Right because"}), "rationale: b: is a correct answer"),
        (single(rationale={"z": "Nope"}), "rationale: z: is not one of the options"),
        (single(difficulty=4), "difficulty: is 4; it must be 1 (easy), 2 (medium) or 3 (hard)"),
        (single(difficulty="hard"), "difficulty: must be 1, 2 or 3"),
        (single(tags="ports"), "tags: must be a list"),
        (single(tags=["Bad Tag"]), "tags: 'Bad Tag' must be lowercase"),
        (single(explaination="typo"), "explaination: unknown field (did you mean 'explanation'?)"),
        (multi(choose=DROP), "question sy0701-d4-002: choose: is required for a multi question"),
        (multi(choose=3), "choose: is 3 but the answer lists 2"),
        (multi(answer=["a"], choose=1), "answer: a multi question needs at least two answers"),
        (
            multi(options={"a": "SSH", "b": "HTTPS"}, answer=["a", "b"], rationale=DROP),
            "answer: a multi question must leave a wrong option",
        ),
        (multi(answer=["a", "a", "c"]), "answer: lists an option more than once"),
        ("not a mapping", "question #1: must be a mapping of fields"),
    ],
)
def test_bad_question_is_reported_with_file_id_and_field(question, expected):
    """Each bad question is reported, naming the file, the question and the field."""
    errors = errors_of(doc(question))
    assert any(e.startswith(f"{FILE}: ") and expected in e for e in errors), errors


@pytest.mark.parametrize(
    ("meta_over", "expected"),
    [
        ({"exam": "SY0-601"}, "bank: exam: 'SY0-601' does not match the exam SY0-701"),
        ({"licence": DROP}, "bank: licence: is required"),
        ({"licence": "all rights (reserved)"}, "bank: licence: 'all rights (reserved)' should be an SPDX"),
        ({"author": DROP}, "bank: author: is required"),
        ({"author": "  "}, "bank: author: is required"),
        ({"version": 0}, "bank: version: must be a whole number from 1"),
        ({"title": DROP}, "bank: title: is required"),
        ({"as_of": "26/11/2026"}, "bank: as_of: '26/11/2026' must be a date"),
        ({"colour": "blue"}, "bank: colour: unknown field"),
    ],
)
def test_bad_meta_is_reported(meta_over, expected):
    """Each bad bank header field is reported with the file and field."""
    errors = errors_of(doc(**meta_over))
    assert f"{FILE}: {expected}" in "\n".join(errors), errors


def test_duplicate_ids_are_reported_with_both_positions():
    """A reused id names the question and both positions."""
    errors = errors_of(doc(single(), single()))
    assert f"{FILE}: question sy0701-d2-014: id: used again (question #1 and #2)" in errors


def test_every_problem_is_listed_not_just_the_first():
    """Problems in several questions and fields all appear in one error."""
    errors = errors_of(doc(single(stem=DROP, difficulty=9), multi(choose=5), exam="XX-000"))
    joined = "\n".join(errors)
    for fragment in ("stem: is required", "difficulty: is 9", "choose: is 5", "exam: 'XX-000'"):
        assert fragment in joined
    assert len(errors) == 4


def test_too_many_questions_is_refused():
    """A document above the question limit is refused without checking each question."""
    too_many = [single(id=f"q-{i}") for i in range(LIMITS.questions + 1)]
    errors = errors_of(doc(*too_many))
    assert errors == [f"{FILE}: questions: has 5,001; a bank holds at most 5,000"]


@pytest.mark.parametrize("document", [None, [], "text"])
def test_document_that_is_not_a_mapping_is_refused(document):
    """A document that is not a mapping gets one clear error."""
    errors = errors_of(document)
    assert errors[0].startswith(f"{FILE}: must be a mapping with 'bank' and 'questions'")


def test_empty_question_list_is_refused():
    """A bank needs at least one question."""
    document = doc()
    document["questions"] = []
    assert f"{FILE}: questions: the bank needs a list of at least one question" in errors_of(document)


@pytest.mark.parametrize(("given", "normalised"), [("2", "2.0"), ("2.0", "2.0"), (2, "2.0"), (2.0, "2.0")])
def test_domain_is_normalised_to_the_blueprint_number(given, normalised):
    """'2', '2.0' and unquoted numbers all match domain 2.0 and are stored as the blueprint writes it."""
    bank = parse_bank(doc(single(domain=given)), exam=SECPLUS, source_name=FILE)
    assert bank.questions[0].domain == normalised


def test_az900_domain_written_with_decimal_matches_plain_number():
    """An AZ-900 question tagged '2.0' is stored under the blueprint's '2'."""
    document = doc(single(domain="2.0", objective=DROP), exam="AZ-900")
    bank = parse_bank(document, exam=AZ900, source_name="az-900.yaml")
    assert bank.questions[0].domain == "2"


@pytest.mark.parametrize(
    ("chosen", "correct"),
    [({"b"}, True), ({"B"}, True), ({"a"}, False), ({"a", "b"}, False), (set(), False)],
)
def test_single_is_correct(chosen, correct):
    """A single question is right only with exactly its one answer."""
    q = parse_bank(doc(single()), exam=SECPLUS, source_name=FILE).questions[0]
    assert q.is_correct(chosen) is correct


@pytest.mark.parametrize(("chosen", "correct"), [({"a", "c"}, True), ({"a"}, False), ({"a", "c", "d"}, False)])
def test_multi_is_correct_only_with_all_answers(chosen, correct):
    """A multi question gives no partial credit."""
    q = parse_bank(doc(multi()), exam=SECPLUS, source_name=FILE).questions[0]
    assert q.is_correct(chosen) is correct


def test_export_round_trips():
    """Exporting a bank and parsing the export gives the same bank."""
    bank = parse_bank(doc(), exam=SECPLUS, source_name=FILE)
    again = parse_bank(bank_to_doc(bank), exam=SECPLUS, source_name="export.yaml")
    assert again == bank
    assert [q.rationale for q in again.questions] == [q.rationale for q in bank.questions]


def test_export_survives_yaml_and_json():
    """The export is plain data: it survives a YAML dump/load and a JSON dump/load."""
    bank = parse_bank(doc(), exam=SECPLUS, source_name=FILE)
    exported = bank_to_doc(bank)
    via_yaml = yaml.safe_load(yaml.safe_dump(exported, sort_keys=False, allow_unicode=True))
    via_json = json.loads(json.dumps(exported))
    assert parse_bank(via_yaml, exam=SECPLUS, source_name=FILE) == bank
    assert parse_bank(via_json, exam=SECPLUS, source_name=FILE) == bank


def test_yaml_text_in_the_documented_format_parses():
    """The example from the format documentation loads and validates."""
    text = """
bank:
  exam: SY0-701
  version: 1
  title: Rebound practice bank for CompTIA Security+ (SY0-701)
  author: Rebound contributors
  licence: CC-BY-SA-4.0
  as_of: 2026-11-26
questions:
  - id: sy0701-d2-014
    domain: "2.0"
    objective: "2.4"
    type: single
    stem: >-
      A help desk analyst receives a text message that claims to be from the bank.
    options:
      a: Vishing
      b: Smishing
      c: Whaling
      d: Pretexting
    answer: b
    explanation: >-
      A text message is smishing.
    rationale:
      a: Vishing uses voice calls, not text messages.
    difficulty: 2
    tags: [social-engineering]
    reference: SY0-701 objective 2.2
"""
    bank = parse_bank(yaml.safe_load(text), exam=SECPLUS, source_name=FILE)
    assert isinstance(bank, Bank)
    assert bank.questions[0].options[1].text == "Smishing"


def test_bank_error_is_a_kind_user_error():
    """BankError renders a short numbered summary a member can act on."""
    errors = errors_of(doc(*[single(id=f"q-{i}", stem=DROP) for i in range(15)]))
    with pytest.raises(InvalidInput) as caught:
        parse_bank(doc(*[single(id=f"q-{i}", stem=DROP) for i in range(15)]), exam=SECPLUS, source_name=FILE)
    text = caught.value.render()
    assert text.startswith("I found 15 problems to fix:")
    assert text.endswith("…and 5 more.")
    assert len(errors) == 15


def test_validate_question_fields_accepts_a_good_proposal():
    """A single proposed question validates on its own."""
    q = validate_question_fields(single(), exam=SECPLUS)
    assert q.id == "sy0701-d2-014"
    assert q.exam == "SY0-701"


def test_validate_question_fields_lists_every_problem():
    """A proposal's problems are all listed, named by field."""
    with pytest.raises(BankError) as caught:
        validate_question_fields(single(stem=DROP, answer="z"), exam=SECPLUS)
    assert caught.value.errors == [
        "proposed question: question sy0701-d2-014: stem: is required",
        "proposed question: question sy0701-d2-014: answer: 'z' is not one of the options (a, b, c, d)",
    ]


def test_validate_question_fields_refuses_a_taken_id():
    """A proposal cannot reuse an id already in the bank."""
    with pytest.raises(BankError) as caught:
        validate_question_fields(single(), exam=SECPLUS, existing_ids={"sy0701-d2-014"})
    assert "id: is already used in the SY0-701 bank" in caught.value.errors[0]


@pytest.mark.parametrize("tags", [["802.1x", "port-security"], ["pki"], []])
def test_tags_may_use_dots_and_hyphens(tags):
    """Tags such as 802.1x or port-security are accepted as written."""
    bank = parse_bank(doc(single(tags=tags)), exam=SECPLUS, source_name=FILE)
    assert bank.questions[0].tags == tuple(tags)


def test_validation_does_not_change_the_input():
    """Validating leaves the caller's document untouched."""
    document = doc()
    before = copy.deepcopy(document)
    parse_bank(document, exam=SECPLUS, source_name=FILE)
    assert document == before


@pytest.mark.parametrize(
    ("existing", "expected"),
    [(set(), "sy0701-d2-001"), ({"sy0701-d2-001", "sy0701-d2-007"}, "sy0701-d2-008")],
)
def test_next_question_id(existing, expected):
    """New ids follow the shipped pattern and never collide."""
    assert next_question_id(SECPLUS, "2", existing) == expected
