"""Group quiz rounds: one per channel, private answers until the timer, reveal, scoreboard, stop."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database, Tx
from bot.db.migrations import migrate
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams, ReportDomainRecord
from bot.db.repositories.members import Members
from bot.db.repositories.practice import Cards, Mastery
from bot.domain.selection import domain_key
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.practice import MemberContext, starting_mastery
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


# --- a step committed but not posted (the bot died in between) ---------------------------------------------------


async def answered_round(service, clock, questions):
    """A round whose first question BOB got right and CARO got wrong."""
    lobby, step = await started(service, clock, questions=questions)
    q = question_of(step.next_question)
    right = next(iter(q.answer))
    await service.answer(lobby.round_id, GUILD, BOB, 0, right)
    await service.answer(lobby.round_id, GUILD, CARO, 0, next(o.id for o in q.options if o.id != right))
    clock.advance(seconds=30)
    return lobby


async def test_a_committed_last_step_re_renders_the_same_reveal_and_scoreboard(env):
    """After the round's end is saved, the same reveal and scoreboard can be rendered again for the retry."""
    _, clock, service = env
    lobby = await answered_round(service, clock, questions=1)
    step = await service.advance(lobby.round_id, 0)
    again = await service.committed_step(lobby.round_id, 0)
    assert again == step and again.scoreboard.rows[0] == (BOB, 1)


async def test_re_rendering_a_step_counts_no_answer_again(env):
    """Rendering a committed step again leaves points, mastery, cards and answer rows as they were."""
    db, clock, service = env
    lobby = await answered_round(service, clock, questions=1)
    await service.advance(lobby.round_id, 0)

    async def snapshot():
        async with db.read() as tx:
            return [await tx.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
                    for table in ("quiz_participants", "domain_mastery", "review_cards", "practice_answers")]

    before = [[tuple(r) for r in rows] for rows in await snapshot()]
    await service.committed_step(lobby.round_id, 0)
    assert [[tuple(r) for r in rows] for rows in await snapshot()] == before


async def test_a_committed_join_close_re_renders_the_first_question(env):
    """The end of joining, saved but not posted, renders the same first question with the same timer."""
    _, clock, service = env
    lobby, step = await started(service, clock)
    assert await service.committed_step(lobby.round_id, -1) == step


async def test_a_committed_middle_step_re_renders_the_reveal_and_the_next_question(env):
    """A reveal that moved the round on renders again with the question it asked next."""
    _, clock, service = env
    lobby = await answered_round(service, clock, questions=2)
    step = await service.advance(lobby.round_id, 0)
    again = await service.committed_step(lobby.round_id, 0)
    assert again == step and again.next_question.position == 1 and again.reveal.correct_users == (BOB,)


async def test_once_the_round_moved_further_only_the_reveal_is_rendered_again(env):
    """A late retry of question 1's step re-renders its reveal but not question 2, whose time is over."""
    _, clock, service = env
    lobby = await answered_round(service, clock, questions=2)
    first = await service.advance(lobby.round_id, 0)
    clock.advance(seconds=30)
    await service.advance(lobby.round_id, 1)
    again = await service.committed_step(lobby.round_id, 0)
    assert again.reveal == first.reveal and again.next_question is None and again.scoreboard is None


async def test_a_step_not_yet_committed_has_nothing_to_re_render(env):
    """A position the round is still on was never committed: nothing to post again."""
    _, clock, service = env
    lobby = await answered_round(service, clock, questions=1)
    assert await service.committed_step(lobby.round_id, 0) is None


async def test_a_stopped_round_re_renders_nothing(env):
    """After /quiz stop posted its scoreboard, an earlier step is not posted again."""
    _, clock, service = env
    lobby = await answered_round(service, clock, questions=2)
    await service.advance(lobby.round_id, 0)
    await service.stop(GUILD, CHANNEL, ALICE, is_moderator=False)
    assert await service.committed_step(lobby.round_id, 0) is None


# --- database round trips --------------------------------------------------------------------------------------


@pytest.fixture
def round_trips(monkeypatch):
    """Counts every awaited statement (``executemany`` once) on the connection."""
    counted = {"n": 0}
    for name in ("execute", "insert", "executemany", "fetchone", "fetchall"):
        original = getattr(Tx, name)

        async def counting(self, *args, _original=original, **kwargs):
            counted["n"] += 1
            return await _original(self, *args, **kwargs)

        monkeypatch.setattr(Tx, name, counting)
    return counted


async def counted(round_trips, work):
    round_trips["n"] = 0
    result = await work
    return result, round_trips["n"]


async def test_a_join_costs_the_same_whatever_the_head_count(env, round_trips):
    """The 40th join takes the same four statements as the 2nd: joining counts players without reading them."""
    _, _, service = env
    lobby = await service.start(GUILD, CHANNEL, ALICE, exam_code=EXAM)
    second, early = await counted(round_trips, service.join(lobby.round_id, GUILD, 1002))
    for user in range(1003, 1040):
        await service.join(lobby.round_id, GUILD, user)
    fortieth, late = await counted(round_trips, service.join(lobby.round_id, GUILD, 1040))
    assert (second.participants, fortieth.participants) == (2, 40)
    assert late == early <= 4


async def test_an_answer_from_a_player_who_joined_takes_three_statements(env, round_trips):
    """Round and own choice in one read, the question pool, one upsert."""
    _, clock, service = env
    lobby, _ = await started(service, clock)
    _, n = await counted(round_trips, service.answer(lobby.round_id, GUILD, ALICE, 0, "a"))
    assert n == 3


async def test_the_end_of_a_round_costs_the_same_for_3_or_30_players(env, round_trips):
    """Counting the answers is set-based: the round's end takes as many statements for 30 players as for 3."""
    _, clock, service = env
    costs = []
    for players, channel in ((3, CHANNEL), (30, CHANNEL + 1)):
        lobby = await service.start(GUILD, channel, ALICE, exam_code=EXAM, questions=1)
        clock.advance(seconds=JOIN_SECONDS)
        step = await service.advance(lobby.round_id, -1)
        for user in range(100, 100 + players):
            await service.answer(lobby.round_id, GUILD, user, 0, step.next_question.options[user % 2][0])
        clock.advance(seconds=30)
        step, n = await counted(round_trips, service.advance(lobby.round_id, 0))
        assert step.reveal.answered == players
        costs.append(n)
    assert costs[0] == costs[1]


async def test_a_first_answer_in_a_domain_starts_from_the_latest_score_report(env):
    """Counted at the reveal, a member's first answer in a domain starts from their latest report, as in practice."""
    db, clock, service = env
    lobby, step = await started(service, clock, questions=1)
    q = question_of(step.next_question)
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await Members(tx).ensure(GUILD, BOB, now)
        for percent, at in ((90.0, now - 100), (20.0, now - 10)):
            await Exams(tx).add_report(GUILD, BOB, EXAM, None, None,
                                       [ReportDomainRecord(q.domain, "percent", percent, None, (), percent)], at)
    await service.answer(lobby.round_id, GUILD, BOB, 0, next(iter(q.answer)))
    clock.advance(seconds=30)
    await service.advance(lobby.round_id, 0)
    async with db.read() as tx:
        stored = (await Mastery(tx).for_exam(GUILD, BOB, EXAM))[q.domain]
    start = starting_mastery(q.domain, MemberContext(exam_date=None, report_percents={domain_key(q.domain): 20.0}))
    assert stored == start.record(True, q.difficulty)
