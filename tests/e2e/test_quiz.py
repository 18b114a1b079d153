"""/quiz end to end: three members answer differently, the reveal, the scoreboard, a restart mid-round."""

from __future__ import annotations

from bot.data.bank_loader import load_shipped_banks
from bot.db.repositories.deliveries import Deliveries
from bot.emulator.harness import Reply
from bot.services.quiz import QUIZ_REVEAL, reveal_key

EXAM = "SY0-701"


async def press(world, member, message, label):
    """``member`` presses the button ``label`` on a channel message the bot posted."""
    button = next(c for c in message.component_items() if c.get("type") == 2 and c.get("label") == label)
    channel = world.emu.state.channels[message.channel_id]
    interaction = world.emu.dispatch_interaction(3, {"custom_id": button["custom_id"], "component_type": 2},
                                                 user=member, channel=channel, message=message)
    return await Reply(world.emu, interaction, member).wait()


def question_in(message):
    description = message.embeds[0]["description"]
    return next(q for q in load_shipped_banks()[EXAM].questions if q.stem == description)


def last_with_title(world, prefix):
    return next(m for m in reversed(world.guild.general.messages) if m.embeds and
                m.embeds[0].get("title", "").startswith(prefix))


async def open_round(world, questions=2):
    alice, bob, caro = world.member("alice"), world.member("bob"), world.member("caro")
    lobby = await alice.slash("quiz start", exam=EXAM, questions=questions, seconds=30)
    assert not lobby.ephemeral and "Join" in lobby.buttons
    for person in (bob, caro):
        joined = await lobby.click("Join", by=person)
        assert joined.ephemeral and "You're in" in joined.content
    await world.advance(seconds=60)
    return alice, bob, caro, last_with_title(world, "Question 1")


async def test_a_round_with_three_different_answers_reveal_and_scoreboard(world):
    """Three members answer privately and differently; the reveal counts them; the scoreboard ranks them."""
    alice, bob, caro, message = await open_round(world, questions=1)
    q = question_in(message)
    right = next(iter(q.answer))
    wrong = [o.id for o in q.options if o.id != right]
    locked = await press(world, alice, message, right.upper())
    assert locked.ephemeral and "Locked in" in locked.content
    await press(world, bob, message, wrong[0].upper())
    await press(world, caro, message, wrong[1].upper())
    changed = await press(world, caro, message, wrong[0].upper())
    assert "Changed to" in changed.content
    await world.advance(seconds=30)
    reveal = last_with_title(world, "Answer to question 1")
    tally = reveal.embeds[0]["fields"][0]["value"]
    assert f"✅ {right.upper()}: 1" in tally and f"{wrong[0].upper()}: 2" in tally
    board = last_with_title(world, "Final scoreboard")
    assert board.embeds[0]["description"].startswith(f"🥇 <@{alice.id}>: 1")
    assert board.pinged_users == []


async def test_an_answer_after_the_timer_is_refused(world):
    """A late click is told the answer was revealed, privately."""
    _, bob, _, message = await open_round(world)
    await world.advance(seconds=30)
    late = await press(world, bob, message, "A")
    assert late.ephemeral and "Time's up" in late.content


async def test_one_round_per_channel_and_stop_by_the_starter(world):
    """A second round is refused while one runs; another member can't stop it, the starter can."""
    alice, bob = world.member("alice"), world.member("bob")
    await alice.slash("quiz start", exam=EXAM)
    again = await bob.slash("quiz start", exam=EXAM)
    assert again.ephemeral and "already running" in again.content
    refused = await bob.slash("quiz stop")
    assert refused.ephemeral and "Only the member who started" in refused.content
    stopped = await alice.slash("quiz stop")
    assert stopped.embeds[0]["title"].startswith("Round stopped")


async def test_a_restart_mid_round_resumes_it(world):
    """After a restart the question's buttons still work and the timer still reveals and moves on."""
    alice, bob, _, message = await open_round(world, questions=2)
    q = question_in(message)
    right = next(iter(q.answer))
    await world.restart()
    locked = await press(world, bob, message, right.upper())
    assert "Locked in" in locked.content
    await world.advance(seconds=30)
    assert last_with_title(world, "Answer to question 1")
    assert last_with_title(world, "Question 2")
    await world.advance(seconds=30)
    board = last_with_title(world, "Final scoreboard")
    assert f"<@{bob.id}>: 1" in board.embeds[0]["description"]


def titled(world, prefix):
    return [m for m in world.guild.general.messages if m.embeds and m.embeds[0].get("title", "").startswith(prefix)]


async def test_a_round_end_saved_but_never_posted_is_posted_by_its_timer(world):
    """The round's end saved by a process that died before posting: the timer posts the reveal and scoreboard once."""
    alice, bob, _, message = await open_round(world, questions=1)
    right = next(iter(question_in(message).answer))
    await press(world, bob, message, right.upper())
    round_id = int(message.component_items()[0]["custom_id"].split(":")[2])
    world.clock.advance(seconds=30)
    assert await world.bot.services.quiz.advance(round_id, 0) is not None  # saved, as the dead process did
    await world.advance(seconds=1)
    assert [len(titled(world, t)) for t in ("Answer to question 1", "Final scoreboard")] == [1, 1]
    assert f"🥇 <@{bob.id}>: 1" in titled(world, "Final scoreboard")[0].embeds[0]["description"]


async def test_a_step_delivered_again_after_it_was_posted_appears_once(world):
    """Running a posted step's delivery again (a crash before it was marked sent) re-posts with the same nonces:
    Discord keeps one copy of each message."""
    _, bob, _, message = await open_round(world, questions=2)
    await press(world, bob, message, "A")
    await world.advance(seconds=30)
    round_id = int(message.component_items()[0]["custom_id"].split(":")[2])
    async with world.bot.db.read() as tx:
        delivery = await Deliveries(tx).by_key(reveal_key(round_id, 0))
    outcome = await world.bot.dispatcher.handler_for(QUIZ_REVEAL)(delivery)
    assert outcome.status == "sent"
    assert [len(titled(world, t)) for t in ("Answer to question 1", "Question 2")] == [1, 1]
