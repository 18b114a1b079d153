"""/settings through the real client and the emulator."""

from __future__ import annotations


async def test_set_timezone_then_show(world):
    """A member sets a time zone and sees it in /settings show, privately."""
    alice = world.member("alice")
    reply = await alice.slash("settings timezone", name="Europe/Berlin")
    assert reply.ephemeral
    assert "Europe/Berlin" in reply.content
    shown = await alice.slash("settings show")
    assert shown.ephemeral and "Europe/Berlin" in shown.content


async def test_unknown_timezone_is_refused_with_a_suggestion(world):
    """A misspelt zone gets a private error with a suggestion, and nothing is saved."""
    bob = world.member("bob")
    reply = await bob.slash("settings timezone", name="Europe/Berln")
    assert reply.ephemeral
    assert "Europe/Berlin" in reply.content
    shown = await bob.slash("settings show")
    assert "server's default" in shown.content


async def test_timezone_autocomplete_offers_matching_zones(world):
    """Typing part of a zone name offers matching IANA names, at most 25."""
    carol = world.member("carol")
    choices = await carol.autocomplete("settings timezone", "name", "Europe/Be")
    names = [c["name"] if isinstance(c, dict) else c for c in choices]
    assert "Europe/Berlin" in names
    assert len(names) <= 25


async def test_settings_are_per_member(world):
    """One member's time zone is not another's."""
    await world.member("dana").slash("settings timezone", name="Asia/Tokyo")
    shown = await world.member("erin").slash("settings show")
    assert "Asia/Tokyo" not in shown.content


async def test_member_text_echoed_back_never_pings(world):
    """Mentions typed into an option and echoed in the reply ping nobody."""
    frank = world.member("frank")
    target = world.member("grace")
    reply = await frank.slash("settings timezone", name=f"@everyone {target.mention}")
    assert "@everyone" in reply.content
    assert reply.pinged_users == []
    assert not reply.message.pinged_everyone
