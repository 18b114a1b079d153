"""Member commands and the board at scale: database time per operation, big guild against empty guild.

The big guild: 10,000 members with an active exam and a score report each, all opted in to the progress
board, a year of check-ins (about 100 a member, ≈1M rows) and 50,000 group-quiz answers (50 rounds of
1,000 players, each run through the quiz service, so the per-member answer and mastery rows exist too).
The same operations run in an empty guild (only the member doing them) as the reference. Everything goes
through the services and repositories the bot uses; the benchmark only times them.

Database time is the time spent awaiting aiosqlite (statements, fetches, BEGIN/COMMIT) inside one
operation; wall time adds the service's own Python and, where the command draws one, the rendering.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bench import seed
from bench.common import Result, percentile
from bot.clock import FakeClock, to_epoch
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.repositories.exams import Exams, ReportDomainRecord
from bot.domain.reports import ResultKind
from bot.services.container import Services

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
GUILD = 900_000_000_000_000_001
EMPTY_GUILD = 900_000_000_000_000_002
FIRST_USER = 800_000_000_000_000_000
CHANNEL = 700_000_000_000_000_000
EXAM = "SY0-701"
CHECKINS_PER_MEMBER = 100
BOARD_TARGET_MS = 200.0
BOARD_SAMPLES = 5
QUIZ_SAMPLES = 2
COMMAND_TARGET_MS = 20.0


class DbMeter:
    """Adds up the time spent awaiting aiosqlite, and counts statements, while ``measuring()``."""

    _counted = ("execute", "executemany", "execute_fetchall", "execute_insert")
    _timed = {aiosqlite.Connection: (*_counted, "commit", "rollback"),
              aiosqlite.Cursor: ("fetchone", "fetchall", "close")}

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0

    @contextmanager
    def measuring(self) -> Iterator[DbMeter]:
        originals = {(cls, name): getattr(cls, name) for cls, names in self._timed.items() for name in names}
        for (cls, name), original in originals.items():
            setattr(cls, name, self._wrap(original, counts=name in self._counted))
        try:
            yield self
        finally:
            for (cls, name), original in originals.items():
                setattr(cls, name, original)

    def _wrap(self, original: Callable[..., Awaitable[Any]], *, counts: bool) -> Callable[..., Awaitable[Any]]:
        meter = self

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                meter.seconds += time.perf_counter() - started
                meter.statements += counts

        return timed


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


async def timed(meter: DbMeter, samples: Samples, operation: Callable[[], Awaitable[Any]]) -> Any:
    meter.seconds, meter.statements = 0.0, 0
    started = time.perf_counter()
    with meter.measuring():
        value = await operation()
    samples.wall.append(time.perf_counter() - started)
    samples.db.append(meter.seconds)
    samples.statements.append(meter.statements)
    return value


def user(i: int) -> int:
    return FIRST_USER + i


async def add_exam_and_report(db: Database, guild_id: int, user_ids: list[int], rng: random.Random) -> None:
    exam = load_catalogue().require(EXAM)
    at = to_epoch(NOW - timedelta(days=20))
    for start in range(0, len(user_ids), seed.BATCH):
        async with db.transaction() as tx:
            exams = Exams(tx)
            for user_id in user_ids[start:start + seed.BATCH]:
                await exams.set_active(guild_id, user_id, EXAM, at)
                domains = [ReportDomainRecord(d.number, ResultKind.PERCENT.value, float(rng.randrange(35, 95)),
                                              None, (), None) for d in exam.domains]
                await exams.add_report(guild_id, user_id, EXAM, None, None, domains, at)


@dataclass
class Round:
    services: Services
    clock: FakeClock
    round_id: int
    channel_id: int
    choice: str


async def open_round(services: Services, clock: FakeClock, guild_id: int, channel_id: int, starter: int) -> Round:
    """A quiz round past its joining phase, asking its only question."""
    lobby = await services.quiz.start(guild_id, channel_id, starter, exam_code=EXAM, questions=1, seconds=300)
    clock.advance(seconds=61)
    step = await services.quiz.advance(lobby.round_id, -1)
    assert step is not None and step.next_question is not None, "the quiz round did not start"
    return Round(services, clock, lobby.round_id, channel_id, step.next_question.options[0][0])


async def quiz_round_end(round_: Round) -> Any:
    """The end of a round: reveal, points, scoreboard, and the two embeds rendered."""
    from cogs.quiz import reveal_embed, scoreboard_embed

    round_.clock.advance(seconds=301)
    step = await round_.services.quiz.advance(round_.round_id, 0)
    assert step is not None and step.reveal is not None and step.scoreboard is not None
    return reveal_embed(step.reveal).to_dict(), scoreboard_embed(step.scoreboard).to_dict()


@dataclass
class Guild:
    """One database with its services and clock, and the members the operations are measured on."""

    db: Database
    services: Services
    clock: FakeClock
    guild_id: int
    probes: list[int]
    checkins: int = 0
    answers: int = 0
    rounds: int = 0


async def build_guild(path: str, *, guild_id: int, members: int, checkins_per_member: int, rounds: int,
                      players: int, rng: random.Random) -> Guild:
    db = await seed.migrated(path, NOW)
    clock = FakeClock(NOW)
    ids = [user(i) for i in range(members)]
    await seed.members(db, guild_id, ids, NOW)
    await add_exam_and_report(db, guild_id, ids, rng)
    made = await seed.checkins(db, guild_id, ids, checkins_per_member, NOW, rng) if checkins_per_member else 0
    guild = Guild(db, Services.build(db, clock), clock, guild_id, probes=ids, checkins=made)
    await seed.board(db, guild.services, guild_id, CHANNEL - 1, ids[0], ids, NOW)
    for number in range(rounds):
        round_ = await open_round(guild.services, clock, guild_id, CHANNEL + number, ids[0])
        for user_id in rng.sample(ids, players):
            choice = round_.choice if rng.random() < 0.6 else "b"
            await guild.services.quiz.answer(round_.round_id, guild_id, user_id, 0, choice)
        await quiz_round_end(round_)
        guild.answers += players
        guild.rounds += 1
    return guild


async def measure_guild(guild: Guild, samples_per_op: int, players: int, rng: random.Random) -> dict[str, Samples]:
    """Member commands ``samples_per_op`` times; the board ``BOARD_SAMPLES`` times; ``QUIZ_SAMPLES`` quiz rounds."""
    meter = DbMeter()
    found: dict[str, Samples] = {}
    if len(guild.probes) >= samples_per_op:
        probes = rng.sample(guild.probes, samples_per_op)
    else:  # the empty guild: its one member, again and again
        probes = [rng.choice(guild.probes) for _ in range(samples_per_op)]
    services, g = guild.services, guild.guild_id

    def of(name: str) -> Samples:
        return found.setdefault(name, Samples())

    for user_id in probes:
        await timed(meter, of("/weak"), lambda u=user_id: services.exams.weak(g, u))
        await timed(meter, of("/checkin history"), lambda u=user_id: services.checkins.history(g, u))
        await timed(meter, of("/checkin log (write)"), lambda u=user_id: services.checkins.log(g, u, minutes=30))
        guild.clock.advance(seconds=1)
        await timed(meter, of("/progress (query + charts)"), lambda u=user_id: progress(services, g, u))
    for _ in range(BOARD_SAMPLES):
        await timed(meter, of("board refresh (query + render)"), lambda: board_refresh(services, g))
    for number in range(QUIZ_SAMPLES):
        round_ = await open_round(services, guild.clock, g, CHANNEL + 10_000 + number, guild.probes[0])
        players_here = rng.sample(guild.probes, min(players, len(guild.probes)))
        for user_id in players_here[:-1]:
            await services.quiz.answer(round_.round_id, g, user_id, 0, round_.choice)
        last = players_here[-1]
        await timed(meter, of("quiz answer (last of the round)"),
                    lambda r=round_, u=last: services.quiz.answer(r.round_id, g, u, 0, r.choice))
        await timed(meter, of("quiz round end (reveal + scoreboard)"), lambda r=round_: quiz_round_end(r))
    return found


async def board_refresh(services: Services, guild_id: int) -> Any:
    """What a board refresh does before the edit request: compose the board, draw the embed and the chart."""
    from bot.ui.charts import group_minutes_png
    from cogs.board import board_embed

    view = await services.board.view(guild_id)
    return board_embed(view).to_dict(), await group_minutes_png(view.chart)


async def progress(services: Services, guild_id: int, user_id: int) -> Any:
    from bot.ui.charts import progress_pngs

    view = await services.progress.progress(guild_id, user_id)
    return await progress_pngs(view)


async def measure(quick: bool) -> Result:
    result = Result("queries", quick)
    scale = 20 if quick else 1
    members, rounds, players = 10_000 // scale, 5 if quick else 50, 500 if quick else 1000
    samples = 30 if quick else 200
    rng = random.Random(9)
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as work:
        started = time.perf_counter()
        big = await build_guild(str(Path(work) / "big.db"), guild_id=GUILD, members=members,
                                checkins_per_member=CHECKINS_PER_MEMBER, rounds=rounds, players=players, rng=rng)
        built = time.perf_counter() - started
        empty = await build_guild(str(Path(work) / "empty.db"), guild_id=EMPTY_GUILD, members=1,
                                  checkins_per_member=0, rounds=0, players=0, rng=rng)
        try:
            at_scale = await measure_guild(big, samples, players, rng)
            reference = await measure_guild(empty, samples, 1, rng)
        finally:
            await big.db.close()
            await empty.db.close()
    result.notes.append(
        f"Big guild: {members:,} members with an exam and a score report each, all shown on the board, "
        f"{big.checkins:,} check-ins over a year, {big.answers:,} group-quiz answers in {big.rounds} rounds of "
        f"{players:,} (built in {built:.0f} s). Empty guild: the measuring member alone."
    )
    result.notes.append("/weak reads the member's exam and latest score report only; quiz answers do not feed it.")
    result.notes.append(f"Board: median of {BOARD_SAMPLES} refreshes (query + embed + chart PNG, not the edit "
                        f"request); member commands: p95 over {samples} members; quiz figures: {QUIZ_SAMPLES} "
                        "rounds.")
    for name, big_samples in at_scale.items():
        report(result, name, big_samples, reference[name])
    return result


def report(result: Result, name: str, big: Samples, empty: Samples) -> None:
    def ms(values: list[float], q: float) -> float:
        return 1000 * percentile(values, q)

    if name.startswith("board"):
        result.add(f"{name}: total p50", ms(big.wall, 50), "ms", target=f"≤ {BOARD_TARGET_MS:g} ms",
                   met=ms(big.wall, 50) <= BOARD_TARGET_MS)
        result.add(f"{name}: database time p50", ms(big.db, 50), "ms")
    elif name.startswith("quiz round end"):
        result.add(f"{name}: total p50", ms(big.wall, 50), "ms")
        result.add(f"{name}: database time p50", ms(big.db, 50), "ms")
    else:
        result.add(f"{name}: database time p50", ms(big.db, 50), "ms")
        result.add(f"{name}: database time p95", ms(big.db, 95), "ms", target=f"≤ {COMMAND_TARGET_MS:g} ms",
                   met=ms(big.db, 95) <= COMMAND_TARGET_MS)
        result.add(f"{name}: total p50", ms(big.wall, 50), "ms")
    result.add(f"{name}: statements", percentile([float(s) for s in big.statements], 50), "count")
    reference = percentile(empty.db, 50)
    result.add(f"{name}: database time vs empty guild", percentile(big.db, 50) / reference if reference else
               float("nan"), "×")


def run(quick: bool) -> Result:
    return asyncio.run(measure(quick))

