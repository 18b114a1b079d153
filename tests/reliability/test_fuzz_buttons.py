"""Stale and foreign buttons: after members have used most features (and moved past what the buttons were
for), the bot restarts and every button and select of every message it ever sent is pressed: by the member it
was for, and, on public messages, by a stranger. Each press is answered without an unhandled exception, a
refusal is private and in plain words, and the database stays sound."""

from __future__ import annotations

import logging

import bot.ui.errors as ui_errors
from bot.emulator import RateLimits
from bot.emulator.harness import NoReply, Reply
from bot.ui.deadline import FORM_EXPIRED, PAGE_EXPIRED

from . import figures, invariants
from .commands import looks_like_a_crash
from .seed import EXAM, SY0_PASTE

CLICK_TIMEOUT = 3.0


async def use_everything(world):
    """A morning of members using Rebound, leaving buttons behind at every step."""
    alice, bob, admin = world.member("alice"), world.member("bob"), world.admin()
    for member in (alice, bob):
        await member.slash("exam set", code=EXAM)
    first = await alice.slash("practice", count=3)
    if first.buttons and first.buttons[0] in "ABCDEF":
        await first.click(first.buttons[0])
    await alice.slash("practice", count=2)  # replaces the first session: its buttons are stale now
    await alice.slash("mock start", length="half")
    await alice.slash("mock abandon")
    lobby = await alice.slash("quiz start", exam=EXAM, questions=1, seconds=30)
    await lobby.click("Join", by=bob)
    await world.advance(seconds=61)
    form = await alice.slash("report paste")
    field = form.modal["components"][0]
    field = field.get("component") or field["components"][0]
    preview = await form.submit_modal({field["custom_id"]: SY0_PASTE})
    await preview.click("Save report")
    await alice.slash("exam attempt", date="2026-05-20", result="fail")
    await alice.slash("welcome")
    await admin.slash("admin setup")
    await admin.slash("board setup", channel=world.guild.general)
    await world.bot.services.banks.propose(world.guild.id, bob.id, exam_code=EXAM, domain="2",
                                           stem="Which port does SSH use?", options_text="22\n23\n25",
                                           answer_text="A", explanation="SSH listens on TCP 22.")
    await admin.slash("question review")
    await world.bot.services.resources.add(world.guild.id, bob.id, title="Port list", url="https://example.org/p",
                                           resource_type="book", why="Helped with ports", exam_code=EXAM)
    await alice.slash("resources list")
    await alice.slash("cohort")
    for member in (alice, bob):
        await member.slash("partner join")
    await admin.slash("admin pairing", run_now=True)
    await alice.slash("remind session", when="2026-06-01 18:30")
    await world.advance(days=4)


def owner_of(world, message):
    """Who can see the message: the member an interaction answer was for, a DM's recipient, else nobody."""
    state = world.emu.state
    if message.interaction_id is not None and message.interaction_id in state.interactions:
        return state.users[state.interactions[message.interaction_id].user_id]
    channel = state.channels[message.channel_id]
    if channel.recipient_id is not None:
        return state.users[channel.recipient_id]
    return None


def component_data(item):
    data = {"custom_id": item["custom_id"], "component_type": item["type"]}
    if item["type"] == 3:
        options = item.get("options") or []
        data["values"] = [o["value"] for o in options[: max(1, int(item.get("min_values", 1)))]]
    elif item["type"] != 2:
        return None  # user, role and channel selects need a pick of real ids; none is left behind stale
    return data


async def test_stale_and_foreign_buttons_are_answered_cleanly(world, monkeypatch):
    """Every button and select, pressed after a restart by its member and by a stranger: no crash."""
    world.emu.set_rate_limits(RateLimits.disabled())
    await use_everything(world)
    await world.restart()
    rendered: list[tuple[str, bool]] = []
    original = ui_errors.message_for

    def recording(error):
        result = original(error)
        rendered.append(result)
        return result

    monkeypatch.setattr(ui_errors, "message_for", recording)
    mallory = world.member("mallory")
    tried = refused = 0
    unanswered: list[str] = []
    crashes: list[str] = []
    messages = [m for m in list(world.emu.state.messages.values())
                if m.author.id == world.emu.application.bot_user_id and m.component_items()]
    for message in messages:
        channel = world.emu.state.channels[message.channel_id]
        owner = owner_of(world, message)
        pressers = []
        if owner is not None:
            pressers.append(world.guild.member(owner.username) if channel.guild_id else world.emu.user(owner.username))
        if channel.guild_id is not None and not message.ephemeral:
            pressers.append(mallory)
        for item in message.component_items():
            data = component_data(item) if item.get("custom_id") else None
            if data is None or item.get("disabled"):
                continue
            for member in pressers:
                current = {c.get("custom_id") for c in message.component_items()}
                if item["custom_id"] not in current:
                    break  # an earlier press edited the message; Discord no longer shows this one
                rendered.clear()
                marker = len(world.log.records)
                tried += 1
                interaction = world.emu.dispatch_interaction(3, dict(data), user=member, channel=channel,
                                                             message=message)
                reply = Reply(world.emu, interaction, member)
                label = f"{member.name} pressed {item.get('label') or item['custom_id']!r} ({item['custom_id']})"
                try:
                    await reply.wait(CLICK_TIMEOUT)
                except NoReply:
                    if not interaction.acknowledged:
                        unanswered.append(label)
                    continue
                errors = [r.getMessage()[:160] for r in world.log.records[marker:] if r.levelno >= logging.ERROR]
                errors += [text[:80] for text, expected in rendered if not expected]
                shown = reply.message
                if shown is not None and looks_like_a_crash(shown.content):
                    errors.append(f"internals shown: {shown.content[:80]!r}")
                if any(expected for _, expected in rendered) or (
                        shown is not None and shown.content in (PAGE_EXPIRED, FORM_EXPIRED) and shown.ephemeral):
                    refused += 1
                    if shown is not None and not shown.ephemeral and interaction.response_type != 7:
                        errors.append("a refusal shown to everyone")
                if errors:
                    crashes.append(f"{label}: {errors}")
    found = await invariants.problems(world.bot.db, world.clock)
    figures.inputs("stale or foreign buttons (after a restart)", tried=tried, rejected=refused,
                   crashes=len(crashes) + len(found),
                   note=(f"{len(unanswered)} got no answer at all: "
                         + "; ".join(sorted({u.split(" pressed ")[1] for u in unanswered}))) if unanswered
                   else "every press answered (pages that expired with the restart say so)")
    world.errors_expected = True  # asserted below, with the press that caused each
    assert crashes == []
    assert unanswered == []
    assert found == []
    assert tried > 20
