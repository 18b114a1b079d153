"""Interaction latency under load: time from dispatch to the bot's callback, 200 interactions in flight.

Each bot runs in its own process against the same emulator (the same machine, the same run): first the
bare discord.py reference with one command answering "ok", then Rebound. Every member sends one
interaction; the clock starts when the emulator dispatches INTERACTION_CREATE (Discord's 3 s deadline
counts from the interaction's creation) and stops when the initial response (callback) arrives.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import seed
from bench.common import Result, bot_process, emulator, percentile
from bot.clock import FakeClock
from bot.emulator import Emulator, GuildHandle, MemberHandle
from bot.emulator.process import BotProcess
from bot.emulator.state import Channel, Interaction, Message
from bot.services.container import Services

DEADLINE = 3.0  # Discord: an interaction must be answered (or deferred) within 3 seconds
IN_FLIGHT = 200
WARM_UP = 20
GIVE_UP = 30.0  # an interaction still unanswered after this is counted as a miss and abandoned
P99_RATIO_TARGET = 1.5
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the bot's fake clock at start
BOARD_TIMEOUT = 300.0


@dataclass
class Run:
    label: str
    latencies: list[float] = field(default_factory=list)
    missed: int = 0  # answered after the deadline, refused by the emulator, or never answered
    bot_cpu: float = 0.0  # CPU seconds the bot process used during the run
    correctness: bool = True  # deadline misses of the reference are the machine's, not Rebound's
    compared: bool = True  # a load of its own, compared with the reference's p99
    extra: list[tuple[str, float, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


async def acknowledged(interaction: Interaction, give_up_at: float) -> float | None:
    """The loop time at which the bot's callback reached the emulator; None if it never did."""
    loop = asyncio.get_running_loop()
    while interaction.response_type is None and not interaction.errors:
        remaining = give_up_at - loop.time()
        if remaining <= 0:
            return None
        try:
            await asyncio.wait_for(interaction.changed().wait(), remaining)
        except TimeoutError:
            return None
    return loop.time() if interaction.response_type is not None else None


async def load(label: str, bot: BotProcess, dispatchers: list[Any], in_flight: int = IN_FLIGHT) -> Run:
    """Run every dispatcher (a no-argument callable that dispatches one interaction) with ``in_flight`` open."""
    loop = asyncio.get_running_loop()
    run = Run(label)
    cpu_before = bot.cpu_seconds()
    slots = asyncio.Semaphore(in_flight)

    async def one(dispatch: Any) -> None:
        async with slots:
            started = loop.time()
            interaction = dispatch()
            at = await acknowledged(interaction, started + GIVE_UP)
            if at is None:
                run.missed += 1
                return
            latency = at - started
            run.latencies.append(latency)
            if latency > DEADLINE:
                run.missed += 1
            give_up = started + GIVE_UP - loop.time()
            while not interaction.answered and give_up > 0:  # a deferred reply still holds its slot
                try:
                    await asyncio.wait_for(interaction.changed().wait(), give_up)
                except TimeoutError:
                    break
                give_up = started + GIVE_UP - loop.time()

    await asyncio.gather(*(one(d) for d in dispatchers))
    run.bot_cpu = bot.cpu_seconds() - cpu_before
    return run


def slash(emu: Emulator, member: MemberHandle, command: str, **options: Any) -> Any:
    def dispatch() -> Interaction:
        data = emu.command_data(command, options, guild=member.guild, user=member)
        channel = emu.state.channels[member.guild.system_channel_id or 0]
        return emu.dispatch_interaction(2, data, user=member, channel=channel)
    return dispatch


def click(emu: Emulator, member: MemberHandle, channel: Channel, message: Message, custom_id: str) -> Any:
    def dispatch() -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return emu.dispatch_interaction(3, data, user=member, channel=channel, message=message)
    return dispatch


def recorded(dispatch: Any, into: list[Interaction]) -> Any:
    def dispatch_and_keep() -> Interaction:
        interaction = dispatch()
        into.append(interaction)
        return interaction
    return dispatch_and_keep


def button_ids(message: Message) -> list[str]:
    return [c["custom_id"] for c in message.component_items() if c.get("type") == 2 and c.get("custom_id")]


def checkin_cog_present() -> bool:
    return (Path(__file__).resolve().parent.parent / "cogs" / "checkin.py").exists()


async def reference(emu: Emulator, members: list[MemberHandle], warm: list[MemberHandle], log_dir: str) -> Run:
    async with bot_process(emu, bare=True, log_dir=log_dir) as bot:
        await load("warm-up", bot, [slash(emu, m, "ok") for m in warm])
        run = await load("bare bot /ok", bot, [slash(emu, m, "ok") for m in members])
    run.correctness = False
    return run


async def seeded_database(path: str, guild: GuildHandle, everyone: list[MemberHandle], per_member: int) -> int:
    """Rebound's database as a busy server has it: a year of check-ins and the board showing everyone."""
    rng = random.Random(5)
    db = await seed.migrated(path, START)
    try:
        ids = [m.id for m in everyone]
        await seed.members(db, guild.id, ids, START)
        made = await seed.checkins(db, guild.id, ids, per_member, START, rng)
        services = Services.build(db, FakeClock(START))
        await seed.board(db, services, guild.id, guild.general.id, guild.owner.id, ids, START)
    finally:
        await db.close()
    return made


async def rebound(emu: Emulator, guild: GuildHandle, members: list[MemberHandle], warm: list[MemberHandle],
                  path: str, work: str, result: Result) -> list[Run]:
    runs = []
    has_checkin = checkin_cog_present()
    if has_checkin:
        command, options, label = "checkin log", {"minutes": 30}, "Rebound /checkin log"
    else:
        command, options, label = "settings timezone", {"name": "Europe/Berlin"}, "Rebound /settings timezone"
    result.notes.append(f"Rebound command measured: /{command} "
                        f"({'cogs/checkin.py is present' if has_checkin else 'cogs/checkin.py is not there yet'}).")
    async with bot_process(emu, db=path, now=START.isoformat(), log_dir=work) as bot:
        await load("warm-up", bot, [slash(emu, m, command, **options) for m in warm])
        runs.append(await load(label, bot, [slash(emu, m, command, **options) for m in members]))
        runs.append(await while_board_refreshes(emu, guild, bot, [slash(emu, m, command, **options) for m in members],
                                                f"{label} while the board refreshes", result))
        quiz = await quiz_round(emu, guild, bot, members)
        if quiz is None:
            result.notes.append("The group quiz round could not be run (see the bot log); only the command above.")
        else:
            runs += quiz
    return runs


async def while_board_refreshes(emu: Emulator, guild: GuildHandle, bot: BotProcess, dispatchers: list[Any],
                                label: str, result: Result) -> Run:
    """The same load again, with the clock moved past the minute so the board's refresh runs meanwhile."""
    before = set(guild.general.record.message_ids)
    loop = asyncio.get_running_loop()
    running = asyncio.create_task(load(label, bot, dispatchers))
    await asyncio.sleep(0)  # the first interactions are on their way before the clock moves
    moved = loop.time()
    await bot.advance(61)
    run = await running
    await bot.wait("delivered", timeout=BOARD_TIMEOUT)
    took = loop.time() - moved
    posted = [emu.state.messages[i] for i in guild.general.record.message_ids
              if i not in before and i in emu.state.messages]
    drawn = any(e.get("title", "").startswith("Progress board") for m in posted for e in m.embeds)
    run.extra.append(("board redrawn during that load: clock move to deliveries done", took, "s"))
    if not drawn:
        result.notes.append("The board message was not posted during the board load (see the bot log).")
    return run


async def quiz_round(emu: Emulator, guild: GuildHandle, bot: BotProcess,
                     members: list[MemberHandle]) -> list[Run] | None:
    """Everyone joins one /quiz round, the first question is posted, everyone answers it."""
    sent: list[Interaction] = []
    start_round = recorded(slash(emu, guild.owner, "quiz start", exam="SY0-701", questions=1, seconds=300), sent)
    start = await load("Rebound first /quiz start (alone)", bot, [start_round])
    start.compared = False
    message = emu.state.messages.get(sent[0].original_message_id or 0) if sent else None
    if message is None or not button_ids(message):
        return None
    channel = emu.state.channels[message.channel_id]
    join = button_ids(message)[0]
    joins = await load("Rebound quiz Join button", bot, [click(emu, m, channel, message, join) for m in members])
    before = set(channel.message_ids)
    await bot.advance(61)  # past the 60 s join phase: the first question is posted
    await bot.wait("delivered", timeout=BOARD_TIMEOUT)  # the board, touched meanwhile, is redrawn too
    posted = [emu.state.messages[i] for i in channel.message_ids if i not in before and i in emu.state.messages]
    question = next((m for m in posted if any(i.startswith("rb:qa:") for i in button_ids(m))), None)
    if question is None:
        return None
    answer = next(i for i in button_ids(question) if i.startswith("rb:qa:"))
    answers = await load("Rebound quiz answer button", bot, [click(emu, m, channel, question, answer) for m in members])
    return [start, joins, answers]


async def measure(quick: bool) -> Result:
    result = Result("latency", quick)
    size = 300 if quick else 1000
    server = 300 if quick else 10_000
    per_member = 10 if quick else 100  # check-ins each over the past year
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as work:
        emu = emulator()
        await emu.start()
        try:
            guild = emu.add_guild("Study Hall", owner="owner")
            everyone = [guild.add_member(f"member{i}") for i in range(server)]
            members = everyone[:size]
            warm = [guild.add_member(f"warm{i}") for i in range(WARM_UP)]
            path = str(Path(work) / "rebound.db")
            made = await seeded_database(path, guild, everyone, per_member)
            bare = await reference(emu, members, warm, work)
            runs = await rebound(emu, guild, members, warm, path, work, result)
        finally:
            await emu.stop()
    result.notes.append(f"Server: {server:,} members, {made:,} check-ins over the past year, all members shown on "
                        "the progress board.")
    result.notes.append(f"{size} members, one interaction each, {IN_FLIGHT} in flight; {WARM_UP} warm-up "
                        "interactions per bot are not counted.")
    for run in [bare, *runs]:
        for q in (50, 95, 99):
            result.add(f"{run.label}: p{q}", 1000 * run.p(q), "ms")
        result.add(f"{run.label}: answered", run.count, "count")
        result.add(f"{run.label}: bot CPU per interaction", 1000 * run.bot_cpu / max(run.count, 1), "ms")
        result.add(f"{run.label}: not answered within 3 s", run.missed, "count", target="0", met=run.missed == 0,
                   correctness=run.correctness)
        for name, value, unit in run.extra:
            result.add(name, value, unit)
    for run in [r for r in runs if r.compared]:
        ratio = run.p(99) / bare.p(99) if bare.latencies else float("nan")
        result.add(f"{run.label}: p99 / bare bot p99", ratio, "×", target=f"≤ {P99_RATIO_TARGET}",
                   met=ratio <= P99_RATIO_TARGET)
    return result


def run(quick: bool) -> Result:
    return asyncio.run(measure(quick))
