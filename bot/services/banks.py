"""Server question banks: import, export and list, and the proposals queue members feed.

A server's questions add to the shipped bank for the same exam (a server question with a shipped id
replaces it for that server). ``question_pool`` is what practice and quiz rounds draw from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from bot.clock import Clock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.data.loader import load_catalogue
from bot.db.connection import Database, Tx
from bot.db.repositories.banks import ProposalRecord, Proposals, ServerBanks
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Guilds, Members
from bot.domain.banks import (
    LIMITS,
    OPTION_IDS,
    Bank,
    BankError,
    BankMeta,
    Question,
    bank_to_doc,
    next_question_id,
    parse_bank,
    question_to_doc,
    validate_question_fields,
)
from bot.domain.catalogue import Catalogue
from bot.domain.exams import Exam
from bot.domain.text import match_domain
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound

ShippedBanks = Callable[[], Mapping[str, Bank]]

NEEDS_MANAGE = "Only members with the Manage Server permission can do that."
PROPOSAL_TITLE = "Questions written by this server's members"


# --- the pool every feature draws from ------------------------------------------------------------


async def question_pool(tx: Tx, guild_id: int, exam: Exam, shipped: Mapping[str, Bank]) -> tuple[Question, ...]:
    """The shipped questions for ``exam`` with this server's own questions added (theirs win on an id)."""
    by_id: dict[str, Question] = {}
    bank = shipped.get(exam.code)
    if bank is not None:
        by_id.update((q.id, q) for q in bank.questions)
    for doc in await ServerBanks(tx).question_documents(guild_id, exam.code):
        try:
            by_id[doc["id"]] = validate_question_fields(doc, exam=exam, source_name="server bank")
        except BankError:
            # Stored questions were valid when saved; a blueprint change since can orphan one.
            continue
    return tuple(by_id.values())


# --- view models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    exam_code: str
    title: str
    added: int
    updated: int
    total: int


@dataclass(frozen=True)
class ExportResult:
    exam_code: str
    filename: str
    text: str
    question_count: int
    source: str  # "server" | "shipped" | "both"


@dataclass(frozen=True)
class BankSummary:
    exam_code: str
    exam_name: str
    shipped: int
    server: int
    title: str | None


@dataclass(frozen=True)
class ProposalView:
    id: int
    exam_code: str
    author_id: int
    question_id: str
    domain: str
    stem: str
    options: tuple[tuple[str, str], ...]
    answer: tuple[str, ...]
    explanation: str
    status: str
    waiting: int  # proposals still pending in the server after this one was handled


def _proposal_view(record: ProposalRecord, waiting: int, status: str | None = None) -> ProposalView:
    doc = record.document
    answer = doc["answer"] if isinstance(doc["answer"], list) else [doc["answer"]]
    return ProposalView(
        id=record.id, exam_code=record.exam_code, author_id=record.user_id, question_id=doc["id"],
        domain=str(doc["domain"]), stem=doc["stem"], options=tuple((k, v) for k, v in doc["options"].items()),
        answer=tuple(sorted(answer)), explanation=doc["explanation"], status=status or record.status, waiting=waiting,
    )


def modal_fields_to_doc(
    *, question_id: str, domain: str, stem: str, options_text: str, answer_text: str, explanation: str
) -> dict[str, Any]:
    """The bank-file fields for a question typed into a modal: one option per line, answer letters."""
    lines = [line.strip() for line in options_text.splitlines() if line.strip()]
    options: dict[str, str] = {}
    for index, line in enumerate(lines):
        # Accept "A) text", "a. text" or "a: text" as well as bare lines.
        if len(line) > 2 and line[0].lower() in OPTION_IDS and line[1] in ").:":
            line = line[2:].strip()
        key = OPTION_IDS[index] if index < len(OPTION_IDS) else f"option-{index + 1}"
        options[key] = line
    letters = sorted({c for c in answer_text.lower() if c.isalpha()})
    doc: dict[str, Any] = {
        "id": question_id, "domain": domain.strip(), "stem": stem.strip(), "options": options,
        "explanation": explanation.strip(),
    }
    if len(letters) > 1:
        doc.update(type="multi", choose=len(letters), answer=letters)
    else:
        doc.update(type="single", answer=letters[0] if letters else "")
    return doc


# --- the service ----------------------------------------------------------------------------------


class BankService:
    def __init__(
        self, db: Database, clock: Clock, *, catalogue: Catalogue | None = None, shipped: ShippedBanks | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue
        self._shipped = shipped or load_shipped_banks

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    def _now(self) -> int:
        return to_epoch(self.clock.now())

    # --- import / export / list -----------------------------------------------------------------
    def parse_upload(self, filename: str, data: bytes) -> tuple[Exam, Bank]:
        """Validate an uploaded bank file completely; raises ``BankError`` (nothing is written)."""
        if len(data) > LIMITS.document_bytes:
            raise InvalidInput(
                f"{filename} is {len(data):,} bytes; a bank file can be at most {LIMITS.document_bytes:,}.",
                hint="Split it into one file per exam, or trim long explanations.",
            )
        if not filename.lower().endswith((".yaml", ".yml")):
            raise InvalidInput(f"{filename} is not a YAML file.", hint="Attach a .yaml bank file (see /bank export).")
        try:
            doc = yaml.safe_load(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BankError([f"{filename}: is not UTF-8 text"]) from exc
        except yaml.YAMLError as exc:
            raise BankError([f"{filename}: is not valid YAML: {exc}"]) from exc
        except RecursionError as exc:  # thousands of nested brackets exhaust the YAML parser's stack
            raise BankError([f"{filename}: is nested too deeply to be a bank file"]) from exc
        meta = doc.get("bank") if isinstance(doc, dict) else None
        code = str(meta.get("exam", "")) if isinstance(meta, dict) else ""
        if not code:
            raise BankError([f"{filename}: bank: exam: is required (the exam code, e.g. SY0-701)"])
        exam = self.catalogue.exam(code)
        if exam is None:
            raise BankError([f"{filename}: bank: exam: '{code}' is not an exam I know"])
        return exam, parse_bank(doc, exam=exam, source_name=filename)

    async def import_bank(
        self, guild_id: int, user_id: int, filename: str, data: bytes, *, can_manage: bool
    ) -> ImportResult:
        if not can_manage:
            raise NotAllowed(NEEDS_MANAGE)
        exam, bank = self.parse_upload(filename, data)
        now = self._now()
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            banks = ServerBanks(tx)
            existing = await banks.question_ids(guild_id, exam.code)
            await banks.save_meta(
                guild_id, exam.code, version=bank.meta.version, title=bank.meta.title, author=bank.meta.author,
                licence=bank.meta.licence, as_of=bank.meta.as_of.isoformat() if bank.meta.as_of else None,
                updated_by=user_id, now=now,
            )
            await banks.upsert_questions(
                guild_id, exam.code, [question_to_doc(q) for q in bank.questions], origin="import",
                added_by=user_id, now=now,
            )
            total = len(existing | {q.id for q in bank.questions})
        updated = sum(1 for q in bank.questions if q.id in existing)
        return ImportResult(exam.code, bank.meta.title, len(bank.questions) - updated, updated, total)

    async def export_bank(self, guild_id: int, exam_code: str) -> ExportResult:
        exam = self.catalogue.require(exam_code)
        shipped = self._shipped().get(exam.code)
        async with self.db.read() as tx:
            record = await ServerBanks(tx).get(guild_id, exam.code)
            pool = await question_pool(tx, guild_id, exam, self._shipped())
        if not pool:
            raise NotFound(f"There is no question bank for {exam.code} yet.",
                           hint="A moderator can add one with /bank import.")
        if record is not None:
            meta = BankMeta(exam.code, record.version, record.title, record.author, record.licence, None)
            source = "both" if shipped is not None else "server"
        else:
            assert shipped is not None
            meta, source = shipped.meta, "shipped"
        text = yaml.safe_dump(bank_to_doc(Bank(meta, pool)), sort_keys=False, allow_unicode=True, width=100)
        return ExportResult(exam.code, f"{exam.code.lower()}.yaml", text, len(pool), source)

    async def list_banks(self, guild_id: int) -> list[BankSummary]:
        shipped = self._shipped()
        async with self.db.read() as tx:
            records = {r.exam_code: r for r in await ServerBanks(tx).for_guild(guild_id)}
        codes = sorted(set(shipped) | set(records))
        out: list[BankSummary] = []
        for code in codes:
            exam = self.catalogue.exam(code)
            record = records.get(code)
            out.append(BankSummary(
                exam_code=code, exam_name=exam.name if exam else code,
                shipped=len(shipped[code].questions) if code in shipped else 0,
                server=record.question_count if record else 0, title=record.title if record else None,
            ))
        return out

    # --- proposals ------------------------------------------------------------------------------
    async def _member_exam(self, tx: Tx, guild_id: int, user_id: int, exam_code: str | None) -> Exam:
        if exam_code:
            return self.catalogue.require(exam_code)
        active = await Exams(tx).active(guild_id, user_id)
        if active is None:
            raise NotFound("I don't know which exam you're preparing for yet.",
                           hint="Name the exam in the command, or set yours with /exam first.")
        return self.catalogue.require(active.exam_code)

    async def propose(
        self, guild_id: int, user_id: int, *, exam_code: str | None, domain: str, stem: str, options_text: str,
        answer_text: str, explanation: str,
    ) -> ProposalView:
        async with self.db.read() as tx:
            exam = await self._member_exam(tx, guild_id, user_id, exam_code)
            taken = await ServerBanks(tx).question_ids(guild_id, exam.code)
            taken |= await Proposals(tx).pending_ids(guild_id, exam.code)
        shipped = self._shipped().get(exam.code)
        if shipped is not None:
            taken |= {q.id for q in shipped.questions}
        found = match_domain(exam.domains, domain)
        qid = next_question_id(exam, found.number if found else domain, taken)
        doc = modal_fields_to_doc(question_id=qid, domain=domain, stem=stem, options_text=options_text,
                                  answer_text=answer_text, explanation=explanation)
        question = validate_question_fields(doc, exam=exam, existing_ids=taken, source_name="your question")
        now = self._now()
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, now)
            proposals = Proposals(tx)
            proposal_id = await proposals.add(guild_id, user_id, exam.code, question_to_doc(question), now)
            record = await proposals.get(proposal_id)
            waiting = await proposals.pending_count(guild_id)
        assert record is not None
        return _proposal_view(record, waiting)

    async def next_pending(self, guild_id: int, *, can_manage: bool) -> ProposalView | None:
        if not can_manage:
            raise NotAllowed(NEEDS_MANAGE)
        async with self.db.read() as tx:
            proposals = Proposals(tx)
            pending = await proposals.pending(guild_id, limit=1)
            waiting = await proposals.pending_count(guild_id)
        return _proposal_view(pending[0], waiting) if pending else None

    async def proposal(self, guild_id: int, proposal_id: int, *, can_manage: bool) -> ProposalView:
        if not can_manage:
            raise NotAllowed(NEEDS_MANAGE)
        async with self.db.read() as tx:
            record = await Proposals(tx).get(proposal_id)
            waiting = await Proposals(tx).pending_count(guild_id)
        if record is None or record.guild_id != guild_id:
            raise NotFound("That proposal no longer exists.")
        return _proposal_view(record, waiting)

    async def approve(
        self, guild_id: int, reviewer_id: int, proposal_id: int, *, can_manage: bool,
        edits: Mapping[str, str] | None = None,
    ) -> ProposalView:
        """Approve a pending proposal into the server bank; ``edits`` are the modal fields, when edited."""
        if not can_manage:
            raise NotAllowed(NEEDS_MANAGE)
        async with self.db.read() as tx:
            record = await Proposals(tx).get(proposal_id)
            taken = await ServerBanks(tx).question_ids(guild_id, record.exam_code) if record else set()
        record = self._pending(record, guild_id)
        exam = self.catalogue.require(record.exam_code)
        doc = dict(record.document)
        if edits:
            doc = modal_fields_to_doc(question_id=doc["id"], **edits)
        question = validate_question_fields(doc, exam=exam, existing_ids=taken, source_name="the question")
        final = question_to_doc(question)
        now = self._now()
        async with self.db.transaction() as tx:
            proposals = Proposals(tx)
            if not await proposals.decide(proposal_id, status="approved", reviewer=reviewer_id, now=now,
                                          document=final):
                raise Conflict("Someone else reviewed this proposal a moment ago.")
            banks = ServerBanks(tx)
            await banks.ensure_meta(guild_id, exam.code, title=PROPOSAL_TITLE, updated_by=reviewer_id, now=now)
            await banks.upsert_questions(guild_id, exam.code, [final], origin="proposal", added_by=reviewer_id, now=now)
            updated = await proposals.get(proposal_id)
            waiting = await proposals.pending_count(guild_id)
        assert updated is not None
        return _proposal_view(updated, waiting)

    async def reject(self, guild_id: int, reviewer_id: int, proposal_id: int, *, can_manage: bool) -> ProposalView:
        if not can_manage:
            raise NotAllowed(NEEDS_MANAGE)
        now = self._now()
        async with self.db.transaction() as tx:
            proposals = Proposals(tx)
            record = self._pending(await proposals.get(proposal_id), guild_id)
            await proposals.decide(proposal_id, status="rejected", reviewer=reviewer_id, now=now)
            waiting = await proposals.pending_count(guild_id)
        return _proposal_view(record, waiting, status="rejected")

    @staticmethod
    def _pending(record: ProposalRecord | None, guild_id: int) -> ProposalRecord:
        if record is None or record.guild_id != guild_id:
            raise NotFound("That proposal no longer exists.")
        if record.status != "pending":
            raise Conflict(f"This proposal was already {record.status}.")
        return record
