"""Mock exams (/mock): timed full or half simulations, auto-submitted at the deadline, scored with results.

The attempt lives in the database: question order, deadline, every answer with its change count and
flag. Each click reloads it, rebuilds the pure ``MockSession`` and stores what changed in one unit of
work, so buttons keep working across a restart and the clock never stops. Two deliveries per attempt
drive time: countdown edits (``mock_countdown``) and the auto-submit at the deadline (``mock_timeout``).
Finishing a mock feeds the member's mastery and review cards (the practice service's
``record_answer``) and, when it opens the readiness gate, queues one "consider booking" message.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.data.loader import load_catalogue
from bot.db.connection import Database, Tx
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import AttemptRecord, MockAnswerRecord, MockAnswers, MockAttempts, ReadinessNotices
from bot.db.repositories.practice import Answers
from bot.domain.banks import Bank, Question, QuestionType
from bot.domain.catalogue import Catalogue
from bot.domain.exams import Exam
from bot.domain.mock import (
    LENGTHS,
    MockQuestion,
    MockSession,
    ScaledEstimate,
    estimate_scaled_score,
    mock_shape,
    shape_note,
)
from bot.domain.readiness import COUNTING_MODES
from bot.domain.selection import draw_mock
from bot.domain.text import match_domain
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.banks import ShippedBanks, question_pool
from bot.services.board import touch_in
from bot.services.practice import member_context, record_answer
from bot.services.readiness import GateState, pass_percent_for, readiness_in

KIND_TIMEOUT = "mock_timeout"
KIND_COUNTDOWN = "mock_countdown"
KIND_READY = "readiness_open"
START_MODES = ("strict", "exam")

# Edits at these points keep the countdown honest without an edit every second (which Discord's
# rate limits would not allow anyway): every 10 minutes, then 5 and 1 minute before the end.
COUNTDOWN_EVERY = timedelta(minutes=10)
COUNTDOWN_FINAL = (timedelta(minutes=5), timedelta(minutes=1))
# Questions practised this recently are drawn only when a domain has nothing fresher.
RECENT_PRACTICE = timedelta(days=14)

TIME_UP_NOTE = "Time ran out before that answer, so it wasn't counted. Here are your results."


def attempt_key(attempt_id: int) -> str:
    """Prefix of every delivery key that belongs to one attempt (cancelled together when it ends)."""
    return f"mock:{attempt_id}:"


def countdown_times(started_at: datetime, deadline: datetime) -> list[datetime]:
    """When the question message's countdown is refreshed: every 10 minutes, then at 5 and 1 minute left."""
    times: set[datetime] = set()
    tick = started_at + COUNTDOWN_EVERY
    last_final = deadline - max(COUNTDOWN_FINAL)
    while tick < last_final:
        times.add(tick)
        tick += COUNTDOWN_EVERY
    for left in COUNTDOWN_FINAL:
        if deadline - left > started_at:
            times.add(deadline - left)
    return sorted(times)


# --- view models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MockQuestionView:
    attempt_id: int
    exam_code: str
    length: str
    mode: str
    position: int  # 0-based
    total: int
    question_id: str
    domain_name: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (id, text)
    multi: bool
    choose: int
    chosen: tuple[str, ...]
    flagged: bool
    answered: int
    flagged_positions: tuple[int, ...]
    unanswered_positions: tuple[int, ...]
    countdown: str
    deadline: datetime | None
    shown_in: str
    channel_id: int | None
    message_id: int | None
    note: str | None = None


@dataclass(frozen=True)
class MockStarted:
    question: MockQuestionView
    question_count: int
    duration_minutes: int
    shape_note: str | None
    short_bank_note: str | None


@dataclass(frozen=True)
class MissView:
    position: int
    question_id: str
    domain_name: str
    stem: str
    chosen_text: tuple[str, ...]  # empty when unanswered
    answer_text: tuple[str, ...]
    explanation: str
    reference: str | None


@dataclass(frozen=True)
class DomainResult:
    number: str
    name: str
    correct: int
    total: int
    percent: float
    target: float
    met: bool


@dataclass(frozen=True)
class MockResultView:
    attempt_id: int
    guild_id: int
    user_id: int
    exam_code: str
    exam_name: str
    length: str
    mode: str
    status: str  # submitted | timed_out
    raw_percent: float
    correct: int
    total: int
    estimate: ScaledEstimate | None
    passing_score: float | None
    pass_percent: float
    passed: bool
    target: float  # pass mark plus the server's safety margin: the readiness bar
    per_domain: tuple[DomainResult, ...]
    time_used: timedelta
    duration_minutes: int
    unanswered: int
    answers_changed: int
    misses: tuple[MissView, ...]
    counts_for_readiness: bool
    readiness_text: str
    ready: bool
    gate_opened: bool
    booked_warning: str | None
    shown_in: str
    channel_id: int | None
    message_id: int | None
    note: str | None = None


@dataclass(frozen=True)
class Abandoned:
    attempt_id: int
    answered: int
    total: int
    channel_id: int | None
    message_id: int | None


MockStep = MockQuestionView | MockResultView


def _session(record: AttemptRecord, answers: Mapping[str, MockAnswerRecord]) -> MockSession:
    session = MockSession(
        question_ids=record.question_ids, mode=record.mode, started_at=from_epoch(record.started_at),
        deadline=from_epoch(record.deadline_at) if record.deadline_at is not None else None, index=record.position,
    )
    for qid, row in answers.items():
        if row.chosen:
            session.answers[qid] = frozenset(row.chosen)
        if row.flagged:
            session.flags.add(qid)
        if row.changes:
            session.changes[qid] = row.changes
    if record.finished_at is not None:
        session.finished_at = from_epoch(record.finished_at)
    return session


def _find(pool: Sequence[Question], qid: str) -> Question | None:
    return next((q for q in pool if q.id == qid), None)


def _option_text(question: Question, option_id: str) -> str:
    option = question.option(option_id)
    return f"{option_id.upper()}) {option.text}" if option else option_id.upper()


class MockService:
    def __init__(
        self, db: Database, clock: Clock, *, catalogue: Callable[[], Catalogue] | None = None,
        shipped: ShippedBanks | None = None, rng: Callable[[], random.Random] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue or load_catalogue
        self._shipped = shipped or load_shipped_banks
        self._rng = rng or random.Random

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue()

    def shipped(self) -> Mapping[str, Bank]:
        return self._shipped()

    # --- /mock start ----------------------------------------------------------------------------
    async def start(
        self, guild_id: int, user_id: int, *, exam_code: str | None = None, length: str = "full",
        mode: str = "strict",
    ) -> MockStarted:
        length = (length or "full").strip().lower()
        mode = (mode or "strict").strip().lower()
        if length not in LENGTHS:
            raise InvalidInput(f"A mock can be 'full' or 'half' length, not '{length}'.")
        if mode not in START_MODES:
            raise InvalidInput(f"A mock runs in 'strict' or 'exam' mode, not '{mode}'.")
        now = self.clock.now()
        epoch = to_epoch(now)
        async with self.db.transaction() as tx:
            attempts = MockAttempts(tx)
            running = await attempts.running_for(guild_id, user_id)
            if running is not None:
                if not self._expired(running, now):
                    raise Conflict(
                        "You already have a mock running, and one at a time keeps it like the real exam.",
                        hint="Carry on with /mock resume, or end it with /mock abandon.",
                    )
                await self._finish(tx, running, now)
            exam = await self._exam(tx, guild_id, user_id, exam_code)
            shape = mock_shape(exam, length)
            pool = await question_pool(tx, guild_id, exam, self.shipped())
            if not pool:
                raise NotFound(f"There are no questions for {exam.code} yet, so a mock can't be built.",
                               hint="A moderator can add a bank with /bank import.")
            recent = await Answers(tx).recent_question_ids(guild_id, user_id, exam.code,
                                                           to_epoch(now - RECENT_PRACTICE))
            drawn = draw_mock(pool, exam, shape.question_count, self._rng(), avoid_ids=recent)
            short = None
            if len(drawn) < shape.question_count:
                short = (f"The question bank has only {len(drawn)} questions for {exam.code}, so this mock has "
                         f"{len(drawn)} instead of {shape.question_count}; the time limit stays the same.")
            session = MockSession.start([q.id for q in drawn], mode=mode, now=now,
                                        duration_minutes=shape.duration_minutes)
            assert session.deadline is not None
            await Members(tx).ensure(guild_id, user_id, epoch)
            attempt_id = await attempts.create(
                guild_id=guild_id, user_id=user_id, exam_code=exam.code, length=length, mode=mode,
                question_ids=list(session.question_ids), duration_minutes=shape.duration_minutes, started_at=epoch,
                deadline_at=to_epoch(session.deadline), now=epoch,
            )
            deliveries = Deliveries(tx)
            payload = {"attempt_id": attempt_id}
            await deliveries.schedule(
                kind=KIND_TIMEOUT, due_at=to_epoch(session.deadline), key=f"{attempt_key(attempt_id)}timeout",
                now=epoch, guild_id=guild_id, user_id=user_id, payload=payload,
            )
            for when in countdown_times(now, session.deadline):
                await deliveries.schedule(
                    kind=KIND_COUNTDOWN, due_at=to_epoch(when), key=f"{attempt_key(attempt_id)}tick:{to_epoch(when)}",
                    now=epoch, guild_id=guild_id, user_id=user_id, payload=payload,
                )
            record = await attempts.get(attempt_id)
            assert record is not None
            view = self._question_view(record, session, exam, pool, now)
        return MockStarted(view, len(drawn), shape.duration_minutes, shape_note(exam), short)

    async def _exam(self, tx: Tx, guild_id: int, user_id: int, exam_code: str | None) -> Exam:
        if exam_code and exam_code.strip():
            return self.catalogue.require(exam_code)
        active = await Exams(tx).active(guild_id, user_id)
        if active is None:
            raise NotFound("I don't know which exam you're preparing for yet.",
                           hint="Name it (/mock start exam:AZ-900) or set it with /exam set.")
        return self.catalogue.require(active.exam_code)

    async def attach_message(self, attempt_id: int, *, shown_in: str, channel_id: int | None,
                             message_id: int | None) -> None:
        """Remember where the question message is, so the countdown can edit it."""
        if shown_in not in ("dm", "reply"):
            raise ValueError(f"unknown place {shown_in!r}")
        async with self.db.transaction() as tx:
            await MockAttempts(tx).set_message(attempt_id, shown_in=shown_in, channel_id=channel_id,
                                               message_id=message_id, now=to_epoch(self.clock.now()))

    # --- loading and rendering ------------------------------------------------------------------
    @staticmethod
    def _expired(record: AttemptRecord, now: datetime) -> bool:
        return record.deadline_at is not None and to_epoch(now) >= record.deadline_at

    async def _load(self, tx: Tx, attempt_id: int, user_id: int) -> AttemptRecord:
        record = await MockAttempts(tx).get(attempt_id)
        if record is None:
            raise NotFound("This mock no longer exists. Start a new one with /mock start.")
        if record.user_id != user_id:
            raise NotAllowed("This is someone else's mock. Start your own with /mock start.")
        if record.status == "abandoned":
            raise Conflict("You abandoned this mock, so its buttons no longer do anything.",
                           hint="Start a fresh one with /mock start whenever you're ready.")
        if record.status == "timed_out":
            raise Conflict("Time ran out on this mock, so it was submitted with the answers you had given.",
                           hint="Nothing was changed. Your results were sent when it ended.")
        if record.status == "submitted":
            raise Conflict("This mock is already submitted, so its answers can't change now.",
                           hint="Start another with /mock start whenever you're ready.")
        return record

    def _exam_of(self, record: AttemptRecord) -> Exam:
        return self.catalogue.require(record.exam_code)

    def _question_view(self, record: AttemptRecord, session: MockSession, exam: Exam, pool: Sequence[Question],
                       now: datetime, note: str | None = None) -> MockQuestionView:
        qid = session.current_id
        question = _find(pool, qid)
        if question is None:
            raise NotFound("A question of this mock was removed from the bank. Abandon it and start a new one.")
        found = match_domain(exam.domains, question.domain)
        ids = session.question_ids
        return MockQuestionView(
            attempt_id=record.id, exam_code=record.exam_code, length=record.length, mode=record.mode,
            position=session.index, total=len(ids), question_id=qid,
            domain_name=found.name if found else question.domain, stem=question.stem,
            options=tuple((o.id, o.text) for o in question.options), multi=question.type is QuestionType.MULTI,
            choose=question.choose, chosen=tuple(sorted(session.answers.get(qid, ()))), flagged=qid in session.flags,
            answered=len(session.answers),
            flagged_positions=tuple(i for i, q in enumerate(ids) if q in session.flags),
            unanswered_positions=tuple(i for i, q in enumerate(ids) if q not in session.answers),
            countdown=session.countdown_text(now), deadline=session.deadline, shown_in=record.shown_in,
            channel_id=record.channel_id, message_id=record.message_id, note=note,
        )

    async def _state(self, tx: Tx, record: AttemptRecord) -> tuple[MockSession, Exam, tuple[Question, ...]]:
        answers = await MockAnswers(tx).for_attempt(record.id)
        exam = self._exam_of(record)
        pool = await question_pool(tx, record.guild_id, exam, self.shipped())
        return _session(record, answers), exam, pool

    async def current(self, attempt_id: int, user_id: int) -> MockStep:
        """The question on screen now (or the results, when time ran out while nobody was looking)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await self._load(tx, attempt_id, user_id)
            if self._expired(record, now):
                return await self._finish(tx, record, now)
            session, exam, pool = await self._state(tx, record)
            return self._question_view(record, session, exam, pool, now)

    async def resume(self, guild_id: int, user_id: int) -> MockStep:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await MockAttempts(tx).running_for(guild_id, user_id)
            if record is None:
                raise NotFound("You have no mock running right now.",
                               hint="Start one with /mock start when you have the time to sit it.")
            if self._expired(record, now):
                result = await self._finish(tx, record, now)
                return replace(result, note="Time ran out while you were away, so the mock was submitted "
                                            "with the answers you had given.")
            session, exam, pool = await self._state(tx, record)
            return self._question_view(record, session, exam, pool, now)

    # --- answering ------------------------------------------------------------------------------
    async def answer(self, attempt_id: int, user_id: int, position: int, chosen: Sequence[str]) -> MockStep:
        now = self.clock.now()
        epoch = to_epoch(now)
        async with self.db.transaction() as tx:
            record = await self._load(tx, attempt_id, user_id)
            if self._expired(record, now):
                return replace(await self._finish(tx, record, now), note=TIME_UP_NOTE)
            session, exam, pool = await self._state(tx, record)
            if not 0 <= position < len(session.question_ids):
                raise NotFound("That question isn't part of this mock.")
            qid = session.question_ids[position]
            question = _find(pool, qid)
            if question is None:
                raise NotFound("This question was removed from the bank. Abandon the mock and start a new one.")
            picked = tuple(sorted({c.strip().lower() for c in chosen if c and c.strip()}))
            if not picked or not set(picked) <= {o.id for o in question.options}:
                raise InvalidInput("Pick one of the options shown.")
            if question.type is QuestionType.MULTI and len(picked) != question.choose:
                raise InvalidInput(f"This question asks you to choose {question.choose}; you picked {len(picked)}.")
            session.answer(qid, picked, now)
            await MockAnswers(tx).save(
                attempt_id, question_id=qid, position=position, chosen=picked, changes=session.changes.get(qid, 0),
                flagged=qid in session.flags, answered_at=epoch,
            )
            await MockAttempts(tx).set_position(attempt_id, session.index, epoch)
            if record.mode == "strict" and not session.unanswered_ids():
                return await self._finish(tx, record, now)
            moved = replace(record, position=session.index)
            return self._question_view(moved, session, exam, pool, now)

    async def flag(self, attempt_id: int, user_id: int, position: int) -> MockStep:
        """Exam mode: toggle the review flag on the question at ``position``."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await self._load(tx, attempt_id, user_id)
            if self._expired(record, now):
                return replace(await self._finish(tx, record, now), note=TIME_UP_NOTE)
            session, exam, pool = await self._state(tx, record)
            if not 0 <= position < len(session.question_ids):
                raise NotFound("That question isn't part of this mock.")
            qid = session.question_ids[position]
            flagged = session.flag(qid, now)
            answers = await MockAnswers(tx).for_attempt(attempt_id)
            row = answers.get(qid)
            await MockAnswers(tx).save(
                attempt_id, question_id=qid, position=position, chosen=row.chosen if row else (),
                changes=row.changes if row else 0, flagged=flagged, answered_at=row.answered_at if row else None,
            )
            return self._question_view(record, session, exam, pool, now)

    async def move(self, attempt_id: int, user_id: int, action: str, position: int) -> MockStep:
        """Exam mode: go to the previous/next question, the next flagged or the next unanswered one."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await self._load(tx, attempt_id, user_id)
            if self._expired(record, now):
                return replace(await self._finish(tx, record, now), note=TIME_UP_NOTE)
            session, exam, pool = await self._state(tx, record)
            target = self._target(session, action, position)
            session.goto(target, now)
            await MockAttempts(tx).set_position(attempt_id, session.index, to_epoch(now))
            return self._question_view(replace(record, position=session.index), session, exam, pool, now)

    @staticmethod
    def _target(session: MockSession, action: str, position: int) -> int:
        ids = session.question_ids
        total = len(ids)
        if action == "goto":
            return position
        if action == "prev":
            return max(0, position - 1)
        if action == "next":
            return min(total - 1, position + 1)
        if action in ("flagged", "open"):
            wanted = [i for i, q in enumerate(ids)
                      if (q in session.flags if action == "flagged" else q not in session.answers)]
            if not wanted:
                what = "flagged" if action == "flagged" else "unanswered"
                raise NotFound(f"There are no {what} questions left.")
            later = [i for i in wanted if i > position]
            return later[0] if later else wanted[0]
        raise InvalidInput("That button isn't one I know.")

    async def submit(self, attempt_id: int, user_id: int) -> MockResultView:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await self._load(tx, attempt_id, user_id)
            return await self._finish(tx, record, now)

    async def abandon(self, guild_id: int, user_id: int) -> Abandoned:
        now = self.clock.now()
        epoch = to_epoch(now)
        async with self.db.transaction() as tx:
            record = await MockAttempts(tx).running_for(guild_id, user_id)
            if record is None:
                raise NotFound("You have no mock running, so there is nothing to abandon.")
            if self._expired(record, now):
                await self._finish(tx, record, now)
                raise Conflict("Time had already run out on that mock, so it was submitted instead of abandoned.",
                               hint="Your results are in your DMs, or with /mock resume.")
            answered = len(await MockAnswers(tx).for_attempt(record.id))
            await MockAttempts(tx).finish(record.id, status="abandoned", finished_at=epoch, raw_percent=None,
                                          result=None, now=epoch)
            await Deliveries(tx).cancel(key_prefix=attempt_key(record.id))
        return Abandoned(record.id, answered, len(record.question_ids), record.channel_id, record.message_id)

    # --- the clock ------------------------------------------------------------------------------
    async def time_out(self, attempt_id: int) -> MockResultView | None:
        """Auto-submit at the deadline; None when the mock already ended (or, oddly, isn't due yet)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            record = await MockAttempts(tx).get(attempt_id)
            if record is None or not record.running or not self._expired(record, now):
                return None
            return await self._finish(tx, record, now)

    async def countdown(self, attempt_id: int) -> MockQuestionView | None:
        """The question message as it should read now; None when the mock is no longer running."""
        now = self.clock.now()
        async with self.db.read() as tx:
            record = await MockAttempts(tx).get(attempt_id)
            if record is None or not record.running or self._expired(record, now):
                return None
            session, exam, pool = await self._state(tx, record)
            return self._question_view(record, session, exam, pool, now)

    # --- results --------------------------------------------------------------------------------
    async def _finish(self, tx: Tx, record: AttemptRecord, now: datetime) -> MockResultView:
        session, exam, pool = await self._state(tx, record)
        timed_out = session.finish(now)
        by_id = {q.id: q for q in pool}
        scoring = [
            MockQuestion.from_bank(by_id[qid]) if qid in by_id else MockQuestion(qid, "?", frozenset())
            for qid in session.question_ids
        ]
        score = session.score(scoring)
        assert session.finished_at is not None
        finished_epoch = to_epoch(session.finished_at)
        summary = {
            "raw_percent": score.raw_percent, "correct": score.correct, "total": score.total,
            "per_domain": {d: list(v) for d, v in score.per_domain.items()}, "unanswered": score.unanswered,
            "answers_changed": score.answers_changed, "time_used_seconds": int(score.time_used.total_seconds()),
            "timed_out": timed_out, "misses": score.misses,
            "answers": {q: sorted(a) for q, a in session.answers.items()},
        }
        status = "timed_out" if timed_out else "submitted"
        await MockAttempts(tx).finish(record.id, status=status, finished_at=finished_epoch,
                                      raw_percent=score.raw_percent, result=summary, now=to_epoch(now))
        await Deliveries(tx).cancel(key_prefix=attempt_key(record.id))
        # Only questions the member reached move mastery and cards: an unanswered question at the
        # deadline says the clock ran out, not that the topic is weak.
        context = await member_context(tx, record.guild_id, record.user_id, exam.code)
        for qid, given in session.answers.items():
            question = by_id.get(qid)
            if question is not None:
                await record_answer(tx, guild_id=record.guild_id, user_id=record.user_id, exam=exam,
                                    question=question, correct=question.is_correct(given), now=now, context=context)
        gate = await readiness_in(tx, record.guild_id, record.user_id, exam, self.catalogue, now)
        # A finished mock (often from a DM button, which no command listener sees) can change the board.
        await touch_in(tx, record.guild_id, now)
        counts = record.length == "full" and record.mode in COUNTING_MODES
        opened = False
        if counts and gate.readiness.just_opened:
            opened = await ReadinessNotices(tx).record(record.guild_id, record.user_id, exam.code, record.id,
                                                       to_epoch(now))
            if opened:
                await Deliveries(tx).schedule(
                    kind=KIND_READY, due_at=to_epoch(now), key=f"readiness:{record.id}:open", now=to_epoch(now),
                    guild_id=record.guild_id, user_id=record.user_id,
                    payload={"attempt_id": record.id, "exam_code": exam.code},
                )
        finished = replace(record, status=status, finished_at=finished_epoch, raw_percent=score.raw_percent,
                           result=summary)
        return self._result_view(finished, exam, pool, gate_opened=opened, gate=gate)

    def _result_view(self, record: AttemptRecord, exam: Exam, pool: Sequence[Question], *, gate_opened: bool,
                     gate: GateState) -> MockResultView:
        assert record.result is not None
        data = record.result
        pass_percent = pass_percent_for(exam)
        target = gate.readiness.threshold
        per_domain = []
        for d in exam.domains:
            entry = data["per_domain"].get(d.number)
            if entry is None:
                continue
            correct, total, percent = int(entry[0]), int(entry[1]), float(entry[2])
            per_domain.append(DomainResult(d.number, d.name, correct, total, percent, target, percent >= target))
        answers = data.get("answers") or {}
        misses = []
        for qid in data["misses"]:
            question = _find(pool, qid)
            if question is None:
                continue
            found = match_domain(exam.domains, question.domain)
            given = answers.get(qid) or []
            misses.append(MissView(
                position=record.question_ids.index(qid), question_id=qid,
                domain_name=found.name if found else question.domain, stem=question.stem,
                chosen_text=tuple(_option_text(question, c) for c in given),
                answer_text=tuple(_option_text(question, c) for c in sorted(question.answer)),
                explanation=question.explanation, reference=question.reference,
            ))
        raw = float(data["raw_percent"])
        counts = record.length == "full" and record.mode in COUNTING_MODES
        return MockResultView(
            attempt_id=record.id, guild_id=record.guild_id, user_id=record.user_id, exam_code=exam.code,
            exam_name=exam.name, length=record.length, mode=record.mode, status=record.status, raw_percent=raw,
            correct=int(data["correct"]), total=int(data["total"]), estimate=estimate_scaled_score(exam, raw),
            passing_score=exam.passing_score, pass_percent=pass_percent, passed=raw >= pass_percent, target=target,
            per_domain=tuple(per_domain), time_used=timedelta(seconds=int(data["time_used_seconds"])),
            duration_minutes=record.duration_minutes, unanswered=int(data["unanswered"]),
            answers_changed=int(data["answers_changed"]), misses=tuple(misses), counts_for_readiness=counts,
            readiness_text=gate.readiness.missing_text, ready=gate.readiness.ready, gate_opened=gate_opened,
            booked_warning=gate.readiness.warn_booked_before_ready, shown_in=record.shown_in,
            channel_id=record.channel_id, message_id=record.message_id,
        )

    async def result(self, attempt_id: int, user_id: int) -> MockResultView:
        """The results of a finished mock (for the review pages)."""
        now = self.clock.now()
        async with self.db.read() as tx:
            record = await MockAttempts(tx).get(attempt_id)
            if record is None:
                raise NotFound("This mock no longer exists.")
            if record.user_id != user_id:
                raise NotAllowed("This is someone else's mock.")
            if record.result is None:
                raise Conflict("This mock has no results: it is still running or was abandoned.")
            exam = self._exam_of(record)
            pool = await question_pool(tx, record.guild_id, exam, self.shipped())
            gate = await readiness_in(tx, record.guild_id, record.user_id, exam, self.catalogue, now)
        return self._result_view(record, exam, pool, gate_opened=False, gate=gate)

    async def timed_out_result(self, attempt_id: int) -> MockResultView | None:
        """The results of a mock the clock submitted (for re-sending them after a failed delivery)."""
        async with self.db.read() as tx:
            record = await MockAttempts(tx).get(attempt_id)
        if record is None or record.status != "timed_out":
            return None
        return await self.result(attempt_id, record.user_id)

    async def last_result(self, guild_id: int, user_id: int) -> MockResultView | None:
        """The member's latest scored mock, if their latest mock was scored."""
        async with self.db.read() as tx:
            record = await MockAttempts(tx).latest_for(guild_id, user_id)
        if record is None or record.result is None:
            return None
        return await self.result(record.id, user_id)

    async def ready_notice(self, attempt_id: int) -> MockResultView | None:
        """What the one-time "the gate is open" message says; None when the mock is gone."""
        async with self.db.read() as tx:
            record = await MockAttempts(tx).get(attempt_id)
        if record is None or record.result is None:
            return None
        return await self.result(attempt_id, record.user_id)

    # --- for /gaps ------------------------------------------------------------------------------
    async def domain_accuracy(self, guild_id: int, user_id: int, exam_code: str) -> dict[str, tuple[int, int]]:
        """Correct and total answers per domain across the member's scored mocks (timed conditions)."""
        async with self.db.read() as tx:
            return await MockAttempts(tx).domain_tallies(guild_id, user_id, exam_code)
