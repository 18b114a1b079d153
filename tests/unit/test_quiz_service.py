"""Group quiz rounds: one per channel, private answers until the timer, reveal, scoreboard, stop."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.practice import Cards, Mastery
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.quiz import JOIN_SECONDS, QuizService, reveal_key

GUILD, CHANNEL = 1, 500
ALICE, BOB, CARO = 10, 20, 30
EXAM = "SY0-701"


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock, QuizService(db, clock, rng=lambda: random.Random(3))
    await db.close()


def question_of(view):
    return next(q for q in load_shipped_banks()[EXAM].questions if q.stem == view.stem)


async def started(service, clock, questions=2, seconds=30):
    lobby = await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM, questions=questions, seconds=seconds)
    clock.advance(seconds=JOIN_SECONDS)
    step = await service.advance(lobby.round_id, -1)
    return lobby, step


async def test_start_opens_joining_and_schedules_its_end(env):
    """A round starts with the starter joined and a timer row for the end of joining."""
    db, clock, service = env
    lobby = await service.start(GUILD, CHANNEL, ALICE, exam_code="sy0 701")
    assert lobby.exam_code == EXAM and lobby.started_by == ALICE
    async with db.read() as tx:
        row = await Deliveries(tx).by_key(reveal_key(lobby.round_id, -1))
    assert row.kind == "quiz_reveal" and row.due_at == to_epoch(clock.now()) + JOIN_SECONDS


async def test_one_round_per_channel(env):
    """A second round in the same channel is refused while the first runs."""
    _, _, service = env
    await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM)
    with pytest.raises(Conflict):
        await service.start(GUILD, CHANNEL, BOB, exam_code=EXAM)


@pytest.mark.parametrize(("questions", "seconds"), [(0, 30), (21, 30), (5, 5), (5, 301)])
async def test_out_of_range_settings_are_refused(env, questions, seconds):
    """Question count and timer are bounded."""
    _, _, service = env
    with pytest.raises(InvalidInput):
        await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM, questions=questions, seconds=seconds)


async def test_without_an_exam_the_starter_is_asked_which(env):
    """No exam given and none active: the starter is asked to name one."""
    _, _, service = env
    with pytest.raises(NotFound, match="Which exam"):
        await service.start(GUILD, CHANNEL, ALICE)


async def test_joining_closes_with_the_first_question(env):
    """When joining closes the first question is asked with its own timer."""
    db, clock, service = env
    _, step = await started(service, clock)
    assert step.next_question.position == 0 and step.reveal is None
    assert step.next_question.ends_at == to_epoch(clock.now()) + 30


async def test_a_stale_timer_changes_nothing(env):
    """A timer for a position the round has left is ignored."""
    _, clock, service = env
    lobby, _ = await started(service, clock)
    assert await service.advance(lobby.round_id, -1) is None


async def test_answers_lock_in_and_can_change_until_time_is_up(env):
    """A member's choice is locked in privately, can change, and is refused after the timer."""
    _, clock, service = env
    lobby, _ = await started(service, clock)
    first = await service.answer(lobby.round_id, GUILD, BOB, 0, "a")
    changed = await service.answer(lobby.round_id, GUILD, BOB, 0, "b")
    assert not first.changed and changed.changed and changed.choice == "b"
    clock.advance(seconds=30)
    with pytest.raises(Conflict, match="Time's up"):
        await service.answer(lobby.round_id, GUILD, BOB, 0, "c")


async def test_reveal_shows_the_distribution_and_scores_the_right_answers(env):
    """Three members answer differently: the reveal counts each option and only the right one scores."""
    db, clock, service = env
    lobby, step = await started(service, clock)
    q = question_of(step.next_question)
    right = next(iter(q.answer))
    wrong = [o.id for o in q.options if o.id != right]
    await service.answer(lobby.round_id, GUILD, ALICE, 0, right)
    await service.answer(lobby.round_id, GUILD, BOB, 0, wrong[0])
    await service.answer(lobby.round_id, GUILD, CARO, 0, wrong[1])
    clock.advance(seconds=30)
    step = await service.advance(lobby.round_id, 0)
    counts = {oid: n for oid, _, n in step.reveal.distribution}
    assert counts[right] == 1 and counts[wrong[0]] == 1 and counts[wrong[1]] == 1
    assert step.reveal.correct_users == (ALICE,)
    assert step.next_question.position == 1


async def test_every_answer_moves_mastery_and_a_miss_makes_a_card(env):
    """Group answers count: mastery for both members, a review card only for the one who missed."""
    db, clock, service = env
    lobby, step = await started(service, clock)
    q = question_of(step.next_question)
    right = next(iter(q.answer))
    await service.answer(lobby.round_id, GUILD, ALICE, 0, right)
    await service.answer(lobby.round_id, GUILD, BOB, 0, next(o.id for o in q.options if o.id != right))
    clock.advance(seconds=30)
    await service.advance(lobby.round_id, 0)
    async with db.read() as tx:
        alice = await Mastery(tx).for_exam(GUILD, ALICE, EXAM)
        bob = await Mastery(tx).for_exam(GUILD, BOB, EXAM)
        cards = {u: await Cards(tx).for_exam(GUILD, u, EXAM) for u in (ALICE, BOB)}
    assert alice[q.domain].mastery > 0.5 > bob[q.domain].mastery
    assert cards[ALICE] == [] and [c.question_id for c in cards[BOB]] == [q.id]


async def test_the_last_reveal_ends_with_the_scoreboard(env):
    """After the last question the scoreboard ranks the members and the round is over."""
    _, clock, service = env
    lobby, step = await started(service, clock, questions=1)
    q = question_of(step.next_question)
    await service.answer(lobby.round_id, GUILD, BOB, 0, next(iter(q.answer)))
    clock.advance(seconds=30)
    step = await service.advance(lobby.round_id, 0)
    assert step.next_question is None
    assert step.scoreboard.rows[0] == (BOB, 1)
    with pytest.raises(Conflict, match="ended"):
        await service.join(lobby.round_id, GUILD, CARO)


async def test_only_the_starter_or_a_moderator_can_stop(env):
    """Another member cannot stop the round; the starter can, and its timers are cancelled."""
    db, _, service = env
    lobby = await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM)
    with pytest.raises(NotAllowed):
        await service.stop(GUILD, CHANNEL, BOB, is_moderator=False)
    board = await service.stop(GUILD, CHANNEL, ALICE, is_moderator=False)
    assert board.stopped
    async with db.read() as tx:
        row = await Deliveries(tx).by_key(reveal_key(lobby.round_id, -1))
    assert row.status == "cancelled"
    assert await service.advance(lobby.round_id, -1) is None


async def test_a_moderator_can_stop_someone_elses_round(env):
    """Moderators can stop any round."""
    _, _, service = env
    await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM)
    board = await service.stop(GUILD, CHANNEL, BOB, is_moderator=True)
    assert board.stopped
