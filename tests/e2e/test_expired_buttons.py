"""Buttons pressed after the bot restarted: the /privacy delete confirmation still works (its custom_id carries
the member and the deadline); a page whose view died with the old process says it expired, privately."""

from __future__ import annotations

from bot.ui.deadline import PAGE_EXPIRED
from bot.ui.privacy_commands import DELETED, EXPIRED, KEPT


async def stored(world, user_id: int) -> int:
    async with world.bot.db.read() as tx:
        return await tx.scalar("SELECT COUNT(*) FROM member_exams WHERE user_id = ?", (user_id,))


async def test_an_old_setup_page_button_says_the_page_expired(world):
    """/admin setup's "Create missing channels" after a restart: an ephemeral "expired" note, nothing created."""
    admin = world.member("admin", manage_guild=True)
    page = await admin.slash("admin setup")
    channels = len(world.emu.state.guild_channels(world.guild.record))
    await world.restart()
    pressed = await page.click("Create missing channels")
    assert pressed.ephemeral and pressed.content == PAGE_EXPIRED
    assert len(world.emu.state.guild_channels(world.guild.record)) == channels


async def test_a_delete_confirmation_from_before_a_restart_still_deletes(world):
    """"Yes, delete everything" pressed after a restart deletes the member's data and says so."""
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    asked = await alice.slash("privacy delete")
    await world.restart()
    done = await asked.click("Yes, delete everything")
    assert done.message.content == DELETED
    assert await stored(world, alice.id) == 0


async def test_keep_from_before_a_restart_keeps_the_data(world):
    """"Keep my data" pressed after a restart changes nothing and says so."""
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    asked = await alice.slash("privacy delete")
    await world.restart()
    kept = await asked.click("Keep my data")
    assert kept.message.content == KEPT
    assert await stored(world, alice.id) == 1


async def test_a_delete_confirmation_past_its_deadline_deletes_nothing(world):
    """Three minutes later the confirmation has expired: pressing "Yes" deletes nothing and says why."""
    alice = world.member("alice")
    await alice.slash("exam set", code="SY0-701")
    asked = await alice.slash("privacy delete")
    world.clock.advance(minutes=3)
    late = await asked.click("Yes, delete everything")
    assert late.message.content == EXPIRED
    assert await stored(world, alice.id) == 1
