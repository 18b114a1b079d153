"""The bot killed with SIGKILL (a real separate process) in the middle of a reminder fan-out, a mock exam and a
group quiz round, then started again on the same database: nothing lost, nothing sent twice, the mock's clock
honest about the time the bot was down."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database
from bot.emulator import Emulator
from bot.emulator.process import BotProcess
from bot.services.reminders import TEXTS

from . import figures, invariants

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
FAN_OUT = 30
_QID = re.compile(r"question (\S+)$")


@pytest.fixture
async def emu():
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def place(tmp_path):
    return {"db": str(tmp_path / "killed.db"), "log": tmp_path / "bot.log"}


async def start_bot(emu, place, now) -> BotProcess:
    return await BotProcess(emu, place["db"], now, place["log"]).start()


def db_scalar(place, sql: str, *params):
    with sqlite3.connect(place["db"]) as conn:
        return conn.execute(sql, params).fetchone()[0]


async def sound(place, now) -> list[str]:
    db = Database(place["db"])
    await db.connect()
    try:
        return await invariants.problems(db, FakeClock(now))
    finally:
        await db.close()


async def test_kill_during_a_reminder_fan_out(emu, place):
    """30 members' 19:00 reminders: killed mid-send, restarted: each member gets exactly one reminder."""
    guild = emu.add_guild("Study Hall")
    bot = await start_bot(emu, place, START)
    members = [guild.add_member(f"member{i:02d}") for i in range(FAN_OUT)]
    for member in members:
        await member.slash("remind checkin", time="19:00")
    # Slow sends keep the fan-out going long enough for the kill to land in the middle of it.
    emu.faults.latency(r"POST /channels/\d+/messages", 0.3)
    evening = START.replace(hour=19)

    def reminded() -> list[int]:
        return [sum(1 for m in channel_messages(emu, member) if m.content == TEXTS["checkin_reminder"])
                for member in members]

    await bot.set_clock(evening, wait_delivered=False)
    await emu.wait_for(lambda: sum(reminded()) >= FAN_OUT // 3, timeout=30, message="a third of the reminders")
    await bot.kill()
    at_kill = sum(reminded())
    in_flight = db_scalar(place, "SELECT COUNT(*) FROM scheduled_deliveries WHERE status = 'sending'")
    emu.faults.clear()
    bot = await start_bot(emu, place, evening)
    await bot.set_clock(evening + timedelta(minutes=1))
    counts = reminded()
    await bot.stop()
    lost, doubled = counts.count(0), sum(c - 1 for c in counts if c > 1)
    figures.fault("SIGKILL during a reminder fan-out", injected=1, survived=int(not lost and not doubled), lost=lost,
                  note=f"{FAN_OUT} DMs: {at_kill} out before the kill, {in_flight} half-sent; {doubled} sent twice")
    assert 0 < at_kill < FAN_OUT
    assert (lost, doubled) == (0, 0)
    assert db_scalar(place, "SELECT COUNT(*) FROM scheduled_deliveries WHERE kind = 'checkin_reminder' "
                            "AND status = 'pending'") == FAN_OUT  # tomorrow's, one each
    assert await sound(place, evening) == []


def channel_messages(emu, member):
    user = member.user
    if user.dm_channel_id is None:
        return []
    channel = emu.state.channels[user.dm_channel_id]
    return [emu.state.messages[i] for i in channel.message_ids if i in emu.state.messages]


def mock_question(message):
    footer = message.embeds[0]["footer"]["text"]
    return load_shipped_banks()["AZ-900"].question(_QID.search(footer).group(1))


async def answer_shown(member, message):
    """Answer the question on the mock's DM message correctly, as the member would."""
    question = mock_question(message)
    shown = member.sees(message)
    if message.selects:
        return await shown.select(sorted(question.answer))
    return await shown.click(sorted(question.answer)[0].upper())


def answered_in_db(place) -> int:
    return db_scalar(place, "SELECT COUNT(*) FROM mock_answers WHERE chosen <> ''")


async def test_kill_during_a_mock_exam(emu, place):
    """Killed after 3 answers and again mid-click: answers kept, the deadline never moves, time down counts."""
    guild = emu.add_guild("Study Hall")
    bot = await start_bot(emu, place, START)
    alice = guild.add_member("alice")
    await alice.slash("exam set", code="AZ-900")
    started = await alice.slash("mock start", length="half")
    assert "check your DMs" in started.content
    message = channel_messages(emu, alice)[-1]
    for _ in range(3):
        await answer_shown(alice, message)
    deadline = db_scalar(place, "SELECT deadline_at FROM mock_attempts")
    await bot.kill()
    after_first = answered_in_db(place)
    # The bot is down for five minutes; the exam clock does not stop for that.
    now = START + timedelta(minutes=5)
    bot = await start_bot(emu, place, now)
    await answer_shown(alice, message)
    shown = alice.sees(message)
    question = mock_question(message)
    label = sorted(question.answer)[0].upper()
    if not message.selects:
        await shown.click(label, wait=False)
    await bot.kill()
    bot = await start_bot(emu, place, now)
    resumed = await alice.slash("mock resume")
    left = str(resumed.embeds[0]["fields"]) if resumed.embeds else resumed.content
    recorded = answered_in_db(place)
    position = db_scalar(place, "SELECT position FROM mock_attempts")
    await bot.set_clock(datetime.fromtimestamp(deadline, UTC) + timedelta(minutes=1))
    results = channel_messages(emu, alice)[-1].embeds[0]["description"]
    await bot.stop()
    figures.fault("SIGKILL during a mock exam (twice)", injected=2,
                  survived=int(after_first == 3) + int(recorded in (4, 5)), lost=max(0, 3 - after_first),
                  note=f"{recorded} of 4 or 5 answers kept (a click in flight at the kill got no reply and is "
                       "answered again); deadline unchanged; time left counts the 5 minutes down")
    assert after_first == 3
    assert recorded in (4, 5) and position == recorded
    assert db_scalar(place, "SELECT deadline_at FROM mock_attempts") == deadline
    assert "18:00 left" in left
    assert f"{recorded} of 25" in results
    assert await sound(place, now) == []


async def test_kill_while_a_mock_times_out(emu, place):
    """Killed after the deadline's auto-submit is saved but before the results are sent: they still arrive once."""
    guild = emu.add_guild("Study Hall")
    bot = await start_bot(emu, place, START)
    alice = guild.add_member("alice")
    await alice.slash("exam set", code="AZ-900")
    await alice.slash("mock start", length="half")
    message = channel_messages(emu, alice)[-1]
    await answer_shown(alice, message)
    deadline = datetime.fromtimestamp(db_scalar(place, "SELECT deadline_at FROM mock_attempts"), UTC)
    emu.faults.latency(r"POST /channels/\d+/messages", 0.5)  # widens the window between saving and sending
    await bot.set_clock(deadline, wait_delivered=False)
    await emu.wait_for(lambda: db_scalar(place, "SELECT status FROM mock_attempts") == "timed_out", timeout=30,
                       message="the auto-submit saved")
    await bot.kill()
    emu.faults.clear()
    bot = await start_bot(emu, place, deadline)
    await bot.set_clock(deadline + timedelta(minutes=1))
    await bot.stop()
    results = [m for m in channel_messages(emu, alice) if m.embeds and
               m.embeds[0].get("title", "").startswith("Mock results")]
    figures.fault("SIGKILL while a mock's time-out sends the results", injected=1, survived=int(len(results) == 1),
                  lost=int(not results), note=f"{len(results)} results message(s)")
    assert len(results) == 1
    assert "1 of 25" in results[0].embeds[0]["description"]


def round_messages(emu, guild, prefix):
    return [m for m in guild.general.messages if m.embeds and m.embeds[0].get("title", "").startswith(prefix)]


async def press_on(member, message, label):
    return await member.sees(message).click(label)


async def open_round(emu, guild, bot, questions: int):
    alice, bob, caro = (guild.add_member(n) for n in ("alice", "bob", "caro"))
    lobby = await alice.slash("quiz start", exam="SY0-701", questions=questions, seconds=30)
    for member in (bob, caro):
        await lobby.click("Join", by=member)
    now = START + timedelta(seconds=61)
    await bot.set_clock(now)
    [question] = round_messages(emu, guild, "Question 1")
    return (alice, bob, caro), question, now


def posts(emu, guild, questions: int) -> dict[str, int]:
    titles = [f"{kind} {n}" for n in range(1, questions + 1) for kind in ("Question", "Answer to question")]
    return {title: len(round_messages(emu, guild, title)) for title in [*titles, "Final scoreboard"]}


async def test_kill_between_answers_of_a_group_quiz_round(emu, place):
    """Killed after one answer: the answers given before and after the restart all count, every post once."""
    guild = emu.add_guild("Study Hall")
    bot = await start_bot(emu, place, START)
    (alice, bob, caro), question, now = await open_round(emu, guild, bot, questions=1)
    await press_on(bob, question, "A")
    await bot.kill()
    bot = await start_bot(emu, place, now)
    await press_on(caro, question, "B")
    await press_on(alice, question, "A")
    await bot.set_clock(now + timedelta(seconds=30))
    await bot.stop()
    reveal = round_messages(emu, guild, "Answer to question 1")
    answered = reveal[0].embeds[0]["fields"][0]["name"] if reveal else ""
    seen = posts(emu, guild, 1)
    missing, doubled = [t for t, n in seen.items() if n == 0], [t for t, n in seen.items() if n > 1]
    figures.fault("SIGKILL between answers of a group quiz round", injected=1,
                  survived=int(not missing and not doubled and "(3)" in answered), lost=len(missing),
                  note=f"3 answers, 1 before the kill; posts {seen}")
    assert "(3)" in answered
    assert (missing, doubled) == ([], [])
    assert await sound(place, now) == []


async def test_kill_while_a_group_quiz_round_posts_its_reveal(emu, place):
    """Killed after the round's last step is saved but before it is posted: the reveal and scoreboard come once,
    and no answer counts twice."""
    guild = emu.add_guild("Study Hall")
    bot = await start_bot(emu, place, START)
    (alice, bob, caro), question, now = await open_round(emu, guild, bot, questions=1)
    for member, label in ((alice, "A"), (bob, "A"), (caro, "B")):
        await press_on(member, question, label)
    emu.faults.latency(r"POST /channels/\d+/messages", 0.5)  # widens the window between saving and posting
    now += timedelta(seconds=30)
    await bot.set_clock(now, wait_delivered=False)
    await emu.wait_for(lambda: db_scalar(place, "SELECT status FROM quiz_rounds") == "finished", timeout=30,
                       message="the round's last step saved")
    await bot.kill()
    emu.faults.clear()
    bot = await start_bot(emu, place, now)
    await bot.set_clock(now + timedelta(seconds=1))
    await bot.stop()
    seen = posts(emu, guild, 1)
    missing, doubled = [t for t, n in seen.items() if n == 0], [t for t, n in seen.items() if n > 1]
    figures.fault("SIGKILL while a quiz round posts its reveal", injected=1, survived=int(not missing and not doubled),
                  lost=len(missing), note=f"posts {seen}")
    assert doubled == []
    assert missing == []
    counted = db_scalar(place, "SELECT COUNT(*) FROM practice_answers WHERE round_id IS NOT NULL")
    assert (counted, db_scalar(place, "SELECT MAX(answered) FROM domain_mastery")) == (3, 1)
    assert await sound(place, now) == []
