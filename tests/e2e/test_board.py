"""The progress board end to end: one message kept up to date by edits, debounced, privacy honoured,
window buttons, a lost channel or permission handled; /progress charts; the weekly digest on schedule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.clock import to_epoch
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import MockAttempts
from bot.emulator import permissions as perms
from bot.emulator.harness import HarnessError, Reply

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def set_up_board(world):
    channel = world.guild.add_channel("board")
    admin = world.member("admin", manage_guild=True)
    reply = await admin.slash("board setup", channel=channel)
    return admin, channel, reply


def titled(channel, prefix: str) -> list:
    return [m for m in channel.messages if m.embeds and m.embeds[0].get("title", "").startswith(prefix)]


def board_message(channel):
    posted = titled(channel, "Progress board")
    assert len(posted) == 1, f"expected one board message, found {len(posted)}"
    return posted[0]


def edits_of(world, message) -> int:
    path = f"/channels/{message.channel_id}/messages/{message.id}"
    return sum(1 for method, seen, status in world.emu.requests if method == "PATCH" and seen == path
               and status == 200)


def bot_may(world, channel, permission: str) -> bool | None:
    """Whether the bot's own cache says it has ``permission`` in ``channel`` (None: not cached yet)."""
    cached = world.bot.get_channel(channel.id)
    if cached is None:
        return None
    return getattr(cached.permissions_for(cached.guild.me), permission)


async def check_in(world, member, minutes=30):
    """``/checkin log``; the board is touched inside the check-in's own unit of work, before the reply."""
    return await member.slash("checkin log", minutes=minutes)


async def opt_in(member, state="on"):
    reply = await member.slash("privacy board", state=state)
    assert reply.ephemeral
    return reply


async def press(world, member, message, label):
    """``member`` presses the button ``label`` on a channel message the bot posted."""
    button = next(c for c in message.component_items() if c.get("type") == 2 and c.get("label") == label)
    channel = world.emu.state.channels[message.channel_id]
    interaction = world.emu.dispatch_interaction(3, {"custom_id": button["custom_id"], "component_type": 2},
                                                 user=member, channel=channel, message=message)
    return await Reply(world.emu, interaction, member).wait()


async def set_exam(world, member, code="SY0-701"):
    now = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        await Members(tx).ensure(world.guild.id, member.id, now)
        await Exams(tx).set_active(world.guild.id, member.id, code, now)


async def finished_mock(world, member, percent, code="SY0-701"):
    at = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        mocks = MockAttempts(tx)
        attempt = await mocks.create(guild_id=world.guild.id, user_id=member.id, exam_code=code,
                                     length="full", mode="exam", question_ids=["q"], duration_minutes=60,
                                     started_at=at - 3600, deadline_at=at, now=at - 3600)
        await mocks.finish(attempt, status="submitted", finished_at=at, raw_percent=percent,
                           result={"per_domain": {}}, now=at)


async def test_board_is_created_then_edited_not_reposted(world):
    """Setup posts one board with a chart; check-ins later edit that same message."""
    _, channel, reply = await set_up_board(world)
    assert reply.ephemeral and "progress board is up" in reply.content
    message = board_message(channel)
    assert message.attachments and message.attachments[0].filename.endswith(".png")
    assert message.attachments[0].data.startswith(PNG_MAGIC)
    alice = world.member("alice")
    await opt_in(alice)
    await check_in(world, alice, minutes=45)
    await world.advance(minutes=1)
    message = board_message(channel)
    assert f"<@{alice.id}>" in message.embeds[0]["description"]
    assert "⏱ 45 min" in message.embeds[0]["description"]
    assert edits_of(world, message) == 1
    assert len(channel.messages) == 1


def counting_units(world) -> list[str]:
    """Every unit of work the bot's database opens from now on, in order ("write" or "read")."""
    db, units = world.bot.db, []
    transaction, read = db.transaction, db.read

    def counted_transaction():
        units.append("write")
        return transaction()

    def counted_read():
        units.append("read")
        return read()

    db.transaction, db.read = counted_transaction, counted_read
    return units


async def command_finished(world, member, command, **options):
    """Run a slash command and wait until every listener of its completion (the board's among them) is done."""
    completed = []

    async def on_app_command_completion(interaction, _command):
        completed.append(interaction.id)

    world.bot.add_listener(on_app_command_completion)
    try:
        reply = await member.slash(command, **options)
        await world.emu.wait_for(lambda: completed and not any(
            task.get_name() == "discord.py: on_app_command_completion" and not task.done()
            for task in asyncio.all_tasks()), message="the command's completion listeners ran")
    finally:
        world.bot.remove_listener(on_app_command_completion)
    return reply


async def test_checkin_log_is_one_write_unit_with_the_board_touched_inside(world):
    """/checkin log with a live board opens one unit of work; the board's listener adds none for it."""
    _, channel, _ = await set_up_board(world)
    alice = world.member("alice")
    await opt_in(alice)
    await check_in(world, alice, minutes=10)  # the first check-in creates her rows
    await world.advance(minutes=1)
    units = counting_units(world)
    reply = await command_finished(world, alice, "checkin log", minutes=25)
    assert "Checked in: **25 minutes**" in reply.content
    assert units == ["write"]
    await world.advance(minutes=1)
    assert "⏱ 35 min" in board_message(channel).embeds[0]["description"]


async def test_other_commands_still_touch_the_board_after_they_finish(world):
    """A command that does not touch the board itself (here /checkin goal) is still followed by a touch."""
    await set_up_board(world)
    alice = world.member("alice")
    await world.advance(minutes=1)
    units = counting_units(world)
    await command_finished(world, alice, "checkin goal", weekly_minutes=300)
    assert units.count("write") == 2 and units[-1] == "write"


async def test_edit_that_changes_only_the_lines_keeps_the_chart(world):
    """A member opting in changes the lines, not the chart: the edit keeps the chart's attachment as it is."""
    _, channel, _ = await set_up_board(world)
    alice, bob = world.member("alice"), world.member("bob")
    await opt_in(alice)
    await check_in(world, alice, minutes=45)
    await world.advance(minutes=1)
    drawn = board_message(channel).attachments
    await opt_in(bob)
    await world.advance(minutes=1)
    message = board_message(channel)
    assert f"<@{bob.id}>" in message.embeds[0]["description"]
    assert [a.id for a in message.attachments] == [a.id for a in drawn] and len(drawn) == 1
    await check_in(world, bob, minutes=20)
    await world.advance(minutes=1)
    redrawn = board_message(channel).attachments
    assert len(redrawn) == 1 and redrawn[0].id != drawn[0].id and redrawn[0].data.startswith(PNG_MAGIC)


async def test_edits_are_debounced_to_one_a_minute(world):
    """Many check-ins in one minute make one edit; the next change waits for the next minute."""
    _, channel, _ = await set_up_board(world)
    message = board_message(channel)
    for name in ("alice", "bob", "caro"):
        await check_in(world, world.member(name), minutes=20)
    await world.advance(minutes=1)
    assert edits_of(world, message) == 1
    await check_in(world, world.member("alice"), minutes=10)
    await world.advance(seconds=30)
    assert edits_of(world, message) == 1
    await world.advance(seconds=30)
    assert edits_of(world, message) == 2
    assert "70 minutes studied over 4 check-ins" in board_message(channel).embeds[0]["description"]


async def test_members_who_did_not_opt_in_or_opted_out_are_not_named(world):
    """Only opted-in members are named; turning it off removes them at the next edit."""
    _, channel, _ = await set_up_board(world)
    alice, bob = world.member("alice"), world.member("bob")
    await opt_in(alice)
    await check_in(world, alice)
    await check_in(world, bob)
    await world.advance(minutes=1)
    text = board_message(channel).embeds[0]["description"]
    assert f"<@{alice.id}>" in text and f"<@{bob.id}>" not in text
    off = await opt_in(alice, "off")
    assert "off the progress board" in off.content
    await world.advance(minutes=1)
    assert f"<@{alice.id}>" not in board_message(channel).embeds[0]["description"]


async def test_member_who_left_the_server_disappears(world):
    """A member who left is taken off the board at its next edit."""
    _, channel, _ = await set_up_board(world)
    alice, bob = world.member("alice"), world.member("bob")
    await opt_in(alice)
    await check_in(world, alice)
    await world.advance(minutes=1)
    assert f"<@{alice.id}>" in board_message(channel).embeds[0]["description"]
    world.guild.remove_member(alice)
    await check_in(world, bob)
    await world.advance(minutes=1)
    assert f"<@{alice.id}>" not in board_message(channel).embeds[0]["description"]


async def test_window_buttons_switch_the_board_and_survive_a_restart(world):
    """'This month' and 'All time' on the board re-draw the same message, also after a restart."""
    _, channel, _ = await set_up_board(world)
    alice = world.member("alice")
    message = board_message(channel)
    assert message.buttons == ["This week", "This month", "All time"]
    await press(world, alice, message, "This month")
    message = board_message(channel)
    assert message.embeds[0]["title"] == "Progress board · This month"
    await world.restart()
    await press(world, alice, message, "All time")
    message = board_message(channel)
    assert message.embeds[0]["title"] == "Progress board · All time"
    assert len(channel.messages) == 1


async def test_setup_needs_manage_server_and_the_bot_permissions(world):
    """A member without Manage Server is refused; a channel the bot can't post in is explained."""
    channel = world.guild.add_channel("board")
    admin = world.member("admin", manage_guild=True)
    with pytest.raises(HarnessError, match="cannot see /board"):
        await world.member("alice").slash("board setup", channel=channel)
    channel.set_permissions(world.guild.bot_role, deny=perms.ATTACH_FILES)
    await world.emu.wait_for(lambda: bot_may(world, channel, "attach_files") is False, message="overwrite")
    refused = await admin.slash("board setup", channel=channel)
    assert refused.ephemeral and "Attach Files" in refused.content
    assert channel.messages == []


async def test_lost_permission_pauses_the_board_and_tells_the_admin_once(world):
    """Without permission the board pauses, the admin hears once, nothing crashes; setup resumes it."""
    admin, channel, _ = await set_up_board(world)
    message = board_message(channel)
    alice = world.member("alice")
    channel.set_permissions(world.guild.bot_role, deny=perms.SEND_MESSAGES)
    await world.emu.wait_for(lambda: bot_may(world, channel, "send_messages") is False, message="overwrite")
    await check_in(world, alice)
    await world.advance(minutes=1)
    await alice.slash("checkin log", minutes=5)
    await world.advance(hours=2)
    dms = await admin.dms()
    assert len(dms) == 1 and "paused" in dms[0].content and "Send Messages" in dms[0].content
    assert edits_of(world, message) == 0
    channel.set_permissions(world.guild.bot_role, allow=perms.SEND_MESSAGES)
    await world.emu.wait_for(lambda: bot_may(world, channel, "send_messages"), message="overwrite")
    again = await admin.slash("board setup", channel=channel)
    assert "progress board is up" in again.content
    assert edits_of(world, message) == 1 and len(channel.messages) == 1


async def test_deleted_board_channel_pauses_and_tells_the_admin_once(world):
    """Deleting the board's channel pauses the board; later changes and hours pass quietly."""
    admin, channel, _ = await set_up_board(world)
    world.guild.delete_channel(channel)
    await world.emu.wait_for(lambda: admin.dms(), message="the admin was told")
    await world.member("alice").slash("checkin log", minutes=15)
    await world.advance(hours=3)
    dms = await admin.dms()
    assert len(dms) == 1 and "deleted" in dms[0].content


async def test_progress_returns_private_png_charts(world):
    """/progress answers privately with PNG charts for the member's data."""
    alice = world.member("alice")
    await set_exam(world, alice)
    await alice.slash("checkin log", minutes=40)
    await finished_mock(world, alice, 68.0)
    reply = await alice.slash("progress")
    assert reply.ephemeral and "Your progress" in reply.content
    names = [a.filename for a in reply.attachments]
    assert names == ["mock-scores.png", "study-minutes.png"]
    assert all(a.data.startswith(PNG_MAGIC) for a in reply.attachments)


async def test_progress_without_data_shows_how_to_start(world):
    """A member with nothing recorded gets a kind empty state and no images."""
    reply = await world.member("newcomer").slash("progress")
    assert reply.ephemeral and "Nothing to chart yet" in reply.content and reply.attachments == []


async def test_weekly_digest_is_posted_by_the_scheduler(world):
    """On Sunday 18:00 (server time) the digest sums the week in the board channel."""
    _, channel, _ = await set_up_board(world)
    alice, bob = world.member("alice"), world.member("bob")
    await opt_in(alice)
    await set_exam(world, alice)
    await finished_mock(world, alice, 55.0)
    for member in (alice, bob):
        await check_in(world, member, minutes=50)
    await world.advance(days=1)
    await finished_mock(world, alice, 66.0)
    world.clock.set(datetime(2026, 6, 7, 17, 59, tzinfo=UTC))
    await world.advance(minutes=1)
    digests = titled(channel, "Our week")
    assert len(digests) == 1
    text = digests[0].embeds[0]["description"]
    assert "100 minutes studied over 2 check-ins by 2 members" in text
    assert f"Most improved: <@{alice.id}>, mocks up 11 points" in text
    assert f"<@{bob.id}>" not in text
    await world.advance(hours=2)
    assert len(titled(channel, "Our week")) == 1


async def test_privacy_show_lists_what_is_public(world):
    """/privacy show says what others can see, privately."""
    await set_up_board(world)
    alice = world.member("alice")
    await alice.slash("privacy passes", state="on")
    shown = await alice.slash("privacy show")
    assert shown.ephemeral
    assert "Progress board: off" in shown.content and "Passes: shared" in shown.content


async def test_digest_schedule_is_shown_and_changed(world):
    """/board digest alone shows the schedule; with options it moves it."""
    admin, _, _ = await set_up_board(world)
    shown = await admin.slash("board digest")
    assert shown.ephemeral and "Sun at 18:00 (UTC)" in shown.content
    moved = await admin.slash("board digest", day="mon", hour=8)
    assert "Mon at 08:00 (UTC)" in moved.content
