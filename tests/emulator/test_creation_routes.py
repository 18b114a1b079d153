"""The routes a bot uses to find and remove copies of what it created: active threads and role deletion."""

from __future__ import annotations

import discord
import pytest

from bot.emulator import Emulator, RateLimits
from bot.emulator import permissions as perms

from .conftest import TinyBot


@pytest.fixture
async def checked():
    """The tiny bot on an emulator that also checks its own answers against Discord's spec."""
    emu = Emulator(validate_responses=True, rate_limits=RateLimits.disabled())
    await emu.start()
    guild = emu.add_guild("Study Hall", owner="owner")
    bot = TinyBot(emu)
    task = await emu.start_bot(bot)
    try:
        yield emu, bot, guild
    finally:
        await emu.stop_bot(bot, task)
        await emu.stop()
    assert emu.unknown_routes == [], emu.unknown_routes
    assert emu.response_violations == []


async def test_active_threads_lists_open_threads_newest_first(checked):
    """GET /guilds/{id}/threads/active lists the open threads the bot can see, newest first, with its own
    membership."""
    emu, bot, guild = checked
    parent = bot.get_guild(guild.id).get_channel(guild.general.id)
    older = await parent.create_thread(name="week 1", type=discord.ChannelType.public_thread)
    newer = await parent.create_thread(name="week 2", type=discord.ChannelType.private_thread)
    data = await bot.http.get_active_threads(guild.id)
    assert [int(t["id"]) for t in data["threads"]] == [newer.id, older.id]
    assert {int(m["id"]) for m in data["members"]} == {newer.id, older.id}
    assert data["has_more"] is False


async def test_active_threads_leaves_out_archived_and_deleted_threads(checked):
    """An archived or deleted thread is not active."""
    emu, bot, guild = checked
    parent = bot.get_guild(guild.id).get_channel(guild.general.id)
    archived = await parent.create_thread(name="old", type=discord.ChannelType.public_thread)
    deleted = await parent.create_thread(name="gone", type=discord.ChannelType.public_thread)
    kept = await parent.create_thread(name="open", type=discord.ChannelType.public_thread)
    emu.state.channels[archived.id].archived = True
    await bot.http.delete_channel(deleted.id)
    data = await bot.http.get_active_threads(guild.id)
    assert [int(t["id"]) for t in data["threads"]] == [kept.id]


async def test_active_threads_hides_private_threads_the_bot_is_not_in_without_manage_threads(checked):
    """A private thread someone else made shows only when the bot may manage threads."""
    emu, bot, guild = checked
    alice = guild.add_member("alice")
    theirs = emu.state.add_channel(guild.record, "alice's notes", 12, parent_id=guild.general.id)
    theirs.owner_id = alice.id
    theirs.thread_members.add(alice.id)
    assert [int(t["id"]) for t in (await bot.http.get_active_threads(guild.id))["threads"]] == [theirs.id]
    guild.set_bot_permissions(perms.BOT_DEFAULT & ~perms.MANAGE_THREADS)
    assert (await bot.http.get_active_threads(guild.id))["threads"] == []


async def test_deleting_a_role_removes_it_from_the_server_and_its_members(checked):
    """DELETE /guilds/{id}/roles/{id} answers 204, takes the role off every member and tells the bot."""
    emu, bot, guild = checked
    alice = guild.add_member("alice")
    server = bot.get_guild(guild.id)
    role = await server.create_role(name="SY0-701 cohort")
    await bot.http.add_role(guild.id, alice.id, role.id)
    await emu.wait_for(lambda: server.get_role(role.id) is not None)
    await bot.http.delete_role(guild.id, role.id, reason="a copy")
    assert role.id not in guild.record.roles
    assert not alice.has_role(role.id)
    await emu.wait_for(lambda: server.get_role(role.id) is None, message="GUILD_ROLE_DELETE")


@pytest.mark.parametrize(("target", "status", "code"), [
    ("everyone", 400, 50028), ("above", 403, 50013), ("unknown", 404, 10011),
])
async def test_deleting_a_role_the_bot_may_not_delete_is_refused(checked, target, status, code):
    """@everyone (50028), a role at or above the bot's own (50013) and an unknown role (10011) are refused."""
    emu, bot, guild = checked
    above = guild.add_role("Moderators")
    above.record.position = guild.bot_role.record.position + 1
    role_id = {"everyone": guild.id, "above": above.id, "unknown": 1}[target]
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.delete_role(guild.id, role_id)
    assert (caught.value.status, caught.value.code) == (status, code)


async def test_deleting_a_role_needs_manage_roles(checked):
    """Without Manage Roles the bot gets 50013 and the role stays."""
    emu, bot, guild = checked
    role = guild.add_role("Retakers")
    guild.set_bot_permissions(perms.BOT_DEFAULT & ~perms.MANAGE_ROLES)
    with pytest.raises(discord.Forbidden) as caught:
        await bot.http.delete_role(guild.id, role.id)
    assert caught.value.code == 50013
    assert role.id in guild.record.roles
