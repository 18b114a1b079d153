"""The discord.py internals guard, terminal rendering, threads/roles/DM routes and harness helpers."""

from __future__ import annotations

import io

import discord
import discord.gateway
import discord.http
import pytest

from bot.emulator import (
    DiscordInternalsChanged,
    Emulator,
    HarnessError,
    NoReply,
    check_discord_internals,
    patch_discord,
    render_message,
    render_reply,
)
from bot.emulator.state import Attachment, Message, User
from tests.emulator.conftest import Panel


def test_internals_guard_passes_on_the_installed_discord_py():
    """The attributes the emulator redirects exist in the installed discord.py."""
    check_discord_internals()


@pytest.mark.parametrize(
    ("owner", "attribute"),
    [(discord.http.Route, "BASE"), (discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY")],
)
def test_internals_guard_names_a_moved_attribute(monkeypatch, owner, attribute):
    """If discord.py renames an endpoint attribute the guard fails with a clear message."""
    monkeypatch.delattr(owner, attribute)
    with pytest.raises(DiscordInternalsChanged, match=attribute):
        check_discord_internals()


def test_patch_discord_points_both_endpoints(monkeypatch):
    """patch_discord sets the REST base and the gateway URL discord.py reads."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    patch_discord("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/")
    assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/"


def _sample_message() -> Message:
    bot = User(id=1, username="Rebound", bot=True)
    message = Message(id=5 << 22, channel_id=2, author=bot, content="Your plan", flags=64)
    message.embeds = [
        {
            "title": "Week 1",
            "description": "Subnetting",
            "fields": [{"name": "Goal", "value": "3 h"}],
            "footer": {"text": "Keep going"},
        }
    ]
    message.components = [
        {
            "type": 1,
            "components": [
                {"type": 2, "label": "Start", "custom_id": "s", "style": 1},
                {"type": 2, "label": "Stop", "custom_id": "t", "style": 4},
            ],
        },
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": "topic",
                    "placeholder": "Pick a topic",
                    "options": [{"label": "Networking", "value": "net"}, {"label": "Security", "value": "sec"}],
                }
            ],
        },
    ]
    message.attachments = [Attachment(id=9, filename="plan.png", data=b"png", url="http://x/plan.png")]
    return message


def test_render_message_shows_everything_a_member_sees():
    """Rendering shows the ephemeral note, content, embed box, numbered buttons and options, and files."""
    text = render_message(_sample_message())
    lines = text.splitlines()
    assert lines[0] == "(only you can see this)"
    assert lines[1] == "Your plan"
    assert "** Week 1 **" in text and "Subnetting" in text and "Goal:" in text and "-- Keep going" in text
    assert "[1 Start] [2 Stop]" in lines
    assert "  1) Networking" in lines and "  2) Security" in lines
    assert lines[-1] == "[file: plan.png (3 bytes)]"


async def test_render_reply_of_a_modal(running):
    """A modal reply renders its title and numbered fields."""
    emu, bot, guild = running
    reply = await guild.add_member("alice").slash("feedback")
    assert render_reply(reply).splitlines() == ["== How did the exam go? ==", "  1. Score: ", "  2. Notes (optional): "]


async def test_no_reply_reports_what_was_seen(running):
    """When the bot never answers visibly, the harness raises with what it saw."""
    emu, bot, guild = running
    with pytest.raises(NoReply, match="callback type"):
        await guild.add_member("alice").slash("wait", timeout=0.05)
    bot.gate.set()


async def test_clicking_a_missing_button_fails_loudly(running):
    """Clicking a label that is not on the message lists the buttons that are."""
    emu, bot, guild = running
    reply = await guild.add_member("alice").slash("panel")
    with pytest.raises(HarnessError, match="Start"):
        await reply.click("Pause")


async def test_others_cannot_use_an_ephemeral_message(running):
    """Only the member who got an ephemeral reply can press its buttons."""
    emu, bot, guild = running
    alice, bob = guild.add_member("alice"), guild.add_member("bob")
    reply = await alice.slash("panel", private=True)
    with pytest.raises(HarnessError, match="ephemeral"):
        await reply.click("Start", by=bob)


async def test_threads_roles_and_members_routes(running):
    """Channel, private thread, thread member, role and member-role routes change the emulator's state."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    server = bot.get_guild(guild.id)
    channel = await server.create_text_channel("retakes")
    thread = await channel.create_thread(name="week 1", type=discord.ChannelType.private_thread)
    member = await server.fetch_member(alice.id)
    await thread.add_user(member)
    role = await server.create_role(name="Retaker")
    await member.add_roles(role)
    assert guild.channel("retakes").id == channel.id
    assert [t.name for t in guild.threads()] == ["week 1"]
    assert alice.id in guild.threads()[0].members
    assert alice.has_role(role.id)
    await member.remove_roles(role)
    assert not alice.has_role(role.id)


async def test_role_above_the_bot_cannot_be_assigned(running):
    """Assigning a role at or above the bot's highest role is 50013 (role hierarchy)."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    top = guild.add_role("Moderator")
    top.record.position = guild.bot_role.record.position + 1
    with pytest.raises(discord.Forbidden) as caught:
        await bot.http.add_role(guild.id, alice.id, top.id)
    assert caught.value.code == 50013


async def test_fault_latency_delays_without_failing(running):
    """Injected latency slows a route but the request still succeeds."""
    emu, bot, guild = running
    emu.faults.latency(r"GET /users/\d+", 0.01)
    user = await bot.fetch_user(guild.owner.id)
    assert user.name == "owner"


async def test_unknown_routes_are_recorded(running):
    """A route the emulator does not implement answers 404 code 0 and is recorded."""
    emu, bot, guild = running
    with pytest.raises(discord.NotFound) as caught:
        await bot.http.request(discord.http.Route("GET", "/voice/regions"))
    assert caught.value.code == 0
    assert emu.unknown_routes == [("GET", "/voice/regions")]
    emu.unknown_routes.clear()


async def test_attachment_urls_serve_the_bytes(running):
    """Files the bot uploads are served back at their attachment URL."""
    emu, bot, guild = running
    sent = await bot.get_channel(guild.general.id).send(file=discord.File(io.BytesIO(b"notes"), filename="n.txt"))
    assert await sent.attachments[0].read() == b"notes"
    assert guild.general.messages[0].attachments[0].data == b"notes"


async def test_history_pages_newest_first(running):
    """Channel history returns messages newest first and honours before/limit."""
    emu, bot, guild = running
    channel = bot.get_channel(guild.general.id)
    for index in range(5):
        await channel.send(f"m{index}")
    assert [m.content async for m in channel.history(limit=3)] == ["m4", "m3", "m2"]
    assert [m.content for m in await guild.general.history(limit=2)] == ["m3", "m4"]


def test_rule_clock_is_injectable_and_advances():
    """The rule clock reads the injected clock and moves with advance_time."""
    emu = Emulator(clock=lambda: 100.0)
    emu.advance_time(3.1)
    assert emu.time() == pytest.approx(103.1)


async def test_guild_command_round_trip(running):
    """A command synced to one guild is found there and carries data.guild_id to discord.py."""
    emu, bot, guild = running

    @discord.app_commands.command(name="local", description="Only here")
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"local to {interaction.guild_id}")

    bot.tree.add_command(local, guild=discord.Object(guild.id))
    await bot.tree.sync(guild=discord.Object(guild.id))
    reply = await guild.add_member("alice").slash("local")
    assert reply.content == f"local to {guild.id}"
    assert reply.interaction.data["guild_id"] == str(guild.id)


async def test_member_can_click_a_button_on_a_channel_post(running):
    """A view the bot posted outside an interaction can be used through member.sees(message)."""
    emu, bot, guild = running
    await bot.get_channel(guild.general.id).send("Daily panel", view=Panel())
    alice = guild.add_member("alice")
    shown = alice.sees(guild.general.last_message)
    answer = await shown.select(["net"])
    assert answer.content == "Topic: net"
    await shown.click("Start")
    assert shown.content == "Session started"
