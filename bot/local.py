"""The real Rebound bot running against the local Discord emulator, on one event loop.

Tests, the sandbox and the benchmarks all use this: it starts the emulator, points discord.py at it,
starts a ``ReboundBot`` on the given database with a ``FakeClock``, and can restart the bot on the
same database (a new "process" as far as the bot's state is concerned).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.client import ReboundBot
from bot.clock import FakeClock
from bot.db.connection import Database
from bot.emulator.server import Emulator
from bot.endpoints import apply_endpoints

log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0


@dataclass
class LocalWorld:
    database: str
    clock: FakeClock = field(default_factory=lambda: FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)))
    emulator_options: dict[str, Any] = field(default_factory=dict)
    bot_options: dict[str, Any] = field(default_factory=dict)
    emu: Emulator = field(init=False)
    bot: ReboundBot = field(init=False)
    _task: asyncio.Task | None = field(default=None, init=False)

    async def start(self) -> LocalWorld:
        self.emu = Emulator(**self.emulator_options)
        await self.emu.start()
        apply_endpoints(self.emu.api_base, self.emu.gateway_url)
        await self.start_bot()
        return self

    async def start_bot(self) -> ReboundBot:
        options = {"guild_ready_timeout": 0.01, **self.bot_options}
        self.bot = ReboundBot(db=Database(self.database), clock=self.clock, **options)
        await self.bot.login(self.emu.application.token)
        self._task = asyncio.create_task(self.bot.connect(reconnect=True), name="rebound-bot")
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self._task in done and self._task.exception() is not None:
                raise RuntimeError("the bot stopped while connecting") from self._task.exception()
            raise TimeoutError("the bot did not become ready against the emulator")
        return self.bot

    async def stop_bot(self) -> None:
        if self._task is None:
            return
        await self.bot.close()
        # Views with a timeout keep a sleeping task each; a closed bot no longer needs them, and left alone they
        # would be reported ("Task was destroyed but it is pending") whenever a later test collects garbage.
        for task in asyncio.all_tasks():
            if "timeout_task_impl" in getattr(task.get_coro(), "__qualname__", ""):
                task.cancel()
        try:
            await asyncio.wait_for(self._task, timeout=READY_TIMEOUT)
        except (asyncio.CancelledError, Exception):  # a connection error at shutdown is not interesting here
            log.debug("bot task ended with an error at shutdown", exc_info=True)
        self._task = None

    async def restart(self) -> ReboundBot:
        """Stop the bot and start a new one on the same database and clock (as after a process restart)."""
        await self.stop_bot()
        return await self.start_bot()

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> int:
        """Move the fake clock and deliver whatever became due; returns how many deliveries ran."""
        self.clock.advance(delta if delta is not None else timedelta(**kwargs))
        return await self.bot.dispatcher.run_due()

    async def stop(self) -> None:
        await self.stop_bot()
        await self.emu.stop()
