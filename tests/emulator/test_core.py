"""Core round trips through the emulator with a plain discord.py bot."""

from __future__ import annotations

import discord
import pytest

from bot.emulator import HarnessError


async def test_login_fires_ready_with_guild(running):
    """The bot logs in, receives READY and GUILD_CREATE, and sees the guild."""
    emu, bot, guild = running
    assert bot.is_ready()
    assert [g.id for g in bot.guilds] == [guild.id]
    assert bot.get_guild(guild.id).get_channel(guild.general.id).name == "general"


async def test_slash_round_trip(running):
    """A slash command answers with a message the member sees."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("ping")
    assert reply.content == "pong"
    assert not reply.ephemeral


async def test_slash_with_options_and_embed(running):
    """Options reach the bot typed, and the embed and allowed_mentions are recorded."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("checkin", minutes=45, note="chapter 3")
    embed = reply.embeds[0]
    assert (embed["title"], embed["description"]) == ("Check-in", "45 minutes")
    assert embed["fields"][0] == {"name": "Note", "value": "chapter 3", "inline": True}
    assert reply.allowed_mentions == {"parse": []}


async def test_deferred_then_followups(running):
    """A deferred command's first follow-up replaces the thinking message; the next is a new message."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("slow")
    assert reply.deferred
    assert reply.content == "Report ready"
    await emu.wait_for(lambda: len(reply.interaction.followup_ids) == 1)
    assert [m.content for m in await reply.followups()] == ["And one more thing"]
    assert [m.content for m in guild.general.messages] == ["Report ready", "And one more thing"]


async def test_deferred_ephemeral_keeps_ephemeral(running):
    """The follow-up that replaces an ephemeral defer stays ephemeral and out of channel history."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("slow", private=True)
    assert reply.ephemeral
    assert "Report ready" not in [m.content for m in guild.general.messages]


async def test_button_edits_message(running):
    """Clicking a button on a normal message updates it in place (type 7)."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("panel")
    assert reply.buttons == ["Start", "Stop", "Rate"]
    clicked = await reply.click("Start")
    assert clicked.content == "Session started"
    await reply.refresh()
    assert reply.content == "Session started"


async def test_button_on_ephemeral_message(running):
    """Buttons work on ephemeral messages: a deferred update then an @original edit."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("panel", private=True)
    assert reply.ephemeral
    clicked = await reply.click(index=1)
    assert clicked.content == "Session stopped"
    assert clicked.components == []


async def test_select_on_ephemeral_message(running):
    """Choosing a value in a select on an ephemeral message reaches the view callback."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("panel", private=True)
    answer = await reply.select(["sec"])
    assert answer.content == "Topic: sec"
    assert answer.ephemeral


async def test_select_on_normal_message_by_another_member(running):
    """Another member can use the select on a public message."""
    emu, bot, guild = running
    alice, bob = guild.add_member("alice"), guild.add_member("bob")
    reply = await alice.slash("panel")
    answer = await reply.select(["net"], by=bob)
    assert answer.content == "Topic: net"


async def test_modal_submit(running):
    """A command opens a modal; submitting it by label and custom_id reaches on_submit."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("feedback")
    assert reply.is_modal
    assert reply.modal["title"] == "How did the exam go?"
    done = await reply.submit_modal(Score="71", notes="subnetting")
    assert done.content == "Saved score 71 (subnetting)"


async def test_modal_from_button(running):
    """A button can open a modal, and its submission carries the source message."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("panel")
    modal = await reply.click("Rate")
    done = await modal.submit_modal(score="80")
    assert done.content == "Saved score 80 (no notes)"


async def test_autocomplete(running):
    """Autocomplete returns the bot's suggestions for the partial value."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    choices = await alice.autocomplete("settings timezone", "name", "Europe/Be")
    assert [c["name"] for c in choices] == ["Europe/Berlin", "Europe/Bern"]


async def test_subcommand(running):
    """A subcommand path with spaces reaches the group's command."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("settings timezone", name="Europe/Berlin")
    assert reply.content == "Time zone set to Europe/Berlin"
    assert reply.ephemeral


async def test_dm_is_recorded(running):
    """A DM from the bot lands in the member's DM channel without pinging."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("remindme")
    assert reply.content == "Sent you a DM"
    dms = await alice.dms()
    assert [m.content for m in dms] == [f"Hello <@{alice.id}>, time to study!"]
    assert dms[0].pinged_users == []


async def test_closed_dms_answer_50007(running):
    """Sending to a member whose DMs are closed fails with 50007."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    alice.close_dms()
    reply = await alice.slash("remindme")
    assert reply.content == "Your DMs are closed (50007)"
    assert await alice.dms() == []


async def test_file_upload_round_trip(running):
    """An attachment option arrives with its bytes, and a file reply is stored with its bytes."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    reply = await alice.slash("upload", file=emu.attachment("bank.yaml", b"questions: []\n"))
    assert reply.content == "bank.yaml: 14 bytes"
    assert [(a.filename, a.data) for a in reply.attachments] == [("echo.txt", b"QUESTIONS: []\n")]


async def test_unregistered_command_fails_loudly(running):
    """Invoking a command the bot never registered raises in the test."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    with pytest.raises(HarnessError, match="not registered"):
        await alice.slash("nope")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"minutes": "45"}, "takes an integer"),
        ({}, "needs the option"),
        ({"minutes": 5, "colour": 1}, "no options"),
        ({"minutes": 601}, "a value in"),
    ],
)
async def test_wrong_options_fail_loudly(running, options, match):
    """Wrong, missing, unknown or out-of-range options raise before reaching the bot."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    with pytest.raises(HarnessError, match=match):
        await alice.slash("checkin", **options)


async def test_member_events_dispatched(running):
    """Adding and removing a member reaches the bot (the members intent is on)."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    await emu.wait_for(lambda: ("member_join", alice.id) in bot.events)
    guild.remove_member(alice)
    await emu.wait_for(lambda: ("member_remove", alice.id) in bot.events)


async def test_guild_join_and_remove(running):
    """A new guild arrives as GUILD_CREATE and removing the bot sends GUILD_DELETE."""
    emu, bot, guild = running
    second = emu.add_guild("Second Chance")
    await emu.wait_for(lambda: bot.get_guild(second.id) is not None)
    emu.remove_guild(second)
    await emu.wait_for(lambda: ("guild_remove", second.id) in bot.events)
    assert bot.get_guild(second.id) is None


async def test_channel_delete_dispatched(running):
    """Deleting a channel sends CHANNEL_DELETE and later sends answer 10003."""
    emu, bot, guild = running
    board = guild.add_channel("board")
    await emu.wait_for(lambda: bot.get_channel(board.id) is not None)
    guild.delete_channel(board)
    await emu.wait_for(lambda: ("channel_delete", board.id) in bot.events)
    with pytest.raises(discord.NotFound) as caught:
        await bot.http.send_message(board.id, params=discord.http.handle_message_parameters(content="hi"))
    assert caught.value.code == 10003


async def test_repeated_nonce_is_not_sent_twice(running):
    """A message re-sent with the same nonce (enforce_nonce) returns the first one instead of a duplicate."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    user = await bot.fetch_user(alice.id)
    first = await user.send("Reminder: study time", nonce="rb-nonce-1")
    again = await user.send("Reminder: study time", nonce="rb-nonce-1")
    other = await user.send("Reminder: study time", nonce="rb-nonce-2")
    assert again.id == first.id
    assert other.id != first.id
    assert len(await alice.dms()) == 2


async def test_nonce_is_forgotten_after_a_few_minutes(running):
    """After Discord's nonce window the same nonce creates a new message again."""
    emu, bot, guild = running
    alice = guild.add_member("alice")
    user = await bot.fetch_user(alice.id)
    first = await user.send("Hello", nonce="rb-nonce-3")
    emu.advance_time(301)
    later = await user.send("Hello", nonce="rb-nonce-3")
    assert later.id != first.id
