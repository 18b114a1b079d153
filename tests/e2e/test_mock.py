"""/mock and /readiness through the real client and the emulator, with the fake clock."""

from __future__ import annotations

import re

from bot.clock import to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.emulator.harness import Reply
from bot.services.mocks import MockQuestionView

EXAM = "AZ-900"
_QID = re.compile(r"question (\S+)$")


def question_of(message):
    footer = message.embeds[0]["footer"]["text"]
    return load_shipped_banks()[EXAM].question(_QID.search(footer).group(1))


def is_question(message) -> bool:
    return bool(message.embeds) and message.embeds[0].get("title", "").startswith("Question")


async def click_on(world, member, message, label: str) -> Reply:
    """Press a button on a message that is not a reply to this member's command (a DM from the bot)."""
    button = next(c for c in message.component_items() if c.get("type") == 2 and c.get("label") == label)
    channel = world.emu.state.channels[message.channel_id]
    interaction = world.emu.dispatch_interaction(3, {"custom_id": button["custom_id"], "component_type": 2},
                                                 user=member, channel=channel, message=message)
    return await Reply(world.emu, interaction, member).wait()


async def answer(reply: Reply, *, correct: bool = True) -> Reply:
    question = question_of(reply.message)
    picks = sorted(question.answer) if correct else \
        [next(o.id for o in question.options if o.id not in question.answer), *sorted(question.answer)[1:]]
    if reply.message.selects:
        return await reply.select(picks)
    return await reply.click(picks[0].upper())


async def first_question(world, member) -> Reply:
    """The mock's question message in the member's DMs, as something buttons can be pressed on."""
    message = (await member.dms())[-1]
    assert is_question(message)
    return Reply(world.emu, _Shown(message), member)


class _Shown:
    """Lets ``Reply`` read a DM message the bot sent on its own (not as an interaction response)."""

    def __init__(self, message) -> None:
        self.response_type = 4
        self.original_edited = False
        self.original_message_id = message.id
        self.followup_ids: list[int] = []
        self.answered = True
        self.source_message_id = None


async def start(world, member, **options) -> Reply:
    started = await member.slash("mock start", exam=EXAM, **options)
    assert started.ephemeral
    return started


async def test_strict_half_mock_answered_to_the_end(world):
    """A strict mock runs in DMs, one question at a time, and ends with results, a chart and a review."""
    alice = world.member("alice")
    started = await start(world, alice, length="half")
    assert "check your DMs" in started.content
    reply = await first_question(world, alice)
    assert (reply.buttons[:2] == ["A", "B"] or reply.message.selects) and "Back" not in reply.buttons
    for _ in range(25):
        assert is_question(reply.message)
        reply = await answer(reply)
    results = reply.message.embeds[0]
    assert results["title"].startswith("Mock results: AZ-900 (half, strict)")
    assert "100%" in results["description"] and "estimate" in results["description"]
    assert "don't count towards readiness" in results["description"]
    assert reply.message.attachments and reply.message.attachments[0].filename.endswith(".png")


async def test_mock_times_out_half_answered(world):
    """At the deadline the mock is submitted by the scheduler and scored on what was answered."""
    bob = world.member("bob")
    await start(world, bob, length="half")
    reply = await first_question(world, bob)
    for _ in range(5):
        reply = await answer(reply)
    await world.advance(minutes=10)
    assert "13:00 left" in str((await bob.dms())[0].embeds[0]["fields"])
    await world.advance(minutes=13)
    dms = await bob.dms()
    assert "Time is up" in dms[0].content
    results = dms[-1].embeds[0]["description"]
    assert "Time ran out" in results and "5 of 25" in results and "Unanswered: 20" in results


async def test_restart_in_the_middle_keeps_clock_and_answers(world):
    """After a restart the old DM buttons still work, answers are kept and the clock kept running."""
    carol = world.member("carol")
    await start(world, carol, length="half")
    reply = await first_question(world, carol)
    for _ in range(3):
        reply = await answer(reply)
    await world.restart()
    await world.advance(minutes=8)
    message = (await carol.dms())[0]
    reply = await answer(Reply(world.emu, _Shown(message), carol))
    assert reply.message.embeds[0]["title"] == "Question 5 of 25"
    resumed = await carol.slash("mock resume")
    assert resumed.ephemeral and "Question 5 of 25" in resumed.embeds[0]["title"]
    assert "15:00 left" in str(resumed.embeds[0]["fields"])


async def test_exam_mode_flag_and_revisit(world):
    """In exam mode a question can be flagged, left, revisited, changed and then submitted."""
    dana = world.member("dana")
    await start(world, dana, length="half", mode="exam")
    reply = await first_question(world, dana)
    reply = await reply.click("Flag")
    assert "flagged" in reply.message.embeds[0]["title"]
    reply = await answer(reply, correct=False)
    assert reply.message.embeds[0]["title"] == "Question 2 of 25"
    reply = await reply.click("Next flagged")
    assert reply.message.embeds[0]["title"].startswith("Question 1 of 25")
    reply = await answer(reply, correct=True)
    reply = await reply.click("Submit")
    assert "Submit this mock?" in reply.message.embeds[0]["title"]
    reply = await reply.click("Yes, submit")
    results = reply.message.embeds[0]["description"]
    assert "Answers changed: 1" in results and "1 of 25" in results


async def test_second_mock_while_one_runs_is_refused(world):
    """Starting a mock while one runs gets a clear private reply and no second DM."""
    erin = world.member("erin")
    await start(world, erin, length="half")
    again = await erin.slash("mock start", exam=EXAM, length="half")
    assert again.ephemeral and "already have a mock running" in again.content
    assert len(await erin.dms()) == 1


async def test_answering_after_time_out_changes_nothing(world):
    """A button pressed after the auto-submit is refused and the results stay as they were."""
    fay = world.member("fay")
    await start(world, fay, length="half")
    old = (await fay.dms())[0]
    buttons_before = list(old.components)
    await world.advance(minutes=30)
    assert old.components != buttons_before  # the question message lost its buttons at the time-out
    results_before = (await fay.dms())[-1].embeds
    pressed = await press_any(world, fay, _with_buttons(old, buttons_before))
    assert pressed.ephemeral and "Time ran out" in pressed.content
    assert (await fay.dms())[-1].embeds == results_before


async def press_any(world, member, message) -> Reply:
    """Use the question's first control: an answer button, or (multi-answer questions) the select."""
    if any(c.get("type") == 2 for c in message.component_items()):
        label = next(c.get("label") for c in message.component_items() if c.get("type") == 2)
        return await click_on(world, member, message, label)
    select = message.selects[0]
    values = [o["value"] for o in select["options"]][: select.get("min_values", 1)]
    return await member.sees(message).select(values)


def _with_buttons(message, components):
    """The message as a member's client may still show it: with the buttons it had before the edit."""
    message.components = components
    return message


async def test_buttons_of_an_abandoned_mock_do_nothing(world):
    """After /mock abandon, the mock's buttons get a clear reply and change nothing."""
    gus = world.member("gus")
    await start(world, gus, length="half")
    old = (await gus.dms())[0]
    components = list(old.components)
    gone = await gus.slash("mock abandon")
    assert "abandoned" in gone.content.lower()
    pressed = await press_any(world, gus, _with_buttons(old, components))
    assert pressed.ephemeral and "abandoned this mock" in pressed.content
    resumed = await gus.slash("mock resume")
    assert "no mock running" in resumed.content


async def test_closed_dms_run_the_mock_in_the_private_reply(world):
    """With DMs closed the mock runs in the ephemeral reply, and says so."""
    hal = world.member("hal")
    hal.close_dms()
    started = await start(world, hal, length="half")
    assert "couldn't send you a DM" in started.content and is_question(started.message)
    reply = await answer(started)
    assert reply.message.embeds[0]["title"] == "Question 2 of 25"


async def set_exam(world, member):
    now = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        await Members(tx).ensure(world.guild.id, member.id, now)
        await Exams(tx).set_active(world.guild.id, member.id, EXAM, now)


async def perfect_mock_through_the_service(world, member, length):
    service = world.bot.services.mocks
    step = (await service.start(world.guild.id, member.id, length=length)).question
    bank = load_shipped_banks()[EXAM]
    while isinstance(step, MockQuestionView):
        step = await service.answer(step.attempt_id, member.id, step.position,
                                    sorted(bank.question(step.question_id).answer))
    await world.advance(days=1)


async def test_gate_opens_after_the_third_full_mock_not_after_a_half(world):
    """Two strong full mocks and a half keep the gate shut; a third full mock, answered by buttons, opens it."""
    ivy = world.member("ivy")
    await set_exam(world, ivy)
    await perfect_mock_through_the_service(world, ivy, "full")
    await perfect_mock_through_the_service(world, ivy, "full")
    await perfect_mock_through_the_service(world, ivy, "half")
    shown = await ivy.slash("readiness")
    assert "not yet" in shown.embeds[0]["title"] and "2 of 3" in shown.embeds[0]["description"]
    assert not any("ready to book" in m.content for m in await ivy.dms())

    await ivy.slash("mock start")
    reply = await first_question(world, ivy)
    for _ in range(50):
        reply = await answer(reply)
    assert "Ready: 3 of 3" in reply.message.embeds[0]["description"]
    await world.advance(minutes=1)
    notices = [m for m in await ivy.dms() if "ready to book" in m.content]
    assert len(notices) == 1
    shown = await ivy.slash("readiness")
    assert "ready to book" in shown.embeds[0]["title"]
    await world.advance(hours=2)
    assert len([m for m in await ivy.dms() if "ready to book" in m.content]) == 1
