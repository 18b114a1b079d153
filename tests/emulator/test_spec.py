"""Conformance with Discord's OpenAPI description, for requests and for the emulator's responses."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.emulator import Emulator, RateLimits
from bot.emulator.spec import get_validator
from tests.emulator.conftest import TinyBot

pytestmark = pytest.mark.skipif(get_validator() is None, reason="Discord's OpenAPI spec is not available")


async def test_bad_request_body_is_rejected_and_recorded(running):
    """A body that breaks the spec answers 400 50035 and is recorded as a violation."""
    emu, bot, guild = running
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.general.id)
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(route, json={"content": 5})
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert [v.route for v in emu.violations] == ["/channels/{channel_id}/messages"]
    assert "content" in emu.violations[0].problems[0]


async def test_non_strict_mode_records_but_delivers():
    """With strict_spec=False a violation is recorded and the request still goes through."""
    async with Emulator(strict_spec=False, rate_limits=RateLimits.disabled()) as emu:
        guild = emu.add_guild("Study Hall")
        bot = TinyBot(emu)
        task = await emu.start_bot(bot)
        try:
            route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.general.id)
            await bot.http.request(route, json={"content": "hi", "tts": "yes"})
            assert [m.content for m in guild.general.messages] == ["hi"]
            assert len(emu.violations) == 1
        finally:
            await emu.stop_bot(bot, task)


async def test_integer_snowflakes_are_accepted(running):
    """Snowflakes sent as JSON integers (as discord.py does) are accepted, as Discord accepts them."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.general.id)
    await bot.http.request(route, json={"content": f"hi {alice.mention}", "allowed_mentions": {"users": [alice.id]}})
    assert emu.violations == []
    assert guild.general.messages[0].pinged_users == [alice.id]


async def test_everything_the_tiny_bot_sends_conforms(running):
    """The plain discord.py bot's requests across all flows break no request schema."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    await alice.slash("checkin", minutes=5)
    await (await alice.slash("panel")).click("Stop")
    await (await alice.slash("feedback")).submit_modal(score="1")
    await alice.slash("upload", file=emu.attachment("a.txt", b"a"))
    await alice.slash("remindme")
    await alice.slash("slow")
    await alice.autocomplete("settings timezone", "name", "")
    assert emu.violations == []


async def test_response_bodies_match_the_spec():
    """The emulator's own responses (users, application, messages, channels, guilds...) match the spec."""
    async with Emulator(validate_responses=True, rate_limits=RateLimits.disabled()) as emu:
        guild = emu.add_guild("Study Hall")
        bot = TinyBot(emu)
        task = await emu.start_bot(bot)
        try:
            alice = guild.add_member("alice")
            await alice.slash("checkin", minutes=5)
            panel = await alice.slash("panel")
            await panel.click("Start")
            await panel.click("Stop")
            await alice.slash("slow")
            await alice.slash("upload", file=emu.attachment("a.txt", b"a"))
            await alice.slash("remindme")
            channel = bot.get_channel(guild.general.id)
            sent = await channel.send("hello")
            await sent.edit(content="hello again")
            await channel.fetch_message(sent.id)
            [m async for m in channel.history(limit=5)]
            await bot.fetch_channel(guild.general.id)
            await bot.fetch_guild(guild.id)
            await bot.fetch_user(alice.id)
            await bot.application_info()
            await bot.http.get_member(guild.id, alice.id)
            await bot.http.get_roles(guild.id)
            await bot.http.get_global_commands(emu.application.id)
            new_role = await bot.get_guild(guild.id).create_role(name="Retakers")
            member = await bot.get_guild(guild.id).fetch_member(alice.id)
            await member.add_roles(new_role)
            created = await bot.get_guild(guild.id).create_text_channel("study")
            thread = await created.create_thread(name="week 1", type=discord.ChannelType.private_thread)
            await thread.add_user(member)
            await sent.delete()
            assert emu.response_violations == []
            assert emu.unknown_routes == []
        finally:
            await emu.stop_bot(bot, task)


def test_validators_are_compiled_once():
    """The spec is loaded once per process and a route's validator is reused."""
    validator = get_validator()
    assert validator is get_validator()
    validator.request_errors("/channels/{channel_id}/messages", "POST", {"content": "a"})
    compiled = validator._validators[("req", "/channels/{channel_id}/messages", "post")]
    validator.request_errors("/channels/{channel_id}/messages", "POST", {"content": "b"})
    assert validator._validators[("req", "/channels/{channel_id}/messages", "post")] is compiled


def test_missing_spec_turns_validation_off(tmp_path):
    """Without a spec file the emulator does not validate (and says so with spec=None)."""
    assert Emulator(spec_path=tmp_path / "absent.json").spec is None
