"""Group quiz rounds in a channel: join, answer privately, reveal, scoreboard.

A round's whole state is in the database, and every timer is a scheduled delivery of kind
``quiz_reveal`` (due when joining closes or a question's time is up). ``advance`` is what that
delivery runs: it reveals the question just asked, counts every answer toward the member's mastery
and review cards, and asks the next question or ends the round. It acts only when the round is still
at the position the delivery was scheduled for, so a repeated or late delivery changes nothing.

A step is committed before it is posted, so a crash in between leaves a delivery that finds the round
moved on. ``committed_step`` re-renders, without writing, what ``advance`` committed for that position,
so the retried delivery posts it again (with the same nonces, which lets Discord drop a copy that arrived).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import to_epoch
from bot.db.connection import Tx
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.practice import Answers, Cards, Mastery
from bot.db.repositories.quiz import QuizRounds, RoundRecord
from bot.domain.banks import Question, QuestionType
from bot.domain.exams import Exam
from bot.domain.mastery import DomainMastery
from bot.domain.review import ReviewState
from bot.domain.selection import domain_key, select_questions
from bot.domain.text import match_domain
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.banks import question_pool
from bot.services.content import ContentService
from bot.services.practice import MemberContext, answer_effect, starting_mastery

QUIZ_REVEAL = "quiz_reveal"
JOIN_SECONDS = 60
DEFAULT_QUESTIONS = 5
MAX_QUESTIONS = 20
DEFAULT_SECONDS = 30
MIN_SECONDS = 10
MAX_SECONDS = 300


NO_QUESTIONS_NOTE = "I couldn't find questions for that focus, so the round ends here."


def reveal_key(round_id: int, position: int) -> str:
    return f"quiz:{round_id}:{position}"


@dataclass(frozen=True)
class LobbyView:
    round_id: int
    exam_code: str
    exam_name: str
    question_count: int
    seconds: int
    focus: str | None  # "2.0 Threats, Vulnerabilities and Mitigations", or None for the group's weak spots
    join_ends_at: int
    started_by: int


@dataclass(frozen=True)
class JoinView:
    round_id: int
    newly_joined: bool
    participants: int
    status: str


@dataclass(frozen=True)
class QuizQuestionView:
    round_id: int
    position: int
    total: int
    exam_code: str
    domain_name: str
    stem: str
    options: tuple[tuple[str, str], ...]
    ends_at: int
    seconds: int


@dataclass(frozen=True)
class LockedView:
    round_id: int
    position: int
    choice: str
    option_text: str
    changed: bool
    ends_at: int


@dataclass(frozen=True)
class RevealView:
    round_id: int
    position: int
    total: int
    stem: str
    answer: str
    answer_text: str
    explanation: str
    distribution: tuple[tuple[str, str, int], ...]  # (option id, text, how many chose it)
    correct_users: tuple[int, ...]
    answered: int


@dataclass(frozen=True)
class ScoreboardView:
    round_id: int
    exam_code: str
    rows: tuple[tuple[int, int], ...]  # (user id, points), best first
    asked: int
    total: int
    stopped: bool


@dataclass(frozen=True)
class StepView:
    round_id: int
    channel_id: int
    reveal: RevealView | None
    next_question: QuizQuestionView | None
    scoreboard: ScoreboardView | None
    note: str | None = None


class QuizService(ContentService):
    """Uses ``self.catalogue`` and ``self.shipped()`` from ``ContentService``."""

    async def _pool(self, tx: Tx, guild_id: int, exam: Exam) -> tuple[Question, ...]:
        # Everyone answers with one button, so group rounds use single-answer questions.
        pool = await question_pool(tx, guild_id, exam, self.shipped())
        return tuple(q for q in pool if q.type is QuestionType.SINGLE)

    # --- /quiz start ----------------------------------------------------------------------------
    async def start(
        self, guild_id: int, channel_id: int, user_id: int, *, exam_code: str | None = None,
        questions: int | None = None, seconds: int | None = None, focus: str | None = None,
    ) -> LobbyView:
        questions = DEFAULT_QUESTIONS if questions is None else questions
        seconds = DEFAULT_SECONDS if seconds is None else seconds
        if not 1 <= questions <= MAX_QUESTIONS:
            raise InvalidInput(f"A round can have 1 to {MAX_QUESTIONS} questions, not {questions}.")
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise InvalidInput(f"Give each question {MIN_SECONDS} to {MAX_SECONDS} seconds, not {seconds}.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            rounds = QuizRounds(tx)
            if await rounds.live_in_channel(channel_id) is not None:
                raise Conflict("A quiz round is already running in this channel.",
                               hint="Join it, or wait for its scoreboard. The starter or a moderator can "
                                    "/quiz stop it.")
            exam = await self._exam(tx, guild_id, user_id, exam_code)
            focus_number = self._focus(exam, focus)
            if not await self._pool(tx, guild_id, exam):
                raise NotFound(f"There are no questions for {exam.code} yet.",
                               hint="A moderator can add a bank with /bank import.")
            await Members(tx).ensure(guild_id, user_id, now)
            join_ends = now + JOIN_SECONDS
            round_id = await rounds.create(
                guild_id=guild_id, channel_id=channel_id, started_by=user_id, exam_code=exam.code,
                focus_domain=focus_number, question_count=questions, seconds=seconds, phase_ends_at=join_ends, now=now,
            )
            await rounds.join(round_id, guild_id, user_id, now)
            await Deliveries(tx).schedule(
                kind=QUIZ_REVEAL, due_at=join_ends, key=reveal_key(round_id, -1), now=now, guild_id=guild_id,
                target_id=channel_id, payload={"round_id": round_id, "position": -1},
            )
        found = match_domain(exam.domains, focus_number) if focus_number else None
        return LobbyView(round_id, exam.code, exam.name, questions, seconds,
                         f"{found.number} {found.name}" if found else None, join_ends, user_id)

    async def _exam(self, tx: Tx, guild_id: int, user_id: int, exam_code: str | None) -> Exam:
        if exam_code and exam_code.strip():
            return self.catalogue.require(exam_code)
        active = await Exams(tx).active(guild_id, user_id)
        if active is None:
            raise NotFound("Which exam should the round be about?", hint="Name it: /quiz start exam:SY0-701.")
        return self.catalogue.require(active.exam_code)

    @staticmethod
    def _focus(exam: Exam, focus: str | None) -> str | None:
        if focus is None or not focus.strip():
            return None
        found = match_domain(exam.domains, focus)
        if found is None:
            listed = ", ".join(f"{d.number} {d.name}" for d in exam.domains)
            raise InvalidInput(f"{exam.code} has no domain called {focus.strip()!r}.", hint=f"Its domains: {listed}.")
        return found.number

    # --- joining and answering ------------------------------------------------------------------
    @staticmethod
    def _live(record: RoundRecord | None, guild_id: int) -> RoundRecord:
        if record is None or record.guild_id != guild_id:
            raise NotFound("This quiz round no longer exists.")
        if not record.live:
            raise Conflict("This quiz round has ended; its scoreboard is in the channel.")
        return record

    async def join(self, round_id: int, guild_id: int, user_id: int) -> JoinView:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            rounds = QuizRounds(tx)
            seen = await rounds.for_member(round_id, user_id, count=True)
            record = self._live(seen.round if seen else None, guild_id)
            assert seen is not None
            if seen.joined:
                return JoinView(round_id, False, seen.participants, record.status)
            await Members(tx).ensure(guild_id, user_id, now)
            await rounds.join(round_id, guild_id, user_id, now)
        # BEGIN IMMEDIATE took SQLite's write lock before the count, so nobody joined between it and the insert.
        return JoinView(round_id, True, seen.participants + 1, record.status)

    async def answer(self, round_id: int, guild_id: int, user_id: int, position: int, choice: str) -> LockedView:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            rounds = QuizRounds(tx)
            seen = await rounds.for_member(round_id, user_id)
            record = self._live(seen.round if seen else None, guild_id)
            assert seen is not None
            if record.status != "asking" or position != record.position or now >= record.phase_ends_at:
                raise Conflict("Time's up for that question; the answer is revealed in the channel.")
            exam = self.catalogue.require(record.exam_code)
            question = _find(await self._pool(tx, guild_id, exam), record.question_ids[position])
            option = question.option(choice.strip().lower())
            if option is None:
                raise InvalidInput("Pick one of the options shown.")
            if not seen.joined:
                await Members(tx).ensure(guild_id, user_id, now)
                await rounds.join(round_id, guild_id, user_id, now)
            await rounds.set_answer(round_id, position, user_id, option.id, now)
        return LockedView(round_id, position, option.id, option.text, seen.choice is not None, record.phase_ends_at)

    # --- the timer ------------------------------------------------------------------------------
    async def advance(self, round_id: int, position: int) -> StepView | None:
        """Close joining or the current question; None when the round has moved on already."""
        now_dt = self.clock.now()
        now = to_epoch(now_dt)
        async with self.db.transaction() as tx:
            rounds = QuizRounds(tx)
            record = await rounds.get(round_id)
            if record is None or not record.live or record.position != position:
                return None
            exam = self.catalogue.require(record.exam_code)
            pool = await self._pool(tx, record.guild_id, exam)
            if record.status == "joining":
                return await self._begin(tx, record, exam, pool, now)
            question = _find(pool, record.question_ids[position])
            reveal = await self._reveal(tx, record, exam, question, now_dt)
            if position + 1 < len(record.question_ids):
                nxt = position + 1
                ends = now + record.seconds
                await rounds.move_to(round_id, nxt, ends)
                await self._schedule(tx, record, nxt, ends, now)
                view = _question_view(record, exam, _find(pool, record.question_ids[nxt]), nxt, ends)
                return StepView(round_id, record.channel_id, reveal, view, None)
            await rounds.end(round_id, "finished", now)
            board = await self._scoreboard(tx, record, asked=len(record.question_ids), stopped=False)
            return StepView(round_id, record.channel_id, reveal, None, board)

    async def _schedule(self, tx: Tx, record: RoundRecord, position: int, due: int, now: int) -> None:
        await Deliveries(tx).schedule(
            kind=QUIZ_REVEAL, due_at=due, key=reveal_key(record.id, position), now=now, guild_id=record.guild_id,
            target_id=record.channel_id, payload={"round_id": record.id, "position": position},
        )

    async def _begin(
        self, tx: Tx, record: RoundRecord, exam: Exam, pool: tuple[Question, ...], now: int
    ) -> StepView:
        rounds = QuizRounds(tx)
        people = await rounds.participants(record.id)
        stored = await rounds.participant_mastery(record.id, record.guild_id, exam.code)
        reports = await rounds.report_percents(record.id, record.guild_id, exam.code)
        # The round aims at the weak spots the people who joined share: their mastery, averaged.
        totals: dict[str, float] = {}
        for person in people:
            own = stored.get(person.user_id, {})
            context = _context(None, reports.get(person.user_id, {}))
            for d in exam.domains:
                value = own[d.number] if d.number in own else starting_mastery(d.number, context).mastery
                totals[d.number] = totals.get(d.number, 0.0) + value
        mastery = {d: v / max(1, len(people)) for d, v in totals.items()}
        weights = {d.number: d.planning_weight for d in exam.domains}
        chosen = select_questions(pool, mastery=mastery, weights=weights, count=record.question_count,
                                  rng=self._rng(), focus_domain=record.focus_domain)
        if not chosen:
            await rounds.end(record.id, "finished", now)
            board = await self._scoreboard(tx, record, asked=0, stopped=False)
            return StepView(record.id, record.channel_id, None, None, board, note=NO_QUESTIONS_NOTE)
        ends = now + record.seconds
        await rounds.begin(record.id, [q.id for q in chosen], ends)
        await self._schedule(tx, record, 0, ends, now)
        started = await rounds.get(record.id)
        assert started is not None
        return StepView(record.id, record.channel_id, None, _question_view(started, exam, chosen[0], 0, ends), None)

    async def _reveal(
        self, tx: Tx, record: RoundRecord, exam: Exam, question: Question, now_dt: datetime
    ) -> RevealView:
        """Count every answer to the current question (points, mastery, review cards, answer rows), all at once."""
        rounds = QuizRounds(tx)
        states = await rounds.answer_states(record.id, record.position, guild_id=record.guild_id,
                                            exam_code=exam.code, question_id=question.id, domain=question.domain)
        needs_report = any(s.mastery is None for s in states)
        reports = (await rounds.report_percents(record.id, record.guild_id, exam.code, position=record.position)
                   if needs_report else {})
        masteries: list[tuple[int, DomainMastery]] = []
        cards: list[tuple[int, ReviewState]] = []
        answers: list[tuple[int, tuple[str, ...], bool]] = []
        for state in states:
            correct = question.is_correct([state.choice])
            context = _context(state.booked_date, reports.get(state.user_id, {}))
            effect = answer_effect(question, correct, stored=state.mastery, card=state.card, now=now_dt,
                                   context=context)
            masteries.append((state.user_id, effect.mastery))
            if effect.card is not None:
                cards.append((state.user_id, effect.card))
            answers.append((state.user_id, (state.choice,), correct))
        correct_users = [user_id for user_id, _, correct in answers if correct]
        now = to_epoch(now_dt)
        if correct_users:
            await rounds.add_points(record.id, correct_users)
        await Mastery(tx).save_many(record.guild_id, exam.code, masteries, now)
        await Cards(tx).save_many(record.guild_id, exam.code, cards, now)
        await Answers(tx).add_many(guild_id=record.guild_id, exam_code=exam.code, question_id=question.id,
                                   domain=question.domain, position=record.position, answers=answers, now=now,
                                   round_id=record.id)
        return _reveal_view(record, record.position, question, {s.user_id: s.choice for s in states})

    async def _scoreboard(self, tx: Tx, record: RoundRecord, *, asked: int, stopped: bool) -> ScoreboardView:
        people = await QuizRounds(tx).participants(record.id)
        return ScoreboardView(record.id, record.exam_code, tuple((p.user_id, p.score) for p in people), asked,
                              len(record.question_ids), stopped)

    # --- after a crash between committing a step and posting it ------------------------------------
    async def committed_step(self, round_id: int, position: int) -> StepView | None:
        """What ``advance`` committed for ``position``, re-rendered without writing; None when it committed nothing
        (the round was stopped or never got there) or there is nothing left worth posting."""
        async with self.db.read() as tx:
            rounds = QuizRounds(tx)
            record = await rounds.get(round_id)
            if record is None or record.status == "stopped":
                # Stopping posted its own scoreboard; a late reveal after it would read as the round going on.
                return None
            committed = record.status == "finished" or (record.status == "asking" and record.position > position)
            if not committed:
                return None
            final = record.status == "finished" and record.position == position
            asking_next = record.status == "asking" and record.position == position + 1
            exam = self.catalogue.require(record.exam_code)
            pool = await self._pool(tx, record.guild_id, exam)
            reveal = None
            if position >= 0:
                answers = await rounds.answers(record.id, position)
                reveal = _reveal_view(record, position, _find(pool, record.question_ids[position]), answers)
            question = None
            if asking_next:
                question = _question_view(record, exam, _find(pool, record.question_ids[record.position]),
                                          record.position, record.phase_ends_at)
            board = await self._scoreboard(tx, record, asked=len(record.question_ids), stopped=False) if final else None
        if reveal is None and question is None and board is None:
            return None
        note = NO_QUESTIONS_NOTE if final and position == -1 else None
        return StepView(record.id, record.channel_id, reveal, question, board, note=note)

    # --- /quiz stop -----------------------------------------------------------------------------
    async def stop(self, guild_id: int, channel_id: int, user_id: int, *, is_moderator: bool) -> ScoreboardView:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            rounds = QuizRounds(tx)
            record = await rounds.live_in_channel(channel_id)
            if record is None or record.guild_id != guild_id:
                raise NotFound("There is no quiz round running in this channel.")
            if record.started_by != user_id and not is_moderator:
                raise NotAllowed("Only the member who started this round, or a moderator, can stop it.")
            await rounds.end(record.id, "stopped", now)
            await Deliveries(tx).cancel(key_prefix=f"quiz:{record.id}:")
            asked = record.position if record.status == "asking" else 0
            return await self._scoreboard(tx, record, asked=asked, stopped=True)

    async def round_status(self, round_id: int) -> RoundRecord | None:
        async with self.db.read() as tx:
            return await QuizRounds(tx).get(round_id)


def _question_view(record: RoundRecord, exam: Exam, question: Question, position: int, ends: int) -> QuizQuestionView:
    found = match_domain(exam.domains, question.domain)
    return QuizQuestionView(
        round_id=record.id, position=position, total=len(record.question_ids) or record.question_count,
        exam_code=exam.code, domain_name=found.name if found else question.domain, stem=question.stem,
        options=tuple((o.id, o.text) for o in question.options), ends_at=ends, seconds=record.seconds,
    )


def _find(pool: tuple[Question, ...], question_id: str) -> Question:
    for q in pool:
        if q.id == question_id:
            return q
    raise NotFound("That question is no longer in the bank.")


def _context(booked_date: str | None, report_percents: Mapping[str, float]) -> MemberContext:
    """The member's context as ``bot.services.practice.member_context`` builds it, from rows read for everyone."""
    return MemberContext(
        exam_date=date.fromisoformat(booked_date) if booked_date else None,
        report_percents={domain_key(k): v for k, v in report_percents.items()},
    )


def _reveal_view(record: RoundRecord, position: int, question: Question, answers: Mapping[int, str]) -> RevealView:
    counts = Counter(answers.values())
    answer = next(iter(question.answer))
    option = question.option(answer)
    correct_users = tuple(user_id for user_id, choice in sorted(answers.items()) if question.is_correct([choice]))
    return RevealView(
        round_id=record.id, position=position, total=len(record.question_ids), stem=question.stem,
        answer=answer, answer_text=option.text if option else answer, explanation=question.explanation,
        distribution=tuple((o.id, o.text, counts.get(o.id, 0)) for o in question.options),
        correct_users=correct_users, answered=len(answers),
    )
