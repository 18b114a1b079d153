"""No ping, ever: every command is run with mention-bearing text in every text field, its buttons are pressed,
a week of deliveries runs, and not one message the bot sent notifies a user, a role, @everyone or @here."""

from __future__ import annotations

import json
import logging

from bot.emulator.harness import HarnessError, NoReply, Reply

from . import figures
from .commands import (
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_USER,
    channel_allowed,
    fit,
    in_range,
    modal_inputs,
    modal_text,
    walk,
)
from .seed import EXAM, LOCAL_EXAM, bank_file

log = logging.getLogger(__name__)


def mention_text(victim, role) -> str:
    return f"@everyone @here <@{victim.id}> <@!{victim.id}> <@&{role.id}> **hi**"


def attachment_for(world, path: str, text: str):
    """A file for the command that carries the mentions where its content will be echoed."""
    if path.startswith("bank"):
        document = json.loads(bank_file())
        for question in document["questions"]:
            question["explanation"] = f"{text} {question['explanation']}"[:600]
        document["bank"]["title"] = text[:200]
        return world.emu.attachment("mentions.yaml", json.dumps(document).encode())
    if path.startswith("exam"):
        data = LOCAL_EXAM.replace(b"Study Hall Networking Basics", json.dumps(text).encode())
        return world.emu.attachment("mentions.yaml", data)
    return world.emu.attachment("mentions.txt", text.encode())


def value_for(world, path: str, option: dict, text: str, victim, role):
    kind = option["type"]
    if option.get("choices"):
        return option["choices"][0]["value"]
    if kind == OPTION_STRING:
        return fit(text, option)
    if kind == OPTION_INTEGER:
        return int(in_range(1, option))
    if kind == OPTION_NUMBER:
        return float(in_range(12.0, option))
    if kind == OPTION_BOOLEAN:
        return True
    if kind == OPTION_USER:
        return victim
    if kind in (OPTION_ROLE, OPTION_MENTIONABLE):
        return role
    if kind == OPTION_CHANNEL:
        general = world.guild.general
        return general if channel_allowed(option, general) else None
    if kind == OPTION_ATTACHMENT:
        return attachment_for(world, path, text)
    return None


async def press_everything(world, reply: Reply, text: str, seen: set[str]) -> int:
    """Press each button of a reply once (and fill any modal that opens with the mentions)."""
    pressed = 0
    message = reply.message if not reply.is_modal else None
    if message is None:
        return 0
    for item in message.component_items():
        custom_id = item.get("custom_id")
        if item.get("type") != 2 or item.get("disabled") or not custom_id or custom_id in seen:
            continue
        seen.add(custom_id)
        try:
            after = await reply.click(custom_id=custom_id)
            if after.is_modal:
                await fill(after, text)
            pressed += 1
        except (HarnessError, NoReply) as exc:
            log.info("button %s: %s", custom_id, exc)
    return pressed


async def fill(reply: Reply, text: str) -> Reply:
    values = {item["custom_id"]: modal_text(item, text) for item in modal_inputs(reply)}
    return await reply.submit_modal(values)


async def test_no_message_ever_pings_whatever_members_type(world):
    """Mentions typed into every command, modal and button flow never notify anyone."""
    alice, admin, victim = world.member("alice"), world.admin(), world.member("victim")
    role = world.guild.add_role("Moderators")
    text = mention_text(victim, role)
    await alice.slash("exam set", code=EXAM)
    await alice.slash("checkin goal", share=True)
    await admin.slash("checkin channel", channel=world.guild.general)
    await alice.slash("partner join")
    await victim.slash("exam set", code=EXAM)
    await victim.slash("partner join")
    ran = pressed = 0
    seen: set[str] = set()
    commands = walk(world.emu.state.global_commands)
    for command in commands:
        member = admin if command.admin_only else alice
        values = {o["name"]: value_for(world, command.path, o, text, victim, role) for o in command.options}
        values = {k: v for k, v in values.items() if v is not None}
        try:
            reply = await member.slash(command.path, options=values)
        except (HarnessError, NoReply) as exc:
            log.info("%s: %s", command, exc)
            continue
        ran += 1
        if reply.is_modal:
            reply = await fill(reply, text)
        pressed += await press_everything(world, reply, text, seen)
    await world.advance(days=8)
    messages = [m for m in world.emu.state.messages.values() if m.author.id == world.emu.application.bot_user_id]
    pinged = [(m.content[:80], m.pinged_users, m.pinged_roles, m.pinged_everyone) for m in messages
              if m.pinged_users or m.pinged_roles or m.pinged_everyone]
    echoed = [m for m in messages if "@everyone" in m.content or f"<@&{role.id}>" in m.content
              or f"<@{victim.id}>" in m.content]
    figures.inputs("mention-bearing text, every command", tried=ran + pressed, rejected=0, crashes=len(pinged),
                   note=f"{len(messages)} bot messages checked, {len(echoed)} echoed a mention; a 'crash' is a ping")
    assert ran >= len(commands) - 3
    assert echoed, "no command echoed the mention text, so the test proved nothing"
    assert pinged == []
    assert world.log.unexpected() == []
