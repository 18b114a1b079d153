"""Server banks: all-or-nothing import, export, list, and the proposals queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from bot.clock import FakeClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.domain.banks import LIMITS, BankError
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.services.banks import BankService, question_pool

GUILD, MOD, ALICE = 1, 5, 10

GOOD = """
bank: {exam: SY0-701, version: 1, title: Study Hall extras, author: Study Hall, licence: CC-BY-SA-4.0}
questions:
  - id: sh-001
    domain: "2.0"
    type: single
    stem: An email asks staff to confirm their password on a look-alike site. What is this?
    options: {a: Phishing, b: Tailgating, c: Shoulder surfing}
    answer: a
    explanation: A deceptive message that leads to a fake login page is phishing.
  - id: sh-002
    domain: "4.0"
    type: single
    stem: Which log source best shows a user's failed logins on a Windows server?
    options: {a: Firewall log, b: Security event log}
    answer: b
    explanation: Windows records logon failures (event 4625) in the Security event log.
"""

BAD = GOOD.replace("answer: a", "answer: z").replace('domain: "4.0"', 'domain: "9.0"')


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock, BankService(db, clock)
    await db.close()


async def server_count(service) -> int:
    return sum(b.server for b in await service.list_banks(GUILD))


async def test_a_good_bank_imports_and_reports_counts(env):
    """A valid file imports every question and the counts say so."""
    _, _, service = env
    result = await service.import_bank(GUILD, MOD, "extras.yaml", GOOD.encode(), can_manage=True)
    assert (result.exam_code, result.added, result.updated, result.total) == ("SY0-701", 2, 0, 2)
    assert await server_count(service) == 2


async def test_a_bad_bank_imports_nothing_and_names_each_problem(env):
    """A file with errors is refused whole; each error names the file, question and field."""
    _, _, service = env
    with pytest.raises(BankError) as caught:
        await service.import_bank(GUILD, MOD, "extras.yaml", BAD.encode(), can_manage=True)
    assert any("extras.yaml: question sh-001: answer" in e for e in caught.value.errors)
    assert any("question sh-002: domain" in e for e in caught.value.errors)
    assert await server_count(service) == 0


@pytest.mark.parametrize(("name", "data"), [
    ("extras.txt", GOOD.encode()),
    ("extras.yaml", b"x" * (LIMITS.document_bytes + 1)),
    ("extras.yaml", b"bank: [unclosed"),
    ("extras.yaml", GOOD.replace("SY0-701", "XX-000").encode()),
])
async def test_unusable_files_are_refused(env, name, data):
    """Wrong type, too large, broken YAML or an unknown exam: refused, nothing imported."""
    _, _, service = env
    with pytest.raises(InvalidInput):
        await service.import_bank(GUILD, MOD, name, data, can_manage=True)
    assert await server_count(service) == 0


async def test_import_needs_manage_server(env):
    """Members without Manage Server cannot import."""
    _, _, service = env
    with pytest.raises(NotAllowed):
        await service.import_bank(GUILD, ALICE, "extras.yaml", GOOD.encode(), can_manage=False)


async def test_importing_again_updates_by_id(env):
    """Re-importing the same ids updates them rather than adding copies."""
    _, _, service = env
    await service.import_bank(GUILD, MOD, "extras.yaml", GOOD.encode(), can_manage=True)
    again = await service.import_bank(GUILD, MOD, "extras.yaml", GOOD.encode(), can_manage=True)
    assert (again.added, again.updated, again.total) == (0, 2, 2)


async def test_imported_questions_join_the_practice_pool(env):
    """Practice draws from the shipped bank plus the server's own questions."""
    db, _, service = env
    await service.import_bank(GUILD, MOD, "extras.yaml", GOOD.encode(), can_manage=True)
    exam = load_catalogue().require("SY0-701")
    async with db.read() as tx:
        pool = await question_pool(tx, GUILD, exam, load_shipped_banks())
    ids = {q.id for q in pool}
    assert {"sh-001", "sh-002"} <= ids
    assert len(ids) == len(load_shipped_banks()["SY0-701"].questions) + 2


async def test_export_reads_back_as_a_valid_bank(env):
    """An exported bank re-imports cleanly."""
    _, _, service = env
    await service.import_bank(GUILD, MOD, "extras.yaml", GOOD.encode(), can_manage=True)
    exported = await service.export_bank(GUILD, "SY0-701")
    exam, bank = service.parse_upload(exported.filename, exported.text.encode())
    assert exam.code == "SY0-701" and len(bank.questions) == exported.question_count
    assert yaml.safe_load(exported.text)["bank"]["title"] == "Study Hall extras"


async def enrol(db, clock, user_id=ALICE):
    async with db.transaction() as tx:
        await Members(tx).ensure(GUILD, user_id, to_epoch(clock.now()))
        await Exams(tx).set_active(GUILD, user_id, "SY0-701", to_epoch(clock.now()))


PROPOSAL = {
    "domain": "2", "stem": "A caller pretends to be IT support and asks for a code. What is this?",
    "options_text": "A) Vishing\nB) Smishing\nC) Whaling", "answer_text": "a",
    "explanation": "Voice phishing over the phone is vishing.",
}


async def test_a_proposal_waits_for_review_then_joins_the_bank(env):
    """A member's question waits in the queue; once approved it is in the server bank."""
    db, clock, service = env
    await enrol(db, clock)
    proposed = await service.propose(GUILD, ALICE, exam_code=None, **PROPOSAL)
    assert proposed.status == "pending" and proposed.question_id.startswith("sy0701-d2-")
    pending = await service.next_pending(GUILD, can_manage=True)
    assert pending.id == proposed.id
    approved = await service.approve(GUILD, MOD, proposed.id, can_manage=True)
    assert approved.status == "approved"
    assert await service.next_pending(GUILD, can_manage=True) is None
    assert await server_count(service) == 1


async def test_a_proposal_is_checked_like_a_bank_question(env):
    """An answer that is not an option is refused with the field named; nothing is queued."""
    db, clock, service = env
    await enrol(db, clock)
    with pytest.raises(BankError) as caught:
        await service.propose(GUILD, ALICE, exam_code=None, **{**PROPOSAL, "answer_text": "f"})
    assert any("answer" in e for e in caught.value.errors)
    assert await service.next_pending(GUILD, can_manage=True) is None


async def test_an_edit_on_approval_replaces_the_text(env):
    """A moderator's edit is what enters the bank."""
    db, clock, service = env
    await enrol(db, clock)
    proposed = await service.propose(GUILD, ALICE, exam_code=None, **PROPOSAL)
    edited = await service.approve(
        GUILD, MOD, proposed.id, can_manage=True, edits={**PROPOSAL, "stem": "Edited stem about vishing calls?"}
    )
    assert edited.stem == "Edited stem about vishing calls?"


async def test_a_proposal_is_decided_only_once(env):
    """Rejecting then approving the same proposal is refused."""
    db, clock, service = env
    await enrol(db, clock)
    proposed = await service.propose(GUILD, ALICE, exam_code=None, **PROPOSAL)
    rejected = await service.reject(GUILD, MOD, proposed.id, can_manage=True)
    assert rejected.status == "rejected"
    with pytest.raises(Conflict, match="already rejected"):
        await service.approve(GUILD, MOD, proposed.id, can_manage=True)
    assert await server_count(service) == 0


async def test_review_needs_manage_server(env):
    """Only moderators see the queue."""
    _, _, service = env
    with pytest.raises(NotAllowed):
        await service.next_pending(GUILD, can_manage=False)
