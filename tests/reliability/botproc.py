"""The real Rebound bot in a process of its own, so a test can SIGKILL it (``python -m tests.reliability.botproc``).

It connects to the emulator the test runs (``--api``, ``--gateway``; the token comes in
``REBOUND_TEST_TOKEN``, never on the command line, where ``ps`` shows it), on ``--db`` with a fake clock
starting at ``--now``. The test talks to it over stdin/stdout, one JSON object per line:

    child  -> {"event": "ready", "pid": 123}
    parent -> {"cmd": "set", "now": "2026-06-01T19:00:00+00:00"}   move the clock, deliver what fell due
    child  -> {"event": "clock", "now": ...}, later {"event": "delivered", "handled": n}
    parent -> {"cmd": "stop"}                                       close cleanly and exit

Everything else (logging included) goes to stderr, which the test keeps in a file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import datetime
from typing import Any, TextIO

from bot.client import ReboundBot
from bot.clock import FakeClock
from bot.db.connection import Database
from bot.endpoints import apply_endpoints

READY_TIMEOUT = 60.0


class Channel:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def emit(self, event: str, **fields: Any) -> None:
        self.out.write(json.dumps({"event": event, **fields}) + "\n")
        self.out.flush()


async def control(bot: ReboundBot, clock: FakeClock, channel: Channel) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    running: set[asyncio.Task[None]] = set()

    async def deliver() -> None:
        channel.emit("delivered", handled=await bot.dispatcher.run_due())

    while True:
        line = await reader.readline()
        if not line:
            return
        message = json.loads(line)
        if message.get("cmd") == "set":
            clock.set(datetime.fromisoformat(message["now"]))
            channel.emit("clock", now=clock.now().isoformat())
            task = asyncio.create_task(deliver())
            running.add(task)
            task.add_done_callback(running.discard)
        elif message.get("cmd") == "stop":
            return


async def serve(args: argparse.Namespace, channel: Channel) -> None:
    apply_endpoints(args.api, args.gateway)
    clock = FakeClock(datetime.fromisoformat(args.now))
    bot = ReboundBot(db=Database(args.db), clock=clock, guild_ready_timeout=0.01)
    await bot.login(os.environ["REBOUND_TEST_TOKEN"])
    connection = asyncio.create_task(bot.connect(reconnect=True))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, connection}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        channel.emit("failed", detail="not ready" if connection not in done else repr(connection.exception()))
        await bot.close()
        return
    channel.emit("ready", pid=os.getpid())
    try:
        await control(bot, clock, channel)
    finally:
        await bot.close()
        connection.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.botproc")
    for name in ("--api", "--gateway", "--db", "--now"):
        parser.add_argument(name, required=True)
    args = parser.parse_args(argv)
    channel = Channel(os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8"))
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args, channel))


if __name__ == "__main__":
    main()
