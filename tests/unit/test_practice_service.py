"""Solo practice: sessions, answers moving mastery and cards, the why-prompt, leeches, exam-date mode, /gaps."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.exams import Exams, ReportDomainRecord
from bot.db.repositories.members import Members
from bot.db.repositories.practice import Cards, Mastery
from bot.domain.review import LEECH_LAPSES
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.practice import FeedbackView, PracticeService, QuestionView, SessionSummary

GUILD, ALICE, BOB = 1, 10, 20
EXAM = "SY0-701"


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    service = PracticeService(db, clock, rng=lambda: random.Random(5))
    yield db, clock, service
    await db.close()


async def enrol(db, clock, user_id=ALICE, exam=EXAM):
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await Members(tx).ensure(GUILD, user_id, now)
        await Exams(tx).set_active(GUILD, user_id, exam, now)


def question(view: QuestionView):
    return load_shipped_banks()[view.exam_code].question(view.question_id)


def right(view: QuestionView) -> list[str]:
    return sorted(question(view).answer)


def wrong(view: QuestionView) -> list[str]:
    q = question(view)
    # One wrong option, with the rest of the right ones so a multi question still gets its count.
    return [next(o.id for o in q.options if o.id not in q.answer), *sorted(q.answer)[1:]]


async def test_practice_needs_an_active_exam(env):
    """Without an exam the member is told to pick one first, kindly."""
    _, _, service = env
    with pytest.raises(NotFound, match="which exam"):
        await service.start(GUILD, ALICE)


@pytest.mark.parametrize("count", [0, 26, -3])
async def test_count_out_of_range_is_refused(env, count):
    """A session has 1 to 25 questions."""
    db, clock, service = env
    await enrol(db, clock)
    with pytest.raises(InvalidInput):
        await service.start(GUILD, ALICE, count=count)


async def test_unknown_domain_lists_the_real_ones(env):
    """An unknown domain is refused with the exam's domains as a hint."""
    db, clock, service = env
    await enrol(db, clock)
    with pytest.raises(InvalidInput) as caught:
        await service.start(GUILD, ALICE, domain="cooking")
    assert "4.0" in caught.value.render()


async def test_focus_domain_keeps_every_question_in_that_domain(env):
    """/practice domain:3 asks only questions from domain 3.0."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, domain="3", count=5)
    domains = set()
    for _ in range(5):
        domains.add(view.domain)
        await service.answer(view.session_id, ALICE, view.position, right(view))
        nxt = await service.next(view.session_id, ALICE, view.position)
        if isinstance(nxt, SessionSummary):
            break
        view = nxt
    assert domains == {"3.0"}


async def test_a_right_answer_raises_mastery_and_makes_no_card(env):
    """Correct: mastery of the domain goes up from the 0.5 prior and no review card is created."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    feedback = await service.answer(view.session_id, ALICE, 0, right(view))
    assert feedback.correct and not feedback.ask_why
    assert feedback.mastery_percent > 50
    async with db.read() as tx:
        assert await Cards(tx).for_exam(GUILD, ALICE, EXAM) == []


async def test_a_miss_lowers_mastery_creates_a_card_and_asks_why(env):
    """Wrong: mastery falls, a review card is due the next day, and the member is asked why."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    feedback = await service.answer(view.session_id, ALICE, 0, wrong(view))
    assert not feedback.correct and feedback.ask_why
    assert feedback.mastery_percent < 50
    assert feedback.explanation == question(view).explanation
    async with db.read() as tx:
        cards = await Cards(tx).for_exam(GUILD, ALICE, EXAM)
    assert [c.question_id for c in cards] == [view.question_id]
    assert cards[0].due.date() == (clock.now() + timedelta(days=1)).date()


async def test_answering_twice_is_refused_and_changes_nothing(env):
    """A second click on an answered question says so; the first answer stands."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=2)
    await service.answer(view.session_id, ALICE, 0, right(view))
    with pytest.raises(Conflict, match="already answered"):
        await service.answer(view.session_id, ALICE, 0, wrong(view))
    async with db.read() as tx:
        stored = await Mastery(tx).for_exam(GUILD, ALICE, EXAM)
    assert sum(m.answered for m in stored.values()) == 1


async def test_someone_elses_session_is_refused(env):
    """Bob cannot answer Alice's session."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    with pytest.raises(NotAllowed):
        await service.answer(view.session_id, BOB, 0, right(view))


async def test_the_why_is_required_before_moving_on(env):
    """After a miss, Next waits for the reason; the reason is recorded with its remedy."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=2)
    await service.answer(view.session_id, ALICE, 0, wrong(view))
    with pytest.raises(Conflict, match="why"):
        await service.next(view.session_id, ALICE, 0)
    why = await service.explain_miss(view.session_id, ALICE, 0, "misread")
    assert "slow down on stems" in why.remedy
    with pytest.raises(Conflict):
        await service.explain_miss(view.session_id, ALICE, 0, "guessed")
    nxt = await service.next(view.session_id, ALICE, 0)
    assert isinstance(nxt, QuestionView) and nxt.position == 1


async def test_the_last_next_gives_a_summary_and_ends_the_session(env):
    """After the last question the session is summarised and its buttons stop working."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    await service.answer(view.session_id, ALICE, 0, right(view))
    summary = await service.next(view.session_id, ALICE, 0)
    assert isinstance(summary, SessionSummary)
    assert (summary.answered, summary.correct) == (1, 1)
    with pytest.raises(Conflict, match="finished"):
        await service.next(view.session_id, ALICE, 0)


async def test_a_new_session_replaces_the_old_one(env):
    """Starting again closes the previous session; its buttons say why."""
    db, clock, service = env
    await enrol(db, clock)
    old = await service.start(GUILD, ALICE, count=3)
    await service.start(GUILD, ALICE, count=3)
    with pytest.raises(Conflict, match="newer session"):
        await service.answer(old.session_id, ALICE, 0, right(old))


async def test_a_long_idle_session_expires(env):
    """A session untouched for more than half a day is over."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=3)
    clock.advance(hours=13)
    with pytest.raises(Conflict, match="expired"):
        await service.answer(view.session_id, ALICE, 0, right(view))


async def test_due_review_cards_come_first(env):
    """A missed question comes back first in a session once it is due."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    await service.answer(view.session_id, ALICE, 0, wrong(view))
    clock.advance(days=2)
    again = await service.start(GUILD, ALICE, count=5)
    assert again.question_id == view.question_id and again.is_review


async def miss_until_leech(service, clock) -> tuple[QuestionView, FeedbackView]:
    view = await service.start(GUILD, ALICE, count=1)
    first = view.question_id
    feedback = await service.answer(view.session_id, ALICE, 0, wrong(view))
    for _ in range(LEECH_LAPSES - 1):
        clock.advance(days=2)
        view = await service.start(GUILD, ALICE, count=1)
        assert view.question_id == first
        feedback = await service.answer(view.session_id, ALICE, 0, wrong(view))
    return view, feedback


async def test_a_fourth_miss_asks_for_the_members_own_rule(env):
    """The fourth miss of a question makes it a leech: the member is asked for a one-line rule."""
    db, clock, service = env
    await enrol(db, clock)
    view, feedback = await miss_until_leech(service, clock)
    assert feedback.ask_rule
    saved = await service.save_rule(view.session_id, ALICE, 0, "Board-approved rules are managerial")
    assert saved.rule == "Board-approved rules are managerial"


async def test_a_leech_is_reviewed_explanation_first_with_the_rule(env):
    """A leech's next review shows the explanation before the options, and the member's rule."""
    db, clock, service = env
    await enrol(db, clock)
    view, _ = await miss_until_leech(service, clock)
    await service.save_rule(view.session_id, ALICE, 0, "My own rule here")
    clock.advance(days=2)
    again = await service.start(GUILD, ALICE, count=1)
    assert again.question_id == view.question_id
    assert again.explanation_first == question(again).explanation
    assert again.rule == "My own rule here"


async def test_a_rule_is_refused_for_a_question_that_is_not_a_leech(env):
    """Only leeches take a rule."""
    db, clock, service = env
    await enrol(db, clock)
    view = await service.start(GUILD, ALICE, count=1)
    await service.answer(view.session_id, ALICE, 0, wrong(view))
    with pytest.raises(Conflict):
        await service.save_rule(view.session_id, ALICE, 0, "A rule too early")


async def card_due_after_good_reviews(service, clock, db, user_id) -> date:
    view = await service.start(GUILD, user_id, count=1)
    await service.answer(view.session_id, user_id, 0, wrong(view))
    qid = view.question_id
    for _ in range(3):
        clock.advance(days=1)
        async with db.read() as tx:
            card = await Cards(tx).get(GUILD, user_id, EXAM, qid)
        clock.set(max(clock.now(), card.due))
        again = await service.start(GUILD, user_id, count=1)
        assert again.question_id == qid
        await service.answer(again.session_id, user_id, 0, right(again))
    async with db.read() as tx:
        return (await Cards(tx).get(GUILD, user_id, EXAM, qid)).due.date()


async def test_exam_date_mode_brings_due_cards_before_the_exam(tmp_path):
    """With a booked exam, a card's next review falls before exam day; without one it may fall after."""
    dues = {}
    for booked in (False, True):
        clock = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        db = Database(str(tmp_path / f"t{booked}.db"))
        await db.connect()
        await migrate(db, clock)
        service = PracticeService(db, clock, rng=lambda: random.Random(5))
        await enrol(db, clock)
        if booked:
            async with db.transaction() as tx:
                await Exams(tx).set_booking(GUILD, ALICE, EXAM, "2026-03-20", None, to_epoch(clock.now()))
        dues[booked] = await card_due_after_good_reviews(service, clock, db, ALICE)
        await db.close()
    exam_day = date(2026, 3, 20)
    assert dues[True] < exam_day
    assert dues[False] >= exam_day


async def test_gaps_start_from_the_score_report_and_show_the_error_pattern(env):
    """/gaps ranks domains weakest first from the report and names the most common reason for misses."""
    db, clock, service = env
    await enrol(db, clock)
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await Exams(tx).add_report(GUILD, ALICE, EXAM, None, None, [
            ReportDomainRecord("1.0", "percent", 80, None, (), 80),
            ReportDomainRecord("4.0", "percent", 35, None, (), 35),
        ], now)
    for reason in ("misread", "misread", "term"):
        view = await service.start(GUILD, ALICE, count=1)
        await service.answer(view.session_id, ALICE, 0, wrong(view))
        await service.explain_miss(view.session_id, ALICE, 0, reason)
    gaps = await service.gaps(GUILD, ALICE)
    assert gaps.domains[-1].number == "1.0"
    assert gaps.domains[0].number == "4.0"
    assert gaps.pattern[0].startswith("67% of your misses are misreads")
    assert gaps.misses_explained == 3
