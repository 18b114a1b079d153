"""Joining a server end to end: the setup guide, /admin setup, the welcome panel across a restart, onboarding,
/cohort and the resource library, through the emulator."""

from __future__ import annotations

import pytest

from bot.emulator import permissions as perms
from bot.emulator.harness import GuildHandle, HarnessError, Reply
from bot.services.resources import MAX_ADDITIONS_PER_DAY
from bot.ui.community_views import PANEL_PLAN

EXAM = "SY0-701"
GUIDE = "Thanks for adding Rebound"
REPORT = "General Security Concepts: 80%\nThreats: near\nSecurity Architecture: 75%\nSecurity Operations: 55%"


def title_of(message) -> str:
    return message.embeds[0].get("title", "") if message.embeds else ""


async def press(world, member, message, label) -> Reply:
    """``member`` presses the button ``label`` on a message the bot posted in a channel."""
    button = next(c for c in message.component_items() if c.get("type") == 2 and c.get("label") == label)
    channel = world.emu.state.channels[message.channel_id]
    interaction = world.emu.dispatch_interaction(3, {"custom_id": button["custom_id"], "component_type": 2},
                                                 user=member, channel=channel, message=message)
    return await Reply(world.emu, interaction, member).wait()


async def first_message(world, channel, title: str):
    """Wait for the bot's message whose embed title starts with ``title`` in ``channel``."""
    return await world.emu.wait_for(
        lambda: next((m for m in channel.messages if title_of(m).startswith(title)), None), message=title)


def set_bot_permissions(world, guild, value: int) -> None:
    """Change the bot role's permissions the way Discord does: the role changes and the bot is told."""
    guild.set_bot_permissions(value)
    role = guild.bot_role.record
    world.emu.gateway.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_api()},
                               guild_id=guild.id)


async def set_up(world, *, features=("checkins", "partners", "quiz", "cohorts", "resources")):
    """An admin runs /admin setup: creates the channels, sets rules and features, posts the panel."""
    admin = world.member("admin", manage_guild=True)
    page = await admin.slash("admin setup")
    page = await page.click("Create missing channels")
    page = await page.click("Next: time zone and rules")
    page = await page.select(["Europe/Berlin"], index=0)
    page = await page.select(["2"], index=1)
    page = await page.select(["14"], index=3)
    page = await page.click("Next: features")
    page = await page.select(list(features), index=0)
    page = await page.click("Finish: post the welcome panel")
    return admin, page


async def open_panel(world, member) -> Reply:
    panel = await first_message(world, world.guild.channel("welcome"), "Welcome to the comeback crew")
    return await press(world, member, panel, PANEL_PLAN)


# --- the bot joins a server ------------------------------------------------------------------------


async def test_joining_a_server_posts_the_setup_guide(world):
    """Added to a server, Rebound posts a short guide pointing at /admin setup in the system channel."""
    guide = await first_message(world, world.guild.general, GUIDE)
    assert "/admin setup" in guide.embeds[0]["description"]


async def test_guide_goes_to_the_owner_when_the_bot_cannot_post(world):
    """Without Send Messages in the system channel the owner gets the guide by DM instead."""
    emu = world.emu
    record = emu.new_guild_record("Quiet Hall", "olga", shard_id=None, bot_permissions=perms.BOT_DEFAULT)
    bot_role = record.members[emu.application.bot_user_id].roles[0]
    general = emu.state.channels[record.system_channel_id]
    general.permission_overwrites = [{"id": str(bot_role), "type": 0, "allow": "0",
                                      "deny": str(perms.SEND_MESSAGES)}]
    emu.gateway.dispatch("GUILD_CREATE", emu.guild_create_payload(record), guild_id=record.id)
    quiet = GuildHandle(emu, record)
    dms = await emu.wait_for(quiet.owner.dms, message="the guide by DM")
    assert title_of(dms[0]) == GUIDE
    assert quiet.general.messages == []


# --- /admin setup ----------------------------------------------------------------------------------


async def test_admin_setup_end_to_end(world):
    """Channels created, rules and features chosen, panel posted; /admin settings shows it all on one page."""
    _, page = await set_up(world, features=("checkins", "quiz", "cohorts", "resources"))
    assert page.ephemeral and title_of(page.message) == "Rebound settings"
    fields = {f["name"]: f["value"] for f in page.embeds[0]["fields"]}
    rules = fields["Time zone and rules"]
    assert "Europe/Berlin" in rules and "**2** strong full mocks" in rules and "every **14** days" in rules
    assert "▫️ Study-partner pairing" in fields["Features"]
    assert "posted in" in fields["Welcome panel"]
    for name in ("check-ins", "board", "quiz-rounds", "welcome"):
        assert world.guild.channel(name)
    panel = await first_message(world, world.guild.channel("welcome"), "Welcome to the comeback crew")
    assert panel.buttons == [PANEL_PLAN, "Find a study partner", "Join a quiz round", "How this works"]
    settings = await world.bot.services.guild_settings.settings_for(world.guild.id)
    assert settings.welcome_message_id == panel.id and settings.setup_done
    await world.advance(minutes=2)
    assert world.guild.channel("board").messages  # the progress board, drawn by its own feature


async def test_admin_setup_names_a_missing_permission_and_posts_nothing(world):
    """A welcome channel where the bot can't send: setup says what is missing and why, and posts no panel."""
    admin = world.member("admin", manage_guild=True)
    welcome = world.guild.add_channel("welcome")
    welcome.set_permissions(world.guild.bot_role, deny=perms.SEND_MESSAGES)
    page = await admin.slash("admin setup")
    page = await page.select([welcome], index=3)
    channels = page.embeds[0]["fields"][0]["value"]
    assert "Welcome**: <#" in channels and "**Send Messages**: to post in it" in channels
    await page.click("Next: time zone and rules")
    page = await page.click("Next: features")
    refused = await page.click("Finish: post the welcome panel")
    assert refused.ephemeral and "I can't post the welcome panel" in refused.content
    assert "Send Messages" in refused.content
    assert welcome.messages == []
    settings = await world.bot.services.guild_settings.settings_for(world.guild.id)
    assert settings.welcome_channel_id == welcome.id and settings.welcome_message_id is None
    assert not settings.setup_done


async def test_creating_channels_without_manage_channels_is_refused(world):
    """Without Manage Channels, setup explains it can't create channels and creates none."""
    admin = world.member("admin", manage_guild=True)
    set_bot_permissions(world, world.guild, perms.BOT_DEFAULT & ~perms.MANAGE_CHANNELS)
    page = await admin.slash("admin setup")
    refused = await page.click("Create missing channels")
    assert refused.ephemeral and "Manage Channels" in refused.content
    with pytest.raises(HarnessError):
        world.guild.channel("check-ins")


async def test_only_server_managers_see_admin_setup(world):
    """A member without Manage Server cannot run /admin setup."""
    with pytest.raises(HarnessError, match="cannot see /admin"):
        await world.member("bob").slash("admin setup")


# --- the welcome panel and onboarding --------------------------------------------------------------


async def test_welcome_panel_works_after_a_restart(world):
    """The panel posted before a restart still starts the flow, privately."""
    await set_up(world)
    await world.restart()
    step = await open_panel(world, world.member("alice"))
    assert step.ephemeral and title_of(step.message).startswith("Step 1 of 9 · Your exam")
    other = await press(world, world.member("bob"),
                        await first_message(world, world.guild.channel("welcome"), "Welcome"), "How this works")
    assert other.ephemeral and "How Rebound works" in other.content


async def test_onboarding_from_the_panel_to_the_plan(world):
    """A new member goes from the panel to their plan; each step saves through the command's own service."""
    await set_up(world)
    alice = world.member("alice")
    step = await open_panel(world, alice)
    step = await step.select([EXAM], index=0)
    assert title_of(step.message).startswith("Step 2 of 9 · The attempt")
    form = await step.click("Record my attempt")
    step = await form.submit_modal({"Exam date (YYYY-MM-DD)": "2026-05-29", "Overall score": "690"})
    assert title_of(step.message).startswith("Step 3 of 9") and "Earliest retake" in step.embeds[0]["description"]
    paste = await step.click("Paste report")
    preview = await paste.submit_modal({"Domain results from your report": REPORT})
    saved = await preview.click("Save report")
    assert "Score report saved" in title_of(saved.message)
    step = await step.click("Saved: next step")
    results = step.embeds[0]["description"]
    assert "Where to focus first" in results and "4.0 Security Operations" in results
    step = await step.click("Next")
    form = await step.click("Set my time zone")
    step = await form.submit_modal({"Time zone": "Europe/Berlin"})
    form = await step.click("Remind me daily")
    step = await form.submit_modal({"At what time? (24-hour clock)": "19:30"})
    assert "19:30" in step.embeds[0]["description"]
    step = await step.click("Join the partner pool")
    step = await step.click("Both: the board and my cohort")
    assert title_of(step.message).startswith(f"{EXAM} plan")
    assert "comeback plan" in step.embeds[0]["description"]
    services = world.bot.services
    assert (await services.settings.show(world.guild.id, alice.id)).timezone == "Europe/Berlin"
    assert (await services.partners.status(world.guild.id, alice.id)).in_pool
    assert (await services.onboarding.state(world.guild.id, alice.id)).finished


async def test_onboarding_resumes_midway_after_a_restart(world):
    """A member who stops after the first step is welcomed back at the second one, even after a restart."""
    await set_up(world)
    alice = world.member("alice")
    step = await open_panel(world, alice)
    step = await step.select([EXAM], index=0)
    later = await step.click("Finish later")
    assert "Pick up where you left off" in later.content
    await world.restart()
    again = await open_panel(world, alice)
    description = again.embeds[0]["description"]
    assert title_of(again.message).startswith("Step 2 of 9 · The attempt")
    assert description.startswith("Welcome back")


async def test_skipping_every_step_ends_without_a_plan_and_offers_the_skipped_ones(world):
    """Skipping is always possible; the end says what is missing and offers to go back."""
    await set_up(world, features=("quiz",))
    step = await open_panel(world, world.member("alice"))
    for _ in range(6):
        step = await step.click("Skip") if "Skip" in step.buttons else await step.click("Next")
    assert "Back to: Your exam" in step.buttons and title_of(step.message) == "Almost there"
    step = await step.click("Back to: Your exam")
    assert title_of(step.message).startswith("Step 1 of 7")


async def test_panel_finds_a_study_partner_and_a_quiz_round(world):
    """The partner button asks for the exam first, then joins the pool; the quiz button points at the channel."""
    await set_up(world)
    bob = world.member("bob")
    panel = await first_message(world, world.guild.channel("welcome"), "Welcome to the comeback crew")
    first = await press(world, bob, panel, "Find a study partner")
    assert "first tell me yours" in first.content and first.buttons == [PANEL_PLAN]
    await bob.slash("exam set", code=EXAM)
    offer = await press(world, bob, panel, "Find a study partner")
    joined = await offer.click("Join the partner pool")
    assert f"You're in the study-partner pool for {EXAM}" in joined.content
    quiz = await press(world, bob, panel, "Join a quiz round")
    assert quiz.ephemeral and f"<#{world.guild.channel('quiz-rounds').id}>" in quiz.content


# --- cohorts ---------------------------------------------------------------------------------------


async def test_cohort_lists_only_members_who_opted_in(world):
    """Alice joins her cohort (role and thread included); Bob sees her; Caro, same exam but not opted in, is
    not listed."""
    await set_up(world)
    alice, bob, caro = world.member("alice"), world.member("bob"), world.member("caro")
    for person in (alice, bob, caro):
        await person.slash("exam set", code=EXAM)
    shown = await alice.slash("cohort")
    joined = await shown.click("Join this cohort")
    assert joined.ephemeral and f"listed in the {EXAM} cohort" in joined.content
    role = world.guild.role(f"{EXAM} cohort")
    assert alice.has_role(role)
    thread = next(t for t in world.guild.threads() if t.name == f"{EXAM} cohort")
    assert alice.id in thread.members
    listing = await bob.slash("cohort")
    description = listing.embeds[0]["description"]
    assert f"<@{alice.id}>" in description and f"<@{caro.id}>" not in description
    assert listing.buttons == ["Join this cohort"]


# --- resources -------------------------------------------------------------------------------------


async def add_resource(member, *, url="https://example.com/labs", title="Hands-on labs", kind="labs"):
    form = await member.slash("resources add", type=kind, exam=EXAM)
    return await form.submit_modal({"Title": title, "Link (http or https)": url,
                                    "Domains it covers": "4",
                                    "Why it helped you": "Doing it once beat reading about it five times."})


async def test_resources_added_voted_and_suggested(world):
    """Alice shares labs; Bob finds them and votes; the check-in nudge's suggestion names them."""
    alice, bob = world.member("alice"), world.member("bob")
    await bob.slash("exam set", code=EXAM)
    added = await add_resource(alice)
    assert added.ephemeral and "Added to the library as #" in added.content
    listing = await bob.slash("resources list")
    assert "Hands-on labs" in listing.embeds[0]["description"]
    voted = await listing.click("👍 1")
    assert voted.ephemeral and "1 helpful vote" in voted.content
    suggestion = await world.bot.services.resources.suggest_for_type(world.guild.id, EXAM, "labs")
    assert suggestion is not None and suggestion.title == "Hands-on labs"


@pytest.mark.parametrize("url, expected", [
    ("ftp://example.com/labs", "Only web links"),
    ("javascript:alert(1)", "Only web links"),
    ("https://www.example.com/labs/", "already in the library"),
])
async def test_bad_resources_are_refused_and_nothing_is_saved(world, url, expected):
    """A non-web link or a duplicate gets a clear private error, and the library keeps one entry."""
    alice, bob = world.member("alice"), world.member("bob")
    await add_resource(alice)
    refused = await add_resource(bob, url=url, title="Another one")
    assert refused.ephemeral and expected in refused.content
    listing = await bob.slash("resources list", exam=EXAM)
    assert listing.embeds[0]["description"].count("shared by") == 1


async def test_resource_additions_are_rate_limited(world):
    """The sixth addition in a day is refused with when the next one can go in."""
    alice = world.member("alice")
    for n in range(MAX_ADDITIONS_PER_DAY):
        await add_resource(alice, url=f"https://example.com/{n}", title=f"Set {n}")
    refused = await add_resource(alice, url="https://example.com/more", title="One more")
    assert refused.ephemeral and f"You've shared {MAX_ADDITIONS_PER_DAY} resources" in refused.content


async def test_only_moderators_remove_resources(world):
    """Another member can't remove Alice's resource; a moderator can."""
    alice, bob = world.member("alice"), world.member("bob")
    admin = world.member("admin", manage_guild=True)
    await add_resource(alice)
    refused = await bob.slash("resources remove", number=1)
    assert refused.ephemeral and "Only moderators" in refused.content
    removed = await admin.slash("resources remove", number=1, reason="duplicate of the course")
    assert "Removed #1" in removed.content


