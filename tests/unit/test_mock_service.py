"""Mock exams and the readiness gate through the services: real SQLite, migrations and a fake clock."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FakeClock, from_epoch, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import MockAnswers, MockAttempts
from bot.db.repositories.practice import Cards, Mastery
from bot.domain.mock import MockShape
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.mocks import (
    KIND_COUNTDOWN,
    KIND_READY,
    KIND_TIMEOUT,
    TIME_UP_NOTE,
    MockQuestionView,
    MockResultView,
    MockService,
    countdown_times,
)
from bot.services.readiness import ReadinessService

GUILD, ALICE, BOB = 1, 10, 20
EXAM = "AZ-900"
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(START)
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    service = MockService(db, clock, rng=lambda: random.Random(7))
    yield db, clock, service
    await db.close()


async def enrol(db, clock, user_id=ALICE, exam=EXAM):
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await Members(tx).ensure(GUILD, user_id, now)
        await Exams(tx).set_active(GUILD, user_id, exam, now)


def bank_question(view: MockQuestionView):
    return load_shipped_banks()[view.exam_code].question(view.question_id)


def right(view: MockQuestionView) -> list[str]:
    return sorted(bank_question(view).answer)


def wrong(view: MockQuestionView) -> list[str]:
    q = bank_question(view)
    return [next(o.id for o in q.options if o.id not in q.answer), *sorted(q.answer)[1:]]


async def answer_all(service, view, *, correct=True, user_id=ALICE):
    """Answer every question in order (right or wrong) and return the final step."""
    step = view
    while isinstance(step, MockQuestionView):
        step = await service.answer(step.attempt_id, user_id, step.position, right(step) if correct else wrong(step))
    return step


async def attempt(db, attempt_id):
    async with db.read() as tx:
        return await MockAttempts(tx).get(attempt_id)


async def pending_keys(db, user_id=ALICE):
    async with db.read() as tx:
        return [(d.kind, d.due_at) for d in await Deliveries(tx).pending_for_member(GUILD, user_id)]


async def test_a_mock_needs_an_exam(env):
    """Without an active exam or an exam option the member is told how to name one."""
    _, _, service = env
    with pytest.raises(NotFound, match="which exam"):
        await service.start(GUILD, ALICE)


@pytest.mark.parametrize(("length", "mode"), [("quarter", "strict"), ("full", "relaxed"), ("full", "open-book")])
async def test_unknown_length_or_mode_is_refused(env, length, mode):
    """Only full/half and strict/exam can be started."""
    db, clock, service = env
    await enrol(db, clock)
    with pytest.raises(InvalidInput):
        await service.start(GUILD, ALICE, length=length, mode=mode)


@pytest.mark.parametrize(("length", "shape"), [("full", MockShape(50, 45)), ("half", MockShape(25, 23))])
async def test_shape_follows_the_blueprint(env, length, shape):
    """AZ-900 full uses our 50-question default and 45 minutes; half halves both (rounded up)."""
    db, clock, service = env
    await enrol(db, clock)
    started = await service.start(GUILD, ALICE, length=length)
    assert (started.question_count, started.duration_minutes) == shape
    assert started.shape_note and "50 questions" in started.shape_note
    assert started.question.deadline == START + timedelta(minutes=shape.duration_minutes)


async def test_exam_option_overrides_the_active_exam(env):
    """`exam:` picks another exam's bank and shape."""
    db, clock, service = env
    await enrol(db, clock)
    started = await service.start(GUILD, ALICE, exam_code="sy0-701", length="half")
    assert started.question.exam_code == "SY0-701" and started.question_count == 45


async def test_start_schedules_the_timeout_and_a_few_countdown_edits(env):
    """The auto-submit is due at the deadline; countdown edits at 10/20/30 minutes and 5/1 minute left."""
    db, clock, service = env
    await enrol(db, clock)
    await service.start(GUILD, ALICE)
    deadline = to_epoch(START + timedelta(minutes=45))
    keys = await pending_keys(db)
    assert (KIND_TIMEOUT, deadline) in keys
    ticks = sorted(due for kind, due in keys if kind == KIND_COUNTDOWN)
    assert [(t - to_epoch(START)) // 60 for t in ticks] == [10, 20, 30, 40, 44]


@pytest.mark.parametrize(("minutes", "expected"), [(90, [10, 20, 30, 40, 50, 60, 70, 80, 85, 89]), (4, [3]),
                                                   (23, [10, 18, 22])])
def test_countdown_times(minutes, expected):
    """Countdown edits every 10 minutes, then at 5 and 1 minute left, never at the start."""
    deadline = START + timedelta(minutes=minutes)
    assert [int((t - START).total_seconds() // 60) for t in countdown_times(START, deadline)] == expected


async def test_second_mock_while_one_runs_is_refused_and_changes_nothing(env):
    """One mock at a time: a second start is refused and no attempt is created."""
    db, clock, service = env
    await enrol(db, clock)
    first = await service.start(GUILD, ALICE, length="half")
    with pytest.raises(Conflict, match="already have a mock running"):
        await service.start(GUILD, ALICE, length="half")
    async with db.read() as tx:
        assert (await MockAttempts(tx).latest_for(GUILD, ALICE)).id == first.question.attempt_id


async def test_strict_mock_answered_to_the_end_is_scored(env):
    """A strict mock answered right to the last question submits itself with 100 % and no misses."""
    db, clock, service = env
    await enrol(db, clock)
    started = await service.start(GUILD, ALICE, length="half")
    clock.advance(minutes=12)
    result = await answer_all(service, started.question)
    assert isinstance(result, MockResultView)
    assert (result.status, result.raw_percent, result.correct, result.total) == ("submitted", 100.0, 25, 25)
    assert result.passed and result.misses == () and result.time_used == timedelta(minutes=12)
    assert result.estimate is not None and "estimate" in result.estimate.label
    assert not result.counts_for_readiness
    assert await pending_keys(db) == []  # the timeout and countdown edits were cancelled


async def test_strict_mode_refuses_going_back(env):
    """In strict mode an answered question is locked."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    await service.answer(view.attempt_id, ALICE, 0, right(view))
    with pytest.raises(NotAllowed, match="locked"):
        await service.answer(view.attempt_id, ALICE, 0, wrong(view))
    with pytest.raises(NotAllowed, match="Strict mode"):
        await service.flag(view.attempt_id, ALICE, 1)


async def test_misses_feed_mastery_and_review_cards(env):
    """Every answered miss creates a review card and moves the domain's mastery."""
    db, clock, service = env
    await enrol(db, clock)
    started = await service.start(GUILD, ALICE, length="half")
    result = await answer_all(service, started.question, correct=False)
    assert result.raw_percent == 0.0 and len(result.misses) == 25
    assert all(m.explanation and m.answer_text for m in result.misses)
    async with db.read() as tx:
        cards = await Cards(tx).for_exam(GUILD, ALICE, EXAM)
        mastery = await Mastery(tx).for_exam(GUILD, ALICE, EXAM)
    assert {c.question_id for c in cards} == {m.question_id for m in result.misses}
    assert sum(m.answered for m in mastery.values()) == 25


async def test_time_out_submits_what_was_answered(env):
    """At the deadline the mock is submitted: answered questions scored, the rest unanswered."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    for _ in range(10):
        view = await service.answer(view.attempt_id, ALICE, view.position, right(view))
    clock.advance(minutes=23)
    result = await service.time_out(view.attempt_id)
    assert result is not None and result.status == "timed_out"
    assert (result.correct, result.unanswered, result.raw_percent) == (10, 15, 40.0)
    assert result.time_used == timedelta(minutes=23)
    assert await service.time_out(view.attempt_id) is None  # a second run changes nothing


async def test_time_out_before_the_deadline_does_nothing(env):
    """A timeout delivery that fires early leaves the mock running."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    assert await service.time_out(view.attempt_id) is None
    assert (await attempt(db, view.attempt_id)).status == "running"


async def test_answering_after_the_time_out_changes_nothing(env):
    """A click after the auto-submit is refused kindly; the stored answers stay as they were."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    view = await service.answer(view.attempt_id, ALICE, 0, right(view))
    clock.advance(minutes=30)
    await service.time_out(view.attempt_id)
    with pytest.raises(Conflict, match="Time ran out"):
        await service.answer(view.attempt_id, ALICE, view.position, right(view))
    async with db.read() as tx:
        assert len(await MockAnswers(tx).for_attempt(view.attempt_id)) == 1


async def test_a_late_click_before_the_timeout_ran_submits_without_that_answer(env):
    """If the deadline passed but the timeout has not run yet, the click shows results and is not counted."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    clock.advance(minutes=23)
    step = await service.answer(view.attempt_id, ALICE, 0, right(view))
    assert isinstance(step, MockResultView) and step.note == TIME_UP_NOTE
    assert step.correct == 0 and step.unanswered == 25 and step.status == "timed_out"


async def test_exam_mode_flag_revisit_and_change(env):
    """In exam mode a flagged question can be revisited and its answer changed, which is counted."""
    db, clock, service = env
    await enrol(db, clock)
    first = (await service.start(GUILD, ALICE, length="half", mode="exam")).question
    flagged = await service.flag(first.attempt_id, ALICE, 0)
    assert flagged.flagged and flagged.flagged_positions == (0,)
    second = await service.answer(first.attempt_id, ALICE, 0, wrong(first))
    assert second.position == 1
    back = await service.move(first.attempt_id, ALICE, "flagged", second.position)
    assert back.position == 0 and back.chosen == tuple(sorted(wrong(first)))
    again = await service.answer(first.attempt_id, ALICE, 0, right(first))
    assert again.position == 1  # answering the question on screen moves on, as before
    unflagged = await service.flag(first.attempt_id, ALICE, 0)
    assert unflagged.flagged_positions == ()
    result = await service.submit(first.attempt_id, ALICE)
    assert result.answers_changed == 1 and result.correct == 1 and result.unanswered == 24


async def test_exam_mode_navigation_to_unanswered(env):
    """'Next unanswered' skips answered questions and wraps around."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half", mode="exam")).question
    view = await service.answer(view.attempt_id, ALICE, 0, right(view))
    last = await service.move(view.attempt_id, ALICE, "goto", 24)
    wrapped = await service.move(view.attempt_id, ALICE, "open", last.position)
    assert wrapped.position == 1


async def test_someone_elses_mock_is_refused(env):
    """Bob cannot answer Alice's mock."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    with pytest.raises(NotAllowed):
        await service.answer(view.attempt_id, BOB, 0, right(view))


async def test_abandon_ends_the_mock_and_its_buttons(env):
    """An abandoned mock is not scored, its deliveries are cancelled and its buttons change nothing."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    gone = await service.abandon(GUILD, ALICE)
    assert gone.attempt_id == view.attempt_id
    assert await pending_keys(db) == []
    with pytest.raises(Conflict, match="abandoned"):
        await service.answer(view.attempt_id, ALICE, 0, right(view))
    record = await attempt(db, view.attempt_id)
    assert record.status == "abandoned" and record.raw_percent is None
    with pytest.raises(NotFound):
        await service.abandon(GUILD, ALICE)


async def test_resume_after_a_restart_keeps_answers_and_the_clock(env):
    """A new service on the same database resumes where the member was, with the original deadline."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    for _ in range(3):
        view = await service.answer(view.attempt_id, ALICE, view.position, right(view))
    clock.advance(minutes=8)
    restarted = MockService(db, clock)
    resumed = await restarted.resume(GUILD, ALICE)
    assert isinstance(resumed, MockQuestionView)
    assert resumed.position == 3 and resumed.answered == 3
    assert resumed.deadline == START + timedelta(minutes=23) and resumed.countdown == "15:00 left"


async def test_resume_after_the_deadline_shows_results(env):
    """Resuming after time ran out submits the mock and says so."""
    db, clock, service = env
    await enrol(db, clock)
    await service.start(GUILD, ALICE, length="half")
    clock.advance(hours=1)
    step = await service.resume(GUILD, ALICE)
    assert isinstance(step, MockResultView) and "Time ran out" in step.note


async def run_full(service, clock, *, correct=True, length="full"):
    view = (await service.start(GUILD, ALICE, length=length)).question
    result = await answer_all(service, view, correct=correct)
    clock.advance(days=2)
    return result


async def ready_deliveries(db):
    return [k for k, _ in await pending_keys(db) if k == KIND_READY]


async def test_gate_opens_after_the_third_qualifying_full_mock_not_a_half(env):
    """Two strong full mocks and a strong half leave the gate shut; the third full opens it, once."""
    db, clock, service = env
    await enrol(db, clock)
    await run_full(service, clock)
    second = await run_full(service, clock)
    assert not second.ready and "2 of 3" in second.readiness_text
    half = await run_full(service, clock, length="half")
    assert not half.ready and not half.gate_opened and await ready_deliveries(db) == []
    third = await run_full(service, clock)
    assert third.ready and third.gate_opened and third.counts_for_readiness
    assert await ready_deliveries(db) == [KIND_READY]
    fourth = await run_full(service, clock)
    assert fourth.ready and not fourth.gate_opened


async def test_a_weak_full_mock_resets_the_run(env):
    """A full mock under the bar resets the streak."""
    db, clock, service = env
    await enrol(db, clock)
    await run_full(service, clock)
    await run_full(service, clock)
    weak = await run_full(service, clock, correct=False)
    assert not weak.ready and "0 of 3" in weak.readiness_text


async def test_server_rule_of_two_mocks_opens_the_gate_sooner(env):
    """With the server's rule set to 2 mocks, the second strong full mock opens the gate."""
    db, clock, service = env
    await enrol(db, clock)
    readiness = ReadinessService(db, clock)
    rule = await readiness.configure(GUILD, ALICE, can_manage=True, required=2, buffer=15)
    assert (rule.required, rule.buffer) == (2, 15.0)
    await run_full(service, clock)
    second = await run_full(service, clock)
    assert second.gate_opened and second.target == 90.0


@pytest.mark.parametrize(("can_manage", "required", "buffer", "error"), [
    (False, 2, None, NotAllowed), (True, 4, None, InvalidInput), (True, None, 9.5, InvalidInput),
])
async def test_readiness_rule_is_checked(env, can_manage, required, buffer, error):
    """Only managers may change the rule, and only within 2-3 mocks and 10-15 points."""
    db, clock, _ = env
    with pytest.raises(error):
        await ReadinessService(db, clock).configure(GUILD, ALICE, can_manage=can_manage, required=required,
                                                    buffer=buffer)


async def test_readiness_shows_trend_missing_and_a_booking_warning(env):
    """/readiness lists the trend, what is missing and warns when the booked date comes first."""
    db, clock, service = env
    await enrol(db, clock)
    async with db.transaction() as tx:
        await Exams(tx).set_booking(GUILD, ALICE, EXAM, "2026-06-20", None, to_epoch(clock.now()))
    await run_full(service, clock)
    view = await ReadinessService(db, clock).status(GUILD, ALICE)
    assert not view.ready and view.streak == 1 and view.trend == (100.0,)
    assert view.booked_date == date(2026, 6, 20)
    assert view.warning and "1 of 3" in view.warning
    assert view.pass_percent == 75.0 and view.threshold == 85.0


async def test_readiness_needs_an_exam(env):
    """/readiness without an exam says how to pick one."""
    db, clock, _ = env
    with pytest.raises(NotFound):
        await ReadinessService(db, clock).status(GUILD, ALICE)


async def test_countdown_view_stops_when_the_mock_ends(env):
    """The countdown has nothing to edit once the mock is submitted."""
    db, clock, service = env
    await enrol(db, clock)
    view = (await service.start(GUILD, ALICE, length="half")).question
    clock.advance(minutes=10)
    tick = await service.countdown(view.attempt_id)
    assert tick is not None and tick.countdown == "13:00 left"
    await service.submit(view.attempt_id, ALICE)
    assert await service.countdown(view.attempt_id) is None


async def test_domain_accuracy_for_gaps(env):
    """Mock answers per domain add up across scored mocks."""
    db, clock, service = env
    await enrol(db, clock)
    await run_full(service, clock, length="half")
    tallies = await service.domain_accuracy(GUILD, ALICE, EXAM)
    assert sum(t for _, t in tallies.values()) == 25 and all(c == t for c, t in tallies.values())


async def test_finished_mock_is_stored_with_its_result(env):
    """A finished mock keeps its finish time and its result summary."""
    db, clock, service = env
    await enrol(db, clock)
    result = await run_full(service, clock, length="half")
    record = await attempt(db, result.attempt_id)
    assert from_epoch(record.finished_at) == START and record.result["correct"] == 25


async def test_gaps_compares_relaxed_practice_with_mocks(env):
    """/gaps shows, per domain, relaxed-practice accuracy next to accuracy under exam conditions."""
    from bot.services.practice import PracticeService

    db, clock, service = env
    await enrol(db, clock)
    started = await service.start(GUILD, ALICE, length="half")
    await answer_all(service, started.question, correct=False)
    practice = PracticeService(db, clock, rng=lambda: random.Random(3))
    session = await practice.start(GUILD, ALICE, count=5)
    step = session
    while hasattr(step, "position") and hasattr(step, "question_id"):
        question = load_shipped_banks()[EXAM].question(step.question_id)
        await practice.answer(step.session_id, ALICE, step.position, sorted(question.answer))
        step = await practice.next(step.session_id, ALICE, step.position)
    gaps = await practice.gaps(GUILD, ALICE)
    compared = [d for d in gaps.domains if d.practice_accuracy is not None and d.mock_accuracy is not None]
    assert compared, "at least one domain has both practice and mock answers"
    assert all(d.practice_accuracy == 100 and d.mock_accuracy == 0 for d in compared)


async def test_finishing_a_mock_touches_the_progress_board(env):
    """A mock finished from a DM button schedules a board refresh in the same unit of work."""
    from bot.data.loader import load_catalogue
    from bot.services.board import BoardService
    from bot.services.catalogue_service import CatalogueService

    db, clock, service = env
    await enrol(db, clock)
    await BoardService(db, clock, CatalogueService(load_catalogue)).set_up(GUILD, ALICE, 555, can_manage=True)
    async with db.read() as tx:
        before = await tx.scalar("SELECT COUNT(*) FROM scheduled_deliveries WHERE kind = 'board_refresh'")
    started = await service.start(GUILD, ALICE, length="half")
    clock.advance(minutes=2)
    await answer_all(service, started.question)
    async with db.read() as tx:
        after = await tx.scalar("SELECT COUNT(*) FROM scheduled_deliveries WHERE kind = 'board_refresh'")
    assert after > before
