"""The real Rebound bot's REST pacing against the emulator's global limit of 50 requests a second."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.local import LocalWorld


@pytest.fixture
async def world(tmp_path):
    local = LocalWorld(database=str(tmp_path / "pacing.db"))  # the emulator's real limits: 50/s global
    await local.start()
    try:
        yield local
    finally:
        await local.stop()


async def test_a_burst_of_dms_gets_no_429(world):
    """120 requests asked for at once (60 DMs) are spaced under the global limit: none is refused."""
    users = [world.emu.user(f"member{i}") for i in range(60)]
    first = len(world.emu.requests)

    async def dm(user_id: int) -> None:
        data = await world.bot.http.start_private_message(user_id)
        channel = world.bot.get_partial_messageable(int(data["id"]), type=discord.ChannelType.private)
        await channel.send("Time for today's check-in.")

    await asyncio.gather(*(dm(user.id) for user in users))
    statuses = [status for _, _, status in world.emu.requests[first:]]
    assert len(statuses) == 120
    assert statuses.count(429) == 0


async def test_only_requests_counting_toward_the_limit_are_paced(world):
    """Every request the emulator counts toward the global limit went through the pacer; interaction answers didn't."""
    guild = world.emu.add_guild("Study Hall", owner="owner")
    await world.emu.wait_for(lambda: guild.general.messages, message="the setup guide")
    await guild.add_member("alice").slash("remind checkin", time="19:00", days="daily")
    counted = uncounted = 0
    for method, path, _ in world.emu.requests:
        route, _ = world.emu.rest.match(method, path)
        counted += route.counts_globally
        uncounted += not route.counts_globally
    assert uncounted >= 1
    assert world.bot.http.http_trace.pacer.paced == counted
