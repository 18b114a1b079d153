"""End-to-end fixtures: the real Rebound bot, a fresh database and a fake clock, against the emulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.emulator.ratelimit import RateLimits
from bot.local import LocalWorld


class World:
    """What an end-to-end test works with: the emulator, the bot, the clock and a seeded server."""

    def __init__(self, local: LocalWorld) -> None:
        self.local = local
        self.guild = local.emu.add_guild("Study Hall", owner="owner")
        self._members: dict[str, Any] = {}

    @property
    def emu(self):
        return self.local.emu

    @property
    def bot(self):
        return self.local.bot

    @property
    def clock(self):
        return self.local.clock

    def member(self, name: str, *, manage_guild: bool = False):
        """The server member called ``name`` (created on first use); ``manage_guild`` makes them an admin."""
        if name not in self._members:
            permissions = None
            if manage_guild:
                permissions = discord.Permissions(manage_guild=True).value
            self._members[name] = (
                self.guild.add_member(name, permissions=permissions) if permissions else self.guild.add_member(name)
            )
        return self._members[name]

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> int:
        return await self.local.advance(delta, **kwargs)

    async def restart(self):
        return await self.local.restart()


# The fake clock compresses days into milliseconds, but Discord's per-channel message window runs on real
# time: with the real 5 s window, a test that sends a member five reminders over "a month" would wait real
# seconds for the bucket to refill. The window is shortened here; the limits themselves are tested in
# tests/emulator/test_ratelimits.py and measured under load in bench/fanout.py.
E2E_RATE_LIMITS = RateLimits(messages_per_channel=5, message_window_seconds=0.05)


@pytest.fixture
async def world(tmp_path):
    local = LocalWorld(database=str(tmp_path / "rebound-test.db"),
                       emulator_options={"rate_limits": E2E_RATE_LIMITS})
    await local.start()
    try:
        yield World(local)
    finally:
        await local.stop()
        unknown = list(local.emu.unknown_routes)
        violations = list(local.emu.violations)
        pings = [
            (m.id, m.content[:60]) for m in local.emu.state.messages.values()
            if m.pinged_users or m.pinged_roles or m.pinged_everyone
        ]
    assert unknown == [], f"the bot called routes the emulator does not know: {unknown}"
    assert violations == [], f"the bot sent requests Discord's spec would reject: {violations}"
    assert pings == [], f"the bot's messages pinged someone: {pings}"
