"""Servers that changed while the bot was offline are reconciled at start-up, and the setup guide goes out once
per join even when the bot stops between posting it and recording it."""

from __future__ import annotations


async def guild_row(world, guild_id: int):
    async with world.bot.db.read() as tx:
        return await tx.fetchone("SELECT left_at, joined_at FROM guilds WHERE guild_id = ?", (guild_id,))


async def guide_sent_at(world, guild_id: int) -> int | None:
    async with world.bot.db.read() as tx:
        return await tx.scalar("SELECT guide_sent_at FROM guild_settings WHERE guild_id = ?", (guild_id,))


def guides(channel) -> int:
    return sum(1 for m in channel.messages if m.embeds and not m.deleted)


async def recorded(world, guild) -> None:
    await world.emu.wait_for(lambda: guides(guild.general) == 1, message="the setup guide")
    await world.emu.wait_for(lambda: guide_sent_at(world, guild.id), message="the guide recorded")


async def test_a_server_that_removed_the_bot_while_offline_is_marked_left_and_later_purged(world):
    """Gone from READY: marked left at start-up (others untouched), and purged after the grace period."""
    stays = world.emu.add_guild("Stays")
    await recorded(world, world.guild)
    await recorded(world, stays)
    await world.local.stop_bot()
    world.emu.remove_guild(world.guild)
    await world.local.start_bot()

    async def marked_left():
        row = await guild_row(world, world.guild.id)
        return row["left_at"] is not None

    await world.emu.wait_for(marked_left, message="the departed server marked as left")
    assert (await guild_row(world, stays.id))["left_at"] is None
    world.clock.advance(days=31)
    purged = await world.bot.services.privacy.purge_departed_guilds()
    assert purged.guilds == (world.guild.id,)


async def test_a_server_that_added_the_bot_back_while_offline_is_rejoined(world):
    """Removed while online, added back while offline: active again at start-up, and greeted as a new join."""
    await recorded(world, world.guild)
    bot_role = world.guild.bot_role.id
    world.emu.remove_guild(world.guild)

    async def left():
        return (await guild_row(world, world.guild.id))["left_at"] is not None

    await world.emu.wait_for(left, message="the removal recorded")
    await world.local.stop_bot()
    bot_user = world.emu.state.users[world.emu.application.bot_user_id]
    world.emu.state.add_member(world.guild.record, bot_user, roles=[bot_role])
    await world.local.start_bot()

    async def active():
        return (await guild_row(world, world.guild.id))["left_at"] is None

    await world.emu.wait_for(active, message="the server active again")
    await world.emu.wait_for(lambda: guides(world.guild.general) == 2, message="a new guide for the new join")
    await world.emu.wait_for(lambda: guide_sent_at(world, world.guild.id), message="the guide recorded")
    await world.restart()
    assert guides(world.guild.general) == 2


async def test_a_stop_between_posting_the_guide_and_recording_it_does_not_post_it_twice(world, monkeypatch):
    """Posted, then the bot stops before recording it: the next start posts it again with the same nonce, and
    Discord keeps one."""
    await recorded(world, world.guild)

    async def stopped(guild_id: int) -> None:
        raise RuntimeError("the process stopped here")

    monkeypatch.setattr(world.bot.services.guild_settings, "guide_posted", stopped)
    second = world.emu.add_guild("Second Hall")
    await world.emu.wait_for(lambda: guides(second.general) == 1, message="the guide posted")
    assert await guide_sent_at(world, second.id) is None
    await world.restart()
    await world.emu.wait_for(lambda: guide_sent_at(world, second.id), message="the guide recorded")
    assert guides(second.general) == 1


async def test_a_stop_before_the_guide_is_posted_posts_it_at_the_next_start(world, monkeypatch):
    """The bot stops after deciding to post the guide and before posting it: the next start posts it, once."""
    await recorded(world, world.guild)

    async def stopped(guild) -> None:
        raise RuntimeError("the process stopped here")

    monkeypatch.setattr(world.bot.get_cog("Welcome"), "_post_guide", stopped)
    second = world.emu.add_guild("Second Hall")
    await world.emu.wait_for(lambda: second.id in {g.id for g in world.bot.guilds}, message="the server joined")
    assert guides(second.general) == 0
    await world.restart()
    await recorded(world, second)
    await world.restart()
    assert guides(second.general) == 1 and guides(world.guild.general) == 1
