"""The shipped exam catalogue agrees with the researched facts (shared/exam-facts.md).

The facts file lives next to the repository (``../shared/exam-facts.md``); without it these tests
are skipped with a reason, except in CI, which sets ``REBOUND_REQUIRE_EXAM_FACTS=1`` so they fail
instead. Every policy of section A.1 and every current exam of section B.1 must be in the shipped
data, and each YAML block of the facts file must match the shipped record.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.data.loader import load_catalogue
from bot.domain.catalogue import Catalogue
from bot.domain.exams import Exam, ExamStatus, RetakePolicy
from bot.domain.retake import rule_for

FACTS = Path(__file__).resolve().parents[2].parent / "shared" / "exam-facts.md"

#: CI has the facts beside the checkout and sets this, so a missing file fails there instead of skipping.
REQUIRED = os.environ.get("REBOUND_REQUIRE_EXAM_FACTS") == "1"

if REQUIRED and not FACTS.is_file():
    raise AssertionError(f"REBOUND_REQUIRE_EXAM_FACTS is set but the facts file {FACTS} is missing")
pytestmark = pytest.mark.skipif(not FACTS.is_file(), reason=f"the facts file {FACTS} is not next to the repository")

# Row labels of the A.1 summary table and the shipped policy each one is.
A1_POLICIES = {
    "CompTIA (all exams)": "comptia",
    "Microsoft (role-based, specialty, fundamentals)": "microsoft",
    "Cisco associate / professional / specialist": "cisco",
    "Cisco CCIE/CCDE written (qualifying)": "cisco-ccie-written",
    "Cisco CCIE lab": "cisco-ccie-lab",
    "AWS": "aws",
    "ISC2 (CISSP, CCSP, SSCP, CC…)": "isc2",
    "ISACA (CISA, CISM, CRISC, CGEIT…)": "isaca",
    "Google Cloud associate/professional": "google-cloud",
    "Google Cloud Digital Leader": "google-cloud-digital-leader",
    "Linux Foundation / CNCF (CKA, CKAD, CKS, LFCS…)": "linux-foundation",
    "Red Hat": "red-hat",
    "EC-Council": "ec-council",
    "Juniper (written exams)": "juniper",
    "Oracle": "oracle",
    "PMI PMP": "pmi-pmp",
}


def _facts_text() -> str:
    return FACTS.read_text(encoding="utf-8")


def _table_rows(heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table under ``heading``, as lists of cell texts."""
    text = _facts_text()
    start = text.index(heading)
    end = text.find("\n#", start + len(heading))
    rows = []
    for line in text[start:end if end != -1 else None].splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[\s|:-]+\|?", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # the header row


def _blocks(kind: str) -> list[dict[str, Any]]:
    found = []
    for block in re.findall(r"```yaml\n(.*?)```", _facts_text(), flags=re.DOTALL):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and kind in data:
            found.append(data[kind])
    return found


def _codes_in(cell: str, catalogue: Catalogue) -> list[Exam]:
    exams = []
    for token in re.split(r"[\s,/()]+", cell):
        exam = catalogue.exam(token) if token else None
        if exam is not None and exam not in exams:
            exams.append(exam)
    return exams


def _shipped_policy(vendor: str, scope: str) -> RetakePolicy:
    for policy in load_catalogue().policies():
        if policy.vendor == vendor and policy.scope == scope:
            return policy
    raise AssertionError(f"no shipped policy for {vendor}: {scope}")


def _wait_text(policy: RetakePolicy, failures: int) -> str | None:
    rule, _ = rule_for(policy, failures)
    return None if rule is None else f"{rule.wait.amount}{rule.wait.unit}"


# -- section A: policies -----------------------------------------------------------------------------


def test_a1_table_rows_are_the_ones_mapped_here() -> None:
    """Every row of the A.1 table is mapped to a policy here, so a new row fails until it is added."""
    assert [row[0] for row in _table_rows("### A.1")] == list(A1_POLICIES)


@pytest.mark.parametrize(("label", "policy_id"), list(A1_POLICIES.items()))
def test_each_a1_policy_is_shipped(label: str, policy_id: str) -> None:
    """Each policy of the A.1 table exists in the shipped data with the table's confidence."""
    row = next(r for r in _table_rows("### A.1") if r[0] == label)
    policy = load_catalogue().policy(policy_id)
    assert policy is not None
    assert policy.source.confidence.value == row[-1]


@pytest.mark.parametrize(("label", "policy_id"), list(A1_POLICIES.items()))
def test_a1_wait_after_the_first_failure_matches(label: str, policy_id: str) -> None:
    """The wait after the 1st failure the A.1 table states (or its absence, 0 days) is the shipped policy's."""
    row = next(r for r in _table_rows("### A.1") if r[0] == label)
    # "none", "none found", "no wait stated", "no waiting period found": no wait is known, shipped as 0 days.
    m = re.match(r"(none|no wait(?:ing period)?)\b|(\d+) ?([hd])\b", row[1])
    assert m is not None, f"the A.1 cell {row[1]!r} states neither a wait nor its absence; map it here"
    expected = "0d" if m.group(1) else f"{m.group(2)}{m.group(3)}"
    policy = load_catalogue().policy(policy_id)
    assert policy is not None and _wait_text(policy, 1) == expected


def _policy_id(block: dict[str, Any]) -> str:
    return f"{block['vendor']}: {block['scope']}"


@pytest.mark.parametrize("block", _blocks("policy") if FACTS.is_file() else [], ids=_policy_id)
def test_policy_block_matches_the_shipped_rules(block: dict[str, Any]) -> None:
    """Each policy block's ladder, cap and confidence are the shipped policy's."""
    policy = _shipped_policy(block["vendor"], block["scope"])
    expected = [(r["after_failure_number"], r["wait_days_or_hours"], bool(r.get("and_later", False)))
                for r in block["rules"]]
    shipped = [(r.after_failure, f"{r.wait.amount}{r.wait.unit}", r.and_later) for r in policy.rules]
    assert shipped == expected
    assert policy.source.confidence.value == block["confidence"]
    if block.get("max_attempts_per_12_months") is not None:
        assert policy.cap is not None
        assert (policy.cap.max_attempts, policy.cap.window_months) == (block["max_attempts_per_12_months"], 12)
    elif block.get("attempt_cap"):
        assert policy.cap is not None
        assert policy.cap.max_attempts == int(block["attempt_cap"].split()[0])
    else:
        assert policy.cap is None


@pytest.mark.parametrize("policy_id", ["cisco", "cisco-ccie-written", "juniper"])
def test_day_after_rules_count_from_the_next_day(policy_id: str) -> None:
    """Vendors whose wait begins 'the day after' the exam count it that way (facts section C)."""
    policy = load_catalogue().policy(policy_id)
    assert policy is not None and policy.day_counting == "after_exam_day"


@pytest.mark.parametrize("policy_id", ["comptia", "aws"])
def test_from_the_exam_date_rules_count_calendar_days(policy_id: str) -> None:
    """Vendors counting 'from the date of the last attempt' open on exam date + N (facts section C)."""
    policy = load_catalogue().policy(policy_id)
    assert policy is not None and policy.day_counting == "calendar"


def test_linux_foundation_has_one_free_retake_within_twelve_months() -> None:
    """The Linux Foundation policy carries its free retake."""
    policy = load_catalogue().policy("linux-foundation")
    assert policy is not None
    assert (policy.free_retakes, policy.free_retake_window_months) == (1, 12)


# -- section B: exams --------------------------------------------------------------------------------


def test_each_b1_exam_is_shipped_as_current() -> None:
    """Each row of the B.1 table names a current exam of the shipped catalogue."""
    catalogue = load_catalogue()
    missing = [row[0] for row in _table_rows("### B.1")
               if not any(e.status is ExamStatus.CURRENT for e in _codes_in(row[0], catalogue))]
    assert missing == []


def test_b0_statuses_match_the_shipped_exams() -> None:
    """Each exam named in the B.0 table has the status the table gives; retired rows are all shipped."""
    catalogue = load_catalogue()
    wrong = []
    for row in _table_rows("### B.0"):
        exams = _codes_in(row[0], catalogue)
        if row[1] != "current" and not exams:
            wrong.append(f"{row[0]}: not shipped")
        wrong += [f"{row[0]}: {e.code} is {e.status.value}, not {row[1]}" for e in exams if e.status.value != row[1]]
    assert wrong == []


def _exam_id(block: dict[str, Any]) -> str:
    return str(block["exam_code"])


def _domain_facts(block: dict[str, Any]) -> list[tuple[str, Any]]:
    out = []
    for d in block["domains"]:
        if d.get("weight_percent") is not None:
            out.append((d["name"], float(d["weight_percent"])))
        else:
            out.append((d["name"], (float(d["weight_percent_min"]), float(d["weight_percent_max"]))))
    return out


@pytest.mark.parametrize("block", _blocks("exam") if FACTS.is_file() else [], ids=_exam_id)
def test_exam_block_matches_the_shipped_exam(block: dict[str, Any]) -> None:
    """Each exam block's status, scoring, format, domains and confidence are the shipped exam's."""
    exam = load_catalogue().require(str(block["exam_code"]))
    assert exam.vendor == block["vendor"]
    assert exam.name == block["name"]
    assert exam.status.value == block["status"]
    assert (exam.passing_score, exam.scale_min, exam.scale_max) == (
        block["passing_score"], block["score_scale_min"], block["score_scale_max"])
    assert (exam.max_questions, exam.duration_minutes) == (block["max_questions"], block["duration_minutes"])
    shipped = [(d.name, d.weight if d.weight is not None else (d.weight_min, d.weight_max)) for d in exam.domains]
    assert shipped == _domain_facts(block)
    assert exam.source.confidence.value == block["confidence"]


@pytest.mark.parametrize("block", [b for b in _blocks("exam") if b["status"] != "current"]
                         if FACTS.is_file() else [], ids=_exam_id)
def test_retired_exam_blocks_have_a_current_successor(block: dict[str, Any]) -> None:
    """Each retired or retiring exam of the facts leads to a current successor."""
    catalogue = load_catalogue()
    successor = catalogue.successor_of(catalogue.require(str(block["exam_code"])))
    assert successor is not None and successor.status is ExamStatus.CURRENT


def test_every_shipped_current_exam_is_in_the_facts() -> None:
    """No current exam is shipped without a facts block behind it."""
    researched = {str(b["exam_code"]) for b in _blocks("exam")}
    shipped = {e.code for e in load_catalogue().exams() if e.status is ExamStatus.CURRENT}
    assert shipped - researched == set()
