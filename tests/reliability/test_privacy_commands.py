"""/privacy export and /privacy delete through the real client and the /privacy cog."""

from __future__ import annotations

import json

import pytest

from bot.emulator.harness import Reply
from bot.services.privacy import PURGE_KIND
from bot.ui.privacy_commands import CONFIRM_DELETE, DELETED, KEPT

EXAM = "SY0-701"


@pytest.fixture
async def privacy(world):
    """The bot's own privacy service; the /privacy cog attaches export and delete and registers the purge."""
    assert world.bot.tree.get_command("privacy").get_command("export") is not None
    assert PURGE_KIND in world.bot.dispatcher.kinds
    return world.bot.services.privacy


async def busy(world, member):
    await member.slash("exam set", code=EXAM)
    await member.slash("checkin log", minutes=30, note="subnetting again")
    await member.slash("remind checkin", time="19:00")


async def test_export_is_a_private_json_file_of_the_members_data(world, privacy):
    """The export arrives as an ephemeral JSON attachment with the member's rows in it."""
    alice = world.member("alice")
    await busy(world, alice)
    reply = await alice.slash("privacy export")
    assert reply.ephemeral
    [attachment] = reply.attachments
    assert attachment.filename.endswith(".json")
    document = json.loads(attachment.data)
    assert document["member_id"] == str(alice.id)
    assert {"checkins", "member_exams", "recurring_rules", "members"} <= set(document["tables"])


async def test_export_of_someone_with_no_data_says_so(world, privacy):
    """A member Rebound knows nothing about gets a plain sentence, not an empty file."""
    reply = await world.member("newcomer").slash("privacy export")
    assert reply.ephemeral and reply.attachments == [] and "stores nothing" in reply.content


async def test_delete_asks_first_and_keep_changes_nothing(world, privacy):
    """Delete shows a private confirmation; "Keep my data" leaves everything as it was."""
    alice = world.member("alice")
    await busy(world, alice)
    before = await privacy.export(world.guild.id, alice.id)
    asked = await alice.slash("privacy delete")
    assert asked.ephemeral and asked.content == CONFIRM_DELETE
    kept = await asked.click("Keep my data")
    assert kept.message.content == KEPT and kept.message.components == []
    after = await privacy.export(world.guild.id, alice.id)
    assert after["tables"] == before["tables"]


async def test_delete_confirmed_removes_everything_and_reminders_stop(world, privacy):
    """After "Yes", nothing is stored about the member and their reminder never fires."""
    alice = world.member("alice")
    await busy(world, alice)
    asked = await alice.slash("privacy delete")
    done = await asked.click("Yes, delete everything")
    assert done.message.content == DELETED
    assert (await privacy.export(world.guild.id, alice.id))["tables"] == {}
    await world.advance(days=2)
    assert await alice.dms() == []


async def test_only_the_member_who_asked_can_confirm(world, privacy):
    """Pressing someone else's confirmation button is refused privately and deletes nothing."""
    alice, mallory = world.member("alice"), world.member("mallory")
    await busy(world, alice)
    asked = await alice.slash("privacy delete")
    button = next(c for c in asked.message.component_items() if c.get("label") == "Yes, delete everything")
    channel = world.emu.state.channels[asked.message.channel_id]
    interaction = world.emu.dispatch_interaction(3, {"custom_id": button["custom_id"], "component_type": 2},
                                                 user=mallory, channel=channel, message=asked.message)
    refused = await Reply(world.emu, interaction, mallory).wait()
    assert refused.ephemeral and "someone else's" in refused.content
    assert (await privacy.export(world.guild.id, alice.id))["tables"] != {}


async def test_a_partner_is_told_kindly_by_dm(world, privacy):
    """Alice's partner gets a DM that names no one, soon after she deletes her data."""
    alice, bob = world.member("alice"), world.member("bob")
    for member in (alice, bob):
        await member.slash("exam set", code=EXAM)
        await member.slash("partner join")
    admin = world.admin()
    await admin.slash("admin pairing", run_now=True)
    await world.advance(minutes=1)
    before = len(await bob.dms())
    asked = await alice.slash("privacy delete")
    await asked.click("Yes, delete everything")
    await world.advance(minutes=1)
    new = (await bob.dms())[before:]
    assert len(new) == 1
    assert "no longer taking part" in new[0].content and str(alice.id) not in new[0].content
    status = await bob.slash("partner status")
    assert "partner(s):" not in status.content


async def test_removing_the_bot_deletes_the_servers_data_after_the_grace_period(world, privacy):
    """GUILD_DELETE marks the server as left; the daily purge deletes its data 30 days later, not before."""
    alice = world.member("alice")
    await busy(world, alice)
    world.emu.remove_guild(world.guild)
    await world.emu.wait_for(lambda: world.bot.get_guild(world.guild.id) is None)
    await world.advance(days=29)
    assert (await privacy.export(world.guild.id, alice.id))["tables"] != {}
    await world.advance(days=2)
    assert (await privacy.export(world.guild.id, alice.id))["tables"] == {}


async def test_the_board_drops_a_member_who_deleted_their_data(world, privacy):
    """A member shown on the progress board is gone from it within a minute of deleting their data."""
    admin, alice = world.admin(), world.member("alice")
    await alice.slash("exam set", code=EXAM)
    await alice.slash("privacy board", state="on")
    await admin.slash("board setup", channel=world.guild.general)
    await world.advance(minutes=2)
    board = next(m for m in world.guild.general.messages
                 if m.embeds and m.embeds[0].get("title", "").startswith("Progress board"))
    assert f"<@{alice.id}>" in board.embeds[0]["description"]
    asked = await alice.slash("privacy delete")
    await asked.click("Yes, delete everything")
    await world.advance(minutes=2)
    assert f"<@{alice.id}>" not in board.embeds[0]["description"]
