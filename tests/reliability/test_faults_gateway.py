"""The gateway dropped (no close frame, as when a network path dies) in the middle of a solo practice, a group
quiz round and a mock: the client resumes, Discord replays what it missed, and no answer is lost."""

from __future__ import annotations

from bot.data.bank_loader import load_shipped_banks
from bot.emulator import RateLimits
from bot.emulator.harness import Reply

from . import figures, invariants

EXAM = "SY0-701"


def shown_question(message):
    description = message.embeds[0]["description"]
    return next(q for q in load_shipped_banks()[EXAM].questions if q.stem in description)


async def count(world, sql: str, *params) -> int:
    async with world.bot.db.read() as tx:
        return await tx.scalar(sql, params)


async def press_while_dropped(world, reply: Reply, label: str | None = None, values=None) -> Reply:
    """Cut the gateway, then press: the click waits in Discord's replay buffer until the client resumes."""
    assert await world.emu.drop_gateway() == 1
    pending = await (reply.select(values, wait=False) if values else reply.click(label, wait=False))
    return await pending.wait()


async def test_a_dropped_gateway_mid_practice_loses_no_answer(world):
    """Five answers, each pressed while the gateway is down: five resumes, five answers stored."""
    world.emu.set_rate_limits(RateLimits.disabled())
    alice = world.member("alice")
    await alice.slash("exam set", code=EXAM)
    reply = await alice.slash("practice", count=5)
    drops = 0
    for _ in range(5):
        question = shown_question(reply.message)
        picks = sorted(question.answer)
        drops += 1
        if reply.message.selects:
            answered = await press_while_dropped(world, reply, values=picks)
        else:
            answered = await press_while_dropped(world, reply, picks[0].upper())
        reply = await answered.click("Next question") if "Next question" in answered.buttons else answered
    stored = await count(world, "SELECT COUNT(*) FROM practice_answers WHERE user_id = ?", alice.id)
    figures.fault("gateway dropped mid-practice (each answer)", injected=drops, survived=stored,
                  lost=drops - stored, note=f"{world.emu.gateway.resumes} resumes, "
                                        f"{world.emu.gateway.identifies - 1} new sessions")
    assert stored == drops
    assert world.emu.gateway.resumes == drops
    assert world.emu.gateway.identifies == 1


async def test_a_dropped_gateway_mid_round_loses_no_answer(world):
    """Three members answer a round's question while the gateway is down; the reveal counts all three."""
    alice, bob, caro = world.member("alice"), world.member("bob"), world.member("caro")
    lobby = await alice.slash("quiz start", exam=EXAM, questions=1, seconds=30)
    for member in (bob, caro):
        await lobby.click("Join", by=member)
    await world.advance(seconds=61)
    question = next(m for m in reversed(world.guild.general.messages)
                    if m.embeds and m.embeds[0].get("title", "").startswith("Question 1"))
    assert await world.emu.drop_gateway() == 1
    pressed = [await member.sees(question).click(label, wait=False)
               for member, label in ((alice, "A"), (bob, "B"), (caro, "C"))]
    for reply in pressed:
        await reply.wait()
    await world.advance(seconds=30)
    reveal = next(m for m in world.guild.general.messages
                  if m.embeds and m.embeds[0].get("title", "").startswith("Answer to question 1"))
    heard = reveal.embeds[0]["fields"][0]["name"]
    figures.fault("gateway dropped mid-round (3 answers while down)", injected=1, survived=int("(3)" in heard),
                  lost=3 - int(heard.rsplit("(", 1)[1].rstrip(")")), note=heard)
    assert "(3)" in heard
    assert world.emu.gateway.resumes == 1


async def test_a_dropped_gateway_mid_mock_loses_no_answer(world):
    """An answer pressed in a mock's DM while the gateway is down is stored once the client resumes."""
    world.emu.set_rate_limits(RateLimits.disabled())
    alice = world.member("alice")
    await alice.slash("exam set", code="AZ-900")
    await alice.slash("mock start", length="half")
    message = (await alice.dms())[-1]
    footer = message.embeds[0]["footer"]["text"]
    question = load_shipped_banks()["AZ-900"].question(footer.rsplit("question ", 1)[1])
    shown = alice.sees(message)
    if message.selects:
        await press_while_dropped(world, shown, values=sorted(question.answer))
    else:
        await press_while_dropped(world, shown, sorted(question.answer)[0].upper())
    stored = await count(world, "SELECT COUNT(*) FROM mock_answers WHERE chosen <> ''")
    figures.fault("gateway dropped mid-mock", injected=1, survived=stored, lost=1 - stored)
    assert stored == 1
    assert await invariants.problems(world.bot.db, world.clock) == []
