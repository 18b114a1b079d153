"""The composition root: the Bot owns the database, clock, scheduler and services.

Everything is passed in (nothing read from the environment here), so tests, the sandbox and the
benchmarks build the same Bot around a temporary database, a fake clock and the local emulator.
"""

from __future__ import annotations

import asyncio
import logging
import pkgutil
from collections.abc import Iterable

import discord
from discord.ext import commands

import cogs
from bot.clock import Clock, SystemClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.members import Guilds
from bot.pacing import with_rest_pacing
from bot.scheduling.alarm import AlarmClock
from bot.scheduling.dispatcher import DeliveryDispatcher
from bot.services.container import Services
from bot.ui.errors import ReboundTree
from bot.ui.respond import NO_PINGS

log = logging.getLogger("rebound")


def all_extensions() -> list[str]:
    """Every module in the ``cogs`` package, in a stable order."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


def default_intents() -> discord.Intents:
    # Slash commands, buttons and modals arrive as interactions and need no intent; the guilds intent
    # gives us servers, channels, threads and roles. No privileged intent is needed.
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class ReboundBot(commands.Bot):
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock | None = None,
        dev_guild: int | None = None,
        extensions: Iterable[str] | None = None,
        intents: discord.Intents | None = None,
        sync_commands: bool = True,
        guild_data_grace_days: int = 30,
        answer_deadline: float | None = None,
        **options: object,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or default_intents(),
            allowed_mentions=NO_PINGS,
            tree_cls=ReboundTree,
            help_command=None,
            # discord.py waits only after Discord has refused a request for the global limit; pacing avoids the 429.
            **with_rest_pacing(options),
        )
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.dev_guild = dev_guild
        self.extension_names = list(extensions) if extensions is not None else all_extensions()
        self.sync_commands = sync_commands
        self.dispatcher = DeliveryDispatcher(db, self.clock)
        self.alarm = AlarmClock(self.dispatcher, self.clock)
        self.services = Services.build(db, self.clock, guild_data_grace_days=guild_data_grace_days)
        if answer_deadline is not None:
            # Seconds before an unanswered interaction is deferred (2 by default; tests use less).
            self.tree.deadline.delay = answer_deadline

    async def setup_hook(self) -> None:
        await self.db.connect()
        applied = await migrate(self.db, self.clock)
        if applied:
            log.info("applied migrations: %s", ", ".join(f"{m.version:04d}_{m.name}" for m in applied))
        recovered = await self.dispatcher.recover()
        if recovered:
            log.info("%d deliveries interrupted by the last stop will be sent again", recovered)
        # Shipped data is parsed once, off the event loop, so the first practice command doesn't stall the bot.
        await asyncio.to_thread(load_catalogue)
        await asyncio.to_thread(load_shipped_banks)
        for name in self.extension_names:
            await self.load_extension(name)
        # Started here, never in on_ready (which fires again after every reconnect).
        self.alarm.start()
        if self.sync_commands:
            await self._sync()

    async def _sync(self) -> None:
        if self.dev_guild:
            guild = discord.Object(id=self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d application commands", len(synced))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        # Through the service, which tells a server that comes back from a new one (it is owed a new guide).
        await self.services.guild_settings.record_join(guild.id)

    def dispatch(self, event_name: str, /, *args: object, **kwargs: object) -> None:
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            # discord.py dispatches "interaction" right after handing it to the command tree or the view store
            # and before any handler has run: the moment to start its 3-second clock and to see whether anything
            # handles it at all (a handler that already finished would otherwise look like none).
            self.tree.deadline.watch(args[0])
        super().dispatch(event_name, *args, **kwargs)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        async with self.db.transaction() as tx:
            await Guilds(tx).mark_left(guild.id, to_epoch(self.clock.now()))

    async def close(self) -> None:
        self.alarm.shutdown()
        try:
            await super().close()
            # Event handlers still running (e.g. an on_app_command_completion that touches the board) finish
            # before the database they write to is closed.
            running = [
                task for task in asyncio.all_tasks()
                if task is not asyncio.current_task() and task.get_name().startswith("discord.py: on_")
            ]
            if running:
                await asyncio.wait(running, timeout=5)
        finally:
            await self.db.close()
