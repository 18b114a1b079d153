"""/practice and /gaps end to end: a private session with the why-prompt, leeches and exam-date mode."""

from __future__ import annotations

import re
from datetime import date

from bot.clock import to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.practice import Cards

EXAM = "SY0-701"


async def enrol(world, member, booked: str | None = None) -> None:
    now = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        await Members(tx).ensure(world.guild.id, member.id, now)
        await Exams(tx).set_active(world.guild.id, member.id, EXAM, now)
        if booked:
            await Exams(tx).set_booking(world.guild.id, member.id, EXAM, booked, None, now)


def shown_question(reply):
    """The session id and the bank question on screen (the embed shows the question's stem)."""
    message = reply.message
    ids = [c.get("custom_id", "") for c in message.component_items()]
    session = int(re.match(r"rb:p[am]:(\d+):", ids[0]).group(1))
    description = message.embeds[0]["description"]
    matches = [q for q in load_shipped_banks()[EXAM].questions if q.stem in description]
    assert len(matches) == 1
    return session, matches[0]


async def answer(reply, correct: bool):
    _, q = shown_question(reply)
    right = sorted(q.answer)
    wrong = [next(o.id for o in q.options if o.id not in q.answer), *right[1:]]
    picked = right if correct else wrong
    if q.choose > 1:
        return await reply.select(picked), q
    return await reply.click(picked[0].upper()), q


async def test_a_solo_session_with_the_why_prompt(world):
    """Question, miss, why-prompt with its remedy, next question, results: all private."""
    alice = world.member("alice")
    await enrol(world, alice)
    first = await alice.slash("practice", count=2)
    assert first.ephemeral
    assert set(first.buttons) & {"A", "B"} or first.message.selects
    missed, q = await answer(first, correct=False)
    assert "Not this time" in missed.embeds[0]["title"]
    assert q.explanation[:40] in missed.embeds[0]["description"]
    assert "I misread the question" in missed.buttons
    why = await missed.click("I misread the question")
    assert "slow down on stems" in why.embeds[-1]["description"]
    nxt = await why.click("Next question")
    assert nxt.embeds[0]["title"].startswith("Question 2 of 2")
    done, _ = await answer(nxt, correct=True)
    assert "Right" in done.embeds[0]["title"]
    results = await done.click("See my results")
    assert "1 of 2 right" in results.content
    gaps = await alice.slash("gaps")
    assert "100% of your misses are misreads" in gaps.embeds[0]["fields"][0]["value"]


async def test_buttons_of_a_replaced_session_say_what_happened(world):
    """After a new /practice, the old session's buttons answer privately and change nothing."""
    bob = world.member("bob")
    await enrol(world, bob)
    old = await bob.slash("practice", count=2)
    await bob.slash("practice", count=2)
    stale, _ = await answer(old, correct=True)
    assert stale.ephemeral and "newer session" in stale.content
    assert old.embeds[0]["title"].startswith("Question 1 of 2")


async def test_practice_without_an_exam_is_explained(world):
    """No exam yet: a kind private hint, no session."""
    reply = await world.member("carol").slash("practice")
    assert reply.ephemeral and "which exam" in reply.content


async def test_a_leech_switches_to_explanation_first_and_asks_for_a_rule(world):
    """The fourth miss asks for the member's rule; the next review shows the explanation first and the rule."""
    dana = world.member("dana")
    await enrol(world, dana)
    qid = None
    reply = None
    for attempt in range(4):
        if attempt:
            await world.advance(days=2)
        reply = await dana.slash("practice", count=1)
        _, q = shown_question(reply)
        qid = qid or q.id
        assert q.id == qid
        reply, _ = await answer(reply, correct=False)
        reply = await reply.click("I didn't know a term")
    assert "Write my rule" in reply.buttons
    modal = await reply.click("Write my rule")
    saved = await modal.submit_modal({"One line that would have got it right": "Managerial = governance documents"})
    assert "Managerial = governance documents" in saved.content
    await world.advance(days=2)
    again = await dana.slash("practice", count=1)
    description = again.embeds[0]["description"]
    assert description.startswith("📖 **Read this first**")
    assert "Managerial = governance documents" in description


async def test_exam_date_mode_keeps_due_cards_before_the_exam(world):
    """With an exam booked soon, every review card is due before exam day."""
    erin = world.member("erin")
    exam_day = (world.clock.now().date().toordinal() + 6)
    await enrol(world, erin, booked=date.fromordinal(exam_day).isoformat())
    for _ in range(3):
        reply = await erin.slash("practice", count=1)
        reply, _ = await answer(reply, correct=False)
        await reply.click("I guessed")
    for _ in range(2):
        await world.advance(days=1)
        reply = await erin.slash("practice", count=1)
        await answer(reply, correct=True)
    async with world.bot.db.read() as tx:
        cards = await Cards(tx).for_exam(world.guild.id, erin.id, EXAM)
    assert cards
    assert all(c.due.date().toordinal() < exam_day for c in cards)
