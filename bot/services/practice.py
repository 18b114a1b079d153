"""Solo practice (/practice), the "why did you miss it?" prompt, leech rules and /gaps.

A session is a fixed list of questions drawn when it starts: due review cards first, then weighted
toward weak domains (``bot.domain.selection``). It moves asking -> (why, after a miss) -> feedback ->
the next question, one stored step per click, so buttons keep working across a restart and an old
button can tell exactly what already happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import from_epoch, to_epoch
from bot.db.connection import Tx
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import MockAttempts
from bot.db.repositories.practice import Answers, Cards, Mastery, SessionRecord, Sessions
from bot.domain.answer_effect import AnswerEffect, count_answer
from bot.domain.banks import Question, QuestionType
from bot.domain.exams import Exam
from bot.domain.mastery import DomainMastery, initial_mastery
from bot.domain.review import (
    BASE_RETENTION,
    MissReason,
    ReviewState,
    due_order,
    error_pattern,
    is_leech,
    needs_rule,
    review_mode,
    with_rule,
)
from bot.domain.selection import domain_key, select_questions
from bot.domain.text import match_domain
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.banks import question_pool
from bot.services.content import ContentService

DEFAULT_COUNT = 10
MAX_COUNT = 25
# A session left this long is over; its buttons say so instead of resuming a stale context.
SESSION_TTL = timedelta(hours=12)


# --- shared with quiz rounds ----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberContext:
    """What an answer needs to know about the member: their exam date and score-report starting points."""

    exam_date: date | None
    report_percents: Mapping[str, float]
    desired_retention: float = BASE_RETENTION


async def member_context(tx: Tx, guild_id: int, user_id: int, exam_code: str) -> MemberContext:
    exams = Exams(tx)
    record = await exams.get(guild_id, user_id, exam_code)
    exam_date = date.fromisoformat(record.booked_date) if record and record.booked_date else None
    report = await exams.latest_report(guild_id, user_id, exam_code)
    percents = {domain_key(k): v for k, v in (report.estimated_percents() if report else {}).items()}
    return MemberContext(exam_date=exam_date, report_percents=percents)


def starting_mastery(domain: str, context: MemberContext) -> DomainMastery:
    return DomainMastery.from_score(domain, context.report_percents.get(domain_key(domain)))


def answer_effect(
    question: Question, correct: bool, *, stored: DomainMastery | None, card: ReviewState | None, now: datetime,
    context: MemberContext,
) -> AnswerEffect:
    """``count_answer`` for a member in ``context``: with no stored mastery the domain starts from their report."""
    return count_answer(question, correct, mastery=stored or starting_mastery(question.domain, context), card=card,
                        now=now, desired_retention=context.desired_retention, exam_date=context.exam_date)


async def mastery_by_domain(
    tx: Tx, guild_id: int, user_id: int, exam: Exam, context: MemberContext
) -> dict[str, float]:
    stored = await Mastery(tx).for_exam(guild_id, user_id, exam.code)
    return {
        d.number: stored[d.number].mastery if d.number in stored else starting_mastery(d.number, context).mastery
        for d in exam.domains
    }


async def record_answer(
    tx: Tx, *, guild_id: int, user_id: int, exam: Exam, question: Question, correct: bool, now: datetime,
    context: MemberContext,
) -> tuple[DomainMastery, ReviewState | None]:
    """Move the member's mastery for the question's domain and its review card (``count_answer`` decides how)."""
    epoch = to_epoch(now)
    mastery = Mastery(tx)
    cards = Cards(tx)
    stored = await mastery.for_exam(guild_id, user_id, exam.code)
    card = await cards.get(guild_id, user_id, exam.code, question.id)
    effect = answer_effect(question, correct, stored=stored.get(question.domain), card=card, now=now, context=context)
    await mastery.save(guild_id, user_id, exam.code, effect.mastery, epoch)
    if effect.card is not None:
        await cards.save(guild_id, user_id, exam.code, effect.card, epoch)
    return effect.mastery, effect.card


# --- view models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    session_id: int
    position: int  # 0-based
    total: int
    question_id: str
    exam_code: str
    domain: str
    domain_name: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (id, text)
    multi: bool
    choose: int
    is_review: bool  # a review card that was due
    explanation_first: str | None  # set for a leech: read the why before answering
    rule: str | None  # the member's own rule for a leech, when written


@dataclass(frozen=True)
class FeedbackView:
    session_id: int
    position: int
    total: int
    correct: bool
    chosen: tuple[str, ...]
    answer: tuple[str, ...]
    answer_text: tuple[str, ...]
    explanation: str
    rationale: tuple[tuple[str, str], ...]  # why the wrong options chosen are wrong
    reference: str | None
    domain_name: str
    mastery_percent: int
    ask_why: bool
    ask_rule: bool
    is_last: bool


@dataclass(frozen=True)
class WhyView:
    session_id: int
    position: int
    reason: str
    remedy: str
    ask_rule: bool
    is_last: bool


@dataclass(frozen=True)
class RuleView:
    question_id: str
    rule: str


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    exam_code: str
    answered: int
    correct: int
    due_reviews: int


@dataclass(frozen=True)
class DomainGap:
    number: str
    name: str
    weight_text: str
    percent: int
    answered: int
    correct: int
    from_report: bool  # the estimate still rests on the score report (no practice yet)
    practice_accuracy: int | None = None  # % right in relaxed practice (untimed, open notes)
    mock_accuracy: int | None = None  # % right in mocks under exam conditions


@dataclass(frozen=True)
class GapsView:
    exam_code: str
    exam_name: str
    domains: tuple[DomainGap, ...]  # weakest first
    pattern: tuple[str, ...]  # "40% of your misses are misreads: slow down on stems ..."
    misses_explained: int
    due_reviews: int
    leeches: int
    exam_date: date | None


# --- the service ----------------------------------------------------------------------------------


class PracticeService(ContentService):
    """Uses ``self.catalogue`` and ``self.shipped()`` from ``ContentService``."""

    async def _active_exam(self, tx: Tx, guild_id: int, user_id: int) -> Exam:
        active = await Exams(tx).active(guild_id, user_id)
        if active is None:
            raise NotFound(
                "I don't know which exam you're preparing for yet.",
                hint="Tell me with /exam first, then practice will follow your weak domains.",
            )
        return self.catalogue.require(active.exam_code)

    # --- /practice ------------------------------------------------------------------------------
    async def start(
        self, guild_id: int, user_id: int, *, domain: str | None = None, count: int | None = None
    ) -> QuestionView:
        count = DEFAULT_COUNT if count is None else count
        if not 1 <= count <= MAX_COUNT:
            raise InvalidInput(f"A session can have 1 to {MAX_COUNT} questions, not {count}.")
        now = self.clock.now()
        async with self.db.read() as tx:
            exam = await self._active_exam(tx, guild_id, user_id)
            focus = self._focus(exam, domain)
            pool = await question_pool(tx, guild_id, exam, self.shipped())
            context = await member_context(tx, guild_id, user_id, exam.code)
            mastery = await mastery_by_domain(tx, guild_id, user_id, exam, context)
            cards = await Cards(tx).for_exam(guild_id, user_id, exam.code)
        if not pool:
            raise NotFound(f"There are no questions for {exam.code} yet.",
                           hint="A moderator can add a bank with /bank import, or propose one with /question propose.")
        due = due_order(cards, now, context.exam_date)
        weights = {d.number: d.planning_weight for d in exam.domains}
        chosen = select_questions(pool, mastery=mastery, weights=weights, count=count, due_ids=due,
                                  rng=self._rng(), focus_domain=focus)
        if not chosen:
            raise NotFound(f"There are no questions for domain {focus} of {exam.code} yet.",
                           hint="Try /practice without a domain.")
        epoch = to_epoch(now)
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, epoch)
            sessions = Sessions(tx)
            await sessions.replace_live(guild_id, user_id, epoch)
            session_id = await sessions.create(guild_id, user_id, exam.code, focus, [q.id for q in chosen], epoch)
            session = await sessions.get(session_id)
            assert session is not None
            return await self._question_view(tx, session, exam, pool, set(due))

    @staticmethod
    def _focus(exam: Exam, domain: str | None) -> str | None:
        if domain is None or not domain.strip():
            return None
        found = match_domain(exam.domains, domain)
        if found is None:
            listed = ", ".join(f"{d.number} {d.name}" for d in exam.domains)
            raise InvalidInput(f"{exam.code} has no domain called {domain.strip()!r}.", hint=f"Its domains: {listed}.")
        return found.number

    async def _question_view(
        self, tx: Tx, session: SessionRecord, exam: Exam, pool: tuple[Question, ...], due_ids: set[str] | None = None
    ) -> QuestionView:
        question = _find(pool, session.question_ids[session.position])
        card = await Cards(tx).get(session.guild_id, session.user_id, exam.code, question.id)
        if due_ids is None:
            due_ids = set(due_order([card], self.clock.now())) if card else set()
        leech = card is not None and review_mode(card) == "explanation_first"
        found = match_domain(exam.domains, question.domain)
        return QuestionView(
            session_id=session.id, position=session.position, total=len(session.question_ids),
            question_id=question.id, exam_code=exam.code, domain=question.domain,
            domain_name=found.name if found else question.domain, stem=question.stem,
            options=tuple((o.id, o.text) for o in question.options), multi=question.type is QuestionType.MULTI,
            choose=question.choose, is_review=question.id in due_ids,
            explanation_first=question.explanation if leech else None, rule=card.rule if card else None,
        )

    async def _load(self, tx: Tx, session_id: int, user_id: int) -> tuple[SessionRecord, Exam, tuple[Question, ...]]:
        session = await Sessions(tx).get(session_id)
        if session is None:
            raise NotFound("This practice session no longer exists. Start a new one with /practice.")
        if session.user_id != user_id:
            raise NotAllowed("This is someone else's practice session. Start your own with /practice.")
        if session.stage == "replaced":
            raise Conflict("You started a newer session, so this one was closed. Use the newest one.")
        if session.stage == "finished":
            raise Conflict("This session is finished. Start another with /practice whenever you like.")
        if self.clock.now() - from_epoch(session.updated_at) > SESSION_TTL:
            raise Conflict("This session expired after a long pause. Start a fresh one with /practice.")
        exam = self.catalogue.require(session.exam_code)
        pool = await question_pool(tx, session.guild_id, exam, self.shipped())
        return session, exam, pool

    @staticmethod
    def _expect(session: SessionRecord, position: int, stage: str) -> None:
        if position != session.position or session.stage != stage:
            if position < session.position or (position == session.position and stage == "asking"):
                raise Conflict("You already answered this question; your answer stands.")
            raise Conflict("That button is from another step of this session; use the latest message.")

    async def current(self, session_id: int, user_id: int) -> QuestionView:
        async with self.db.read() as tx:
            session, exam, pool = await self._load(tx, session_id, user_id)
            if session.stage != "asking":
                raise Conflict("Finish this question first: the buttons under it are still waiting.")
            return await self._question_view(tx, session, exam, pool)

    async def answer(self, session_id: int, user_id: int, position: int, chosen: list[str]) -> FeedbackView:
        now = self.clock.now()
        epoch = to_epoch(now)
        async with self.db.transaction() as tx:
            session, exam, pool = await self._load(tx, session_id, user_id)
            self._expect(session, position, "asking")
            question = _find(pool, session.question_ids[position])
            picked = tuple(sorted({c.strip().lower() for c in chosen}))
            known = {o.id for o in question.options}
            if not picked or not set(picked) <= known:
                raise InvalidInput("Pick one of the options shown.")
            if question.type is QuestionType.MULTI and len(picked) != question.choose:
                raise InvalidInput(f"This question asks you to choose {question.choose}; you picked {len(picked)}.")
            correct = question.is_correct(picked)
            context = await member_context(tx, session.guild_id, user_id, exam.code)
            mastery, card = await record_answer(
                tx, guild_id=session.guild_id, user_id=user_id, exam=exam, question=question, correct=correct,
                now=now, context=context,
            )
            await Answers(tx).add(
                guild_id=session.guild_id, user_id=user_id, exam_code=exam.code, question_id=question.id,
                domain=question.domain, position=position, chosen=picked, correct=correct, now=epoch,
                session_id=session.id,
            )
            await Sessions(tx).set_stage(session.id, stage="feedback" if correct else "why", position=position,
                                         now=epoch, answered=1, correct=int(correct))
        found = match_domain(exam.domains, question.domain)
        return FeedbackView(
            session_id=session.id, position=position, total=len(session.question_ids), correct=correct,
            chosen=picked, answer=tuple(sorted(question.answer)),
            answer_text=tuple(f"{o.id.upper()}) {o.text}" for o in question.options if o.id in question.answer),
            explanation=question.explanation,
            rationale=tuple((c, question.rationale[c]) for c in picked if c in question.rationale),
            reference=question.reference, domain_name=found.name if found else question.domain,
            mastery_percent=mastery.percent, ask_why=not correct,
            ask_rule=card is not None and needs_rule(card), is_last=position + 1 >= len(session.question_ids),
        )

    async def explain_miss(self, session_id: int, user_id: int, position: int, reason: str) -> WhyView:
        try:
            why = MissReason(reason)
        except ValueError as exc:
            raise InvalidInput("Pick one of the reasons shown.") from exc
        epoch = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            session, exam, _ = await self._load(tx, session_id, user_id)
            if position == session.position and session.stage == "feedback":
                raise Conflict("You already told me why you missed this one; thank you.")
            self._expect(session, position, "why")
            answers = Answers(tx)
            record = await answers.for_session(session.id, position)
            assert record is not None
            await answers.set_reason(record.id, why.value)
            await Sessions(tx).set_stage(session.id, stage="feedback", position=position, now=epoch)
            card = await Cards(tx).get(session.guild_id, user_id, exam.code, record.question_id)
        return WhyView(
            session_id=session.id, position=position, reason=why.label, remedy=why.remedy,
            ask_rule=card is not None and needs_rule(card), is_last=position + 1 >= len(session.question_ids),
        )

    async def next(self, session_id: int, user_id: int, position: int) -> QuestionView | SessionSummary:
        epoch = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            session, exam, pool = await self._load(tx, session_id, user_id)
            if position == session.position and session.stage == "why":
                raise Conflict("Tell me why you missed it first: one tap on the reasons above.")
            self._expect(session, position, "feedback")
            sessions = Sessions(tx)
            if position + 1 >= len(session.question_ids):
                await sessions.set_stage(session.id, stage="finished", position=position, now=epoch)
                cards = await Cards(tx).for_exam(session.guild_id, user_id, exam.code)
                context = await member_context(tx, session.guild_id, user_id, exam.code)
                due = due_order(cards, self.clock.now() + timedelta(days=1), context.exam_date)
                return SessionSummary(session.id, exam.code, session.answered, session.correct, len(due))
            await sessions.set_stage(session.id, stage="asking", position=position + 1, now=epoch)
            moved = await sessions.get(session.id)
            assert moved is not None
            return await self._question_view(tx, moved, exam, pool)

    async def save_rule(self, session_id: int, user_id: int, position: int, text: str) -> RuleView:
        """The member's own one-line rule for a leech question of this session."""
        epoch = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            session = await Sessions(tx).get(session_id)
            if session is None or session.user_id != user_id:
                raise NotAllowed("This is someone else's practice session.")
            if not 0 <= position < len(session.question_ids):
                raise NotFound("That question is not part of this session.")
            qid = session.question_ids[position]
            cards = Cards(tx)
            card = await cards.get(session.guild_id, user_id, session.exam_code, qid)
            if card is None or not is_leech(card):
                raise Conflict("This question doesn't need a rule of your own; you're doing fine with it.")
            updated = with_rule(card, text)
            await cards.save(session.guild_id, user_id, session.exam_code, updated, epoch)
        assert updated.rule is not None
        return RuleView(qid, updated.rule)

    # --- /gaps ----------------------------------------------------------------------------------
    async def gaps(self, guild_id: int, user_id: int) -> GapsView:
        now = self.clock.now()
        async with self.db.read() as tx:
            exam = await self._active_exam(tx, guild_id, user_id)
            context = await member_context(tx, guild_id, user_id, exam.code)
            stored = await Mastery(tx).for_exam(guild_id, user_id, exam.code)
            reasons = await Answers(tx).miss_reasons(guild_id, user_id, exam.code)
            cards = await Cards(tx).for_exam(guild_id, user_id, exam.code)
            practised = await Answers(tx).domain_tallies(guild_id, user_id, exam.code)
            mocked = await MockAttempts(tx).domain_tallies(guild_id, user_id, exam.code)
        rows: list[DomainGap] = []
        for d in exam.domains:
            m = stored.get(d.number)
            value = m.mastery if m else initial_mastery(context.report_percents.get(domain_key(d.number)))
            rows.append(DomainGap(
                number=d.number, name=d.name, weight_text=d.weight_text(), percent=round(value * 100),
                answered=m.answered if m else 0, correct=m.correct if m else 0, from_report=m is None,
                practice_accuracy=_percent(practised.get(d.number)), mock_accuracy=_percent(mocked.get(d.number)),
            ))
        rows.sort(key=lambda g: (g.percent, g.number))
        pattern = error_pattern([MissReason(r) for r in reasons])
        return GapsView(
            exam_code=exam.code, exam_name=exam.name, domains=tuple(rows), pattern=tuple(p.text for p in pattern),
            misses_explained=len(reasons), due_reviews=len(due_order(cards, now, context.exam_date)),
            leeches=sum(1 for c in cards if is_leech(c)), exam_date=context.exam_date,
        )


def _percent(tally: tuple[int, int] | None) -> int | None:
    if not tally or not tally[1]:
        return None
    return round(100 * tally[0] / tally[1])


def _find(pool: tuple[Question, ...], question_id: str) -> Question:
    for q in pool:
        if q.id == question_id:
            return q
    raise NotFound("This question was removed from the bank since the session began. Start a new /practice.")
