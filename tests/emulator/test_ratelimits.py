"""Rate limits with Discord's headers, honoured by discord.py."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.emulator import Emulator, RateLimits
from tests.emulator.conftest import TinyBot


async def _run(emu: Emulator):
    guild = emu.add_guild("Study Hall")
    bot = TinyBot(emu)
    task = await emu.start_bot(bot)
    return guild, bot, task


async def test_global_limit_gives_429s_and_every_message_arrives():
    """A burst over the global limit gets 429s, discord.py waits them out, and nothing is lost."""
    limits = RateLimits(global_per_second=4, global_window_seconds=0.1)
    async with Emulator(rate_limits=limits) as emu:
        guild, bot, task = await _run(emu)
        try:
            channels = [guild.add_channel(f"room-{i}") for i in range(8)]
            await emu.wait_for(lambda: all(bot.get_channel(c.id) for c in channels))
            await asyncio.gather(*(bot.get_channel(c.id).send(f"hello {i}") for i, c in enumerate(channels)))
            assert [c.messages[0].content for c in channels] == [f"hello {i}" for i in range(8)]
            assert ("global", True) in emu.rate_limiter.hits
            assert any(status == 429 for _, _, status in emu.requests)
        finally:
            await emu.stop_bot(bot, task)


async def test_channel_bucket_is_honoured_in_order():
    """discord.py reads the per-channel bucket headers and sends every message, in order."""
    limits = RateLimits(messages_per_channel=2, message_window_seconds=0.1)
    async with Emulator(rate_limits=limits) as emu:
        guild, bot, task = await _run(emu)
        try:
            channel = bot.get_channel(guild.general.id)
            for index in range(6):
                await channel.send(f"line {index}")
            assert [m.content for m in guild.general.messages] == [f"line {i}" for i in range(6)]
        finally:
            await emu.stop_bot(bot, task)


async def test_injected_429_is_retried_once():
    """A forced Via-marked 429 is retried by discord.py and the message is delivered exactly once."""
    async with Emulator(rate_limits=RateLimits.disabled()) as emu:
        guild, bot, task = await _run(emu)
        try:
            emu.faults.rate_limit(r"POST /channels/\d+/messages", times=1, retry_after=0.01)
            await bot.get_channel(guild.general.id).send("once")
            assert [m.content for m in guild.general.messages] == ["once"]
            statuses = [s for m, p, s in emu.requests if m == "POST" and p.endswith("/messages")]
            assert statuses == [429, 200]
        finally:
            await emu.stop_bot(bot, task)


async def test_rate_limit_headers_and_429_body():
    """Message creates carry X-RateLimit-* headers; a 429 has Via, scope and Discord's JSON body."""
    limits = RateLimits(messages_per_channel=1, message_window_seconds=5)
    async with Emulator(rate_limits=limits) as emu:
        guild = emu.add_guild("Study Hall")
        url = f"{emu.api_base}/channels/{guild.general.id}/messages"
        headers = {"Authorization": f"Bot {emu.application.token}"}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json={"content": "a"}, headers=headers) as first:
                assert first.status == 200
                assert first.headers["Content-Type"] == "application/json"
                assert first.headers["X-RateLimit-Limit"] == "1"
                assert first.headers["X-RateLimit-Remaining"] == "0"
                assert float(first.headers["X-RateLimit-Reset-After"]) > 0
                assert {"X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(first.headers)
            async with session.post(url, json={"content": "b"}, headers=headers) as second:
                body = await second.json()
                assert second.status == 429
                assert second.headers["Via"]
                assert second.headers["X-RateLimit-Scope"] == "user"
                assert body["message"] == "You are being rate limited." and body["global"] is False
                assert body["retry_after"] > 0


async def test_interaction_callbacks_skip_the_global_limit():
    """Interaction callbacks and follow-ups do not count against the global limit."""
    async with Emulator(rate_limits=RateLimits.disabled()) as emu:
        guild, bot, task = await _run(emu)
        try:
            emu.set_rate_limits(RateLimits(global_per_second=1, global_window_seconds=60))
            alice = guild.add_member("alice")
            for _ in range(3):
                reply = await alice.slash("slow")
                assert reply.content == "Report ready"
            assert not any(p.startswith(("/interactions", "/webhooks")) and s == 429 for _, p, s in emu.requests)
        finally:
            await emu.stop_bot(bot, task)


async def test_injected_failure_surfaces_as_http_error():
    """A forced 403 on a route reaches discord.py as Forbidden with the given code."""
    async with Emulator(rate_limits=RateLimits.disabled()) as emu:
        guild, bot, task = await _run(emu)
        try:
            emu.faults.fail(r"GET /guilds/\d+$", status=403, code=50001, message="Missing Access")
            try:
                await bot.fetch_guild(guild.id)
            except discord.Forbidden as error:
                assert error.code == 50001
            else:
                raise AssertionError("the injected failure did not reach the bot")
            assert (await bot.fetch_guild(guild.id)).name == "Study Hall"
        finally:
            await emu.stop_bot(bot, task)
