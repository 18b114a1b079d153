"""A bot in its own process, against the emulator: ``python -m bot.emulator.botproc --api URL --gateway URL ...``.

The benchmarks and the reliability tests run the bot this way so that they can SIGKILL it and read its CPU
time and memory apart from the emulator's. It runs either the real ``ReboundBot`` (on ``--db``, with a
``FakeClock`` set to ``--now``) or, with ``--bare``, a bare discord.py bot with one command answering "ok"
(the benchmarks' reference). The token comes in the environment (``TOKEN_ENV``), never on the command line,
where ``ps`` shows it. The parent (``bot.emulator.process``) talks to it over stdin/stdout, one JSON object a
line:

    child  -> {"event": "ready", "pid": 123, "reminder_handler": ...}   once connected and ready
    parent -> {"cmd": "advance", "seconds": 60}                         move the fake clock by this much
    parent -> {"cmd": "set", "now": "2026-06-01T19:00:00+00:00"}        or to this time
    child  -> {"event": "clock", "now": ...}                            the clock moved; delivery runs
    child  -> {"event": "delivered", "handled": n}                      what fell due has been handled
    parent -> {"cmd": "stop"}                                           close cleanly and exit (so does EOF)

Nothing else is written to stdout: the protocol has the original stdout to itself and everything else
(discord.py's logging included) goes to stderr, which the parent keeps in a file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import datetime, timedelta
from typing import Any, TextIO

import discord
from discord import app_commands

from bot.endpoints import apply_endpoints

READY_TIMEOUT = 60.0
TOKEN_ENV = "REBOUND_BOTPROC_TOKEN"  # noqa: S105 - the variable's name, not a token


class BareBot(discord.Client):
    """The reference: discord.py with one slash command and nothing else."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ok", description="Answers ok")
        async def ok(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


def build_rebound(args: argparse.Namespace) -> discord.Client:
    from bot.client import ReboundBot
    from bot.clock import FakeClock
    from bot.db.connection import Database

    clock = FakeClock(datetime.fromisoformat(args.now))
    bot = ReboundBot(db=Database(args.db), clock=clock, guild_ready_timeout=args.guild_ready_timeout)
    if args.concurrency is not None:
        bot.dispatcher.concurrency = args.concurrency
    return bot


def reminder_handler(bot: Any, *, fallback: bool) -> str:
    """Say who delivers check-in reminders; with ``fallback``, register a plain DM sender when no feature did."""
    from bot.scheduling.dispatcher import Outcome, nonce_for
    from bot.services.reminders import Kinds

    if Kinds.CHECKIN_REMINDER in bot.dispatcher.kinds:
        return "the accountability feature's handler"
    if not fallback:
        return "none"

    async def send_dm(delivery: Any) -> Any:
        data = await bot.http.start_private_message(delivery.user_id)
        channel = bot.get_partial_messageable(int(data["id"]), type=discord.ChannelType.private)
        await channel.send("Time for today's check-in.", nonce=nonce_for(delivery.idempotency_key))
        return Outcome.sent()

    bot.dispatcher.register(Kinds.CHECKIN_REMINDER, send_dm)
    return "a plain DM handler (no feature registered one)"


class Channel:
    """The JSON-lines control channel on the process's original stdout."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def emit(self, event: str, **fields: Any) -> None:
        self.out.write(json.dumps({"event": event, **fields}) + "\n")
        self.out.flush()


def move_clock(clock: Any, message: dict[str, Any]) -> datetime:
    if message["cmd"] == "advance":
        return clock.advance(timedelta(seconds=float(message["seconds"])))
    clock.set(datetime.fromisoformat(message["now"]))
    return clock.now()


async def control(client: discord.Client, channel: Channel) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    running: set[asyncio.Task[None]] = set()

    async def deliver() -> None:
        channel.emit("delivered", handled=await client.dispatcher.run_due())  # type: ignore[attr-defined]

    while True:
        line = await reader.readline()
        if not line:
            return
        message = json.loads(line)
        command = message.get("cmd")
        if command in ("advance", "set"):
            now = move_clock(client.clock, message)  # type: ignore[attr-defined]
            channel.emit("clock", now=now.isoformat())
            task = asyncio.create_task(deliver())
            running.add(task)
            task.add_done_callback(running.discard)
        elif command == "stop":
            return
        else:
            channel.emit("error", detail=f"unknown command {command!r}")


async def serve(args: argparse.Namespace, channel: Channel) -> None:
    apply_endpoints(args.api, args.gateway)
    client = BareBot() if args.bare else build_rebound(args)
    await client.login(os.environ[TOKEN_ENV])
    connection = asyncio.create_task(client.connect(reconnect=True))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({ready, connection}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        channel.emit("failed", detail="not ready" if connection not in done else repr(connection.exception()))
        await client.close()
        return
    handler = None if args.bare else reminder_handler(client, fallback=args.fallback_reminders)
    channel.emit("ready", pid=os.getpid(), reminder_handler=handler)
    try:
        await control(client, channel)
    finally:
        await client.close()
        connection.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator.botproc")
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--bare", action="store_true", help="the reference bot instead of Rebound")
    parser.add_argument("--db", help="Rebound's database file")
    parser.add_argument("--now", default="2026-06-01T09:00:00+00:00", help="the fake clock's start (aware ISO)")
    parser.add_argument("--guild-ready-timeout", type=float, default=0.01)
    parser.add_argument("--concurrency", type=int, help="override the dispatcher's concurrency")
    parser.add_argument("--fallback-reminders", action="store_true",
                        help="send check-in reminders as plain DMs when no feature registered a handler")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--profile", help="write a pyinstrument profile (text) here on a clean stop")
    args = parser.parse_args(argv)
    if not args.bare and not args.db:
        parser.error("--db is needed unless --bare")
    # The protocol keeps the real stdout; anything printed by accident lands in stderr instead.
    channel = Channel(os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8"))
    sys.stdout = sys.stderr
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.profile:
        asyncio.run(serve(args, channel))
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with profiler:
        asyncio.run(serve(args, channel))
    with open(args.profile, "w", encoding="utf-8") as out:
        out.write(profiler.output_text(unicode=True, show_all=False))
    profiler.last_session.save(args.profile.removesuffix(".txt") + ".pyisession")


if __name__ == "__main__":
    main()
