"""Gateway behaviour: resume with replay, invalid sessions, shard routing."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.emulator import Emulator, RateLimits


async def test_resume_replays_events_missed_while_disconnected(running):
    """After a dropped connection the client resumes and handles the interaction sent meanwhile."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    assert await emu.drop_gateway() == 1
    assert not emu.gateway.is_connected(0)
    bob = guild.add_member("bob")
    reply = await alice.slash("ping")
    assert reply.content == "pong"
    await emu.wait_for(lambda: ("member_join", bob.id) in bot.events)
    assert (emu.gateway.identifies, emu.gateway.resumes) == (1, 1)


async def test_unknown_session_is_invalidated_and_reidentifies(running):
    """A resume for a session the gateway forgot gets INVALID_SESSION, and the client identifies again."""
    emu, bot, guild = running
    emu.gateway.sessions.clear()
    await emu.drop_gateway()
    await emu.wait_for(lambda: emu.gateway.identifies == 2 and emu.gateway.is_connected(0))
    reply = await guild.add_member("alice").slash("ping")
    assert reply.content == "pong"


class ShardedBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), shard_count=2, guild_ready_timeout=0.01)
        self.answered_on: list[tuple[int, int | None]] = []

        @self.tree.command(name="where", description="Which shard am I on?")
        async def where(interaction: discord.Interaction) -> None:
            self.answered_on.append((interaction.guild_id, interaction.guild.shard_id))
            await interaction.response.send_message(f"shard {interaction.guild.shard_id}")

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def test_shard_routing_with_two_shards():
    """With shard_count=2 each guild is created and routed on shard (guild_id >> 22) % 2."""
    async with Emulator(shards=2, rate_limits=RateLimits.disabled()) as emu:
        first, second = emu.add_guild("Shard Zero", shard_id=0), emu.add_guild("Shard One", shard_id=1)
        bot = ShardedBot()
        task = await emu.start_bot(bot)
        try:
            await emu.wait_for(lambda: len(bot.guilds) == 2)
            for guild, shard in ((first, 0), (second, 1)):
                assert (guild.id >> 22) % 2 == shard
                reply = await guild.add_member(f"member{shard}").slash("where")
                assert reply.content == f"shard {shard}"
                assert reply.interaction.shard_id == shard
            sessions = emu.gateway.by_shard
            assert sorted(sessions) == [0, 1]
            assert sessions[0].dispatched.count("GUILD_CREATE") == 1
            assert sessions[1].dispatched.count("GUILD_CREATE") == 1
        finally:
            await emu.stop_bot(bot, task)


async def test_dm_interactions_go_to_shard_zero():
    """An interaction in a DM is routed to shard 0."""
    async with Emulator(shards=2, rate_limits=RateLimits.disabled()) as emu:
        emu.add_guild("Shard One", shard_id=1)
        bot = ShardedBot()

        @bot.tree.command(name="hello", description="Say hello")
        async def hello(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("hello in DM")

        task = await emu.start_bot(bot)
        try:
            reply = await emu.user("dana").slash("hello", dm=True)
            assert reply.content == "hello in DM"
            assert reply.interaction.shard_id == 0
        finally:
            await emu.stop_bot(bot, task)
