"""Discord's rules, answered with Discord's error codes."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.emulator import permissions as perms


def _button(custom_id: str, label: str = "Go") -> dict:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def _row(*items: dict) -> dict:
    return {"type": 1, "components": list(items)}


def _options(count: int) -> list[dict]:
    return [{"label": f"o{i}", "value": f"v{i}"} for i in range(count)]


BAD_MESSAGES = {
    "content over 2000": {"content": "x" * 2001},
    "11 embeds": {"embeds": [{"title": "t"}] * 11},
    "embed title 257": {"embeds": [{"title": "t" * 257}]},
    "embed description 4097": {"embeds": [{"description": "d" * 4097}]},
    "26 fields": {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
    "field name 257": {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
    "field value 1025": {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
    "footer 2049": {"embeds": [{"footer": {"text": "f" * 2049}}]},
    "author 257": {"embeds": [{"author": {"name": "a" * 257}}]},
    "embeds total over 6000": {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
    "6 rows": {"components": [_row(_button(f"r{i}")) for i in range(6)]},
    "6 buttons in a row": {"components": [_row(*[_button(f"b{i}") for i in range(6)])]},
    "label 81": {"components": [_row(_button("a", "l" * 81))]},
    "custom_id 101": {"components": [_row(_button("c" * 101))]},
    "duplicate custom_id": {"components": [_row(_button("same"), _button("same"))]},
    "select with 26 options": {"components": [_row({"type": 3, "custom_id": "s", "options": _options(26)})]},
    "select beside a button": {
        "components": [_row({"type": 3, "custom_id": "s", "options": _options(2)}, _button("b"))]
    },
}


@pytest.mark.parametrize("payload", list(BAD_MESSAGES.values()), ids=list(BAD_MESSAGES))
async def test_message_limits_answer_50035(running, payload):
    """A channel message breaking a content, embed or component limit is rejected with 50035."""
    emu, bot, guild = running
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.general.id)
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(route, json=payload)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert guild.general.messages == []


@pytest.mark.parametrize("payload", list(BAD_MESSAGES.values()), ids=list(BAD_MESSAGES))
async def test_interaction_reply_limits_answer_50035(running, payload):
    """The same limits apply to an interaction's message reply."""
    emu, bot, guild = running
    bot.raw_callback = {"type": 4, "data": payload}
    reply = await guild.add_member("alice").slash("raw")
    assert reply.content == "rejected"
    assert bot.errors[0].code == 50035


def _text_input(custom_id: str) -> dict:
    return {"type": 4, "custom_id": custom_id, "label": "L", "style": 1}


async def test_modal_with_six_rows_answers_50035(running):
    """A modal may hold at most five rows."""
    emu, bot, guild = running
    rows = [_row(_text_input(f"t{i}")) for i in range(6)]
    bot.raw_callback = {"type": 9, "data": {"custom_id": "m", "title": "Too long", "components": rows}}
    reply = await guild.add_member("alice").slash("raw")
    assert reply.content == "rejected"
    assert bot.errors[0].code == 50035


async def test_empty_message_answers_50006(running):
    """A message with nothing in it is 50006."""
    emu, bot, guild = running
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=guild.general.id)
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(route, json={"content": ""})
    assert caught.value.code == 50006


async def test_late_initial_response_is_unknown_interaction(running):
    """Answering after the 3 s deadline gets 404 10062 Unknown interaction."""
    emu, bot, guild = running
    reply = await guild.add_member("alice").slash("late", wait=False)
    await emu.wait_for(lambda: bot.errors)
    assert isinstance(bot.errors[0], discord.NotFound)
    assert bot.errors[0].code == 10062
    assert not reply.interaction.acknowledged


async def test_followup_after_15_minutes_is_invalid_token(running):
    """A follow-up sent after the 15-minute token lifetime gets 401 50027."""
    emu, bot, guild = running
    reply = await guild.add_member("alice").slash("wait", wait=False)
    await emu.wait_for(lambda: reply.interaction.acknowledged)
    emu.advance_time(15 * 60 + 1)
    bot.gate.set()
    await emu.wait_for(lambda: bot.errors)
    assert (bot.errors[0].status, bot.errors[0].code) == (401, 50027)


async def test_followup_within_15_minutes_is_delivered(running):
    """A follow-up just inside the token lifetime is delivered."""
    emu, bot, guild = running
    pending = await guild.add_member("alice").slash("wait", wait=False)
    await emu.wait_for(lambda: pending.interaction.acknowledged)
    emu.advance_time(14 * 60)
    bot.gate.set()
    reply = await pending.wait()
    assert reply.content == "after the wait"


async def test_double_acknowledgement_answers_40060(running):
    """Acknowledging an interaction twice gets 400 40060."""
    emu, bot, guild = running
    reply = await guild.add_member("alice").slash("twice")
    assert reply.content == "first"
    await emu.wait_for(lambda: bot.errors)
    assert (bot.errors[0].status, bot.errors[0].code) == (400, 40060)


@pytest.mark.parametrize(
    ("denied", "code"), [(perms.SEND_MESSAGES, 50013), (perms.VIEW_CHANNEL, 50001)], ids=["send", "view"]
)
async def test_missing_permission_answers_discord_code(running, denied, code):
    """Sending where the bot may not send is 403 50013; where it cannot even see, 403 50001."""
    emu, bot, guild = running
    board = guild.add_channel("board")
    board.set_permissions(guild.bot_role, deny=denied)
    await emu.wait_for(lambda: bot.get_channel(board.id) is not None)
    reply = await guild.add_member("alice").slash("announce", channel=board, text="hello")
    assert reply.content == f"failed: {code}"
    assert board.messages == []


async def test_permission_overwrite_for_member_allows(running):
    """A member overwrite can re-allow what a role overwrite denied (Discord's overwrite order)."""
    emu, bot, guild = running
    board = guild.add_channel("board")
    board.set_permissions(guild, deny=perms.SEND_MESSAGES)
    bot_member = guild.member("Rebound")
    board.set_permissions(bot_member, allow=perms.SEND_MESSAGES)
    await emu.wait_for(lambda: bot.get_channel(board.id) is not None)
    reply = await guild.add_member("alice").slash("announce", channel=board, text="hello")
    assert reply.content == "posted"
    assert [m.content for m in board.messages] == ["hello"]


async def test_unknown_message_answers_10008(running):
    """Fetching a message that does not exist gets 404 10008."""
    emu, bot, guild = running
    with pytest.raises(discord.NotFound) as caught:
        await bot.http.get_message(guild.general.id, 1234)
    assert caught.value.code == 10008


async def test_unknown_channel_answers_10003(running):
    """Fetching a channel that does not exist gets 404 10003."""
    emu, bot, guild = running
    with pytest.raises(discord.NotFound) as caught:
        await bot.fetch_channel(1234)
    assert caught.value.code == 10003


def _command(**overrides) -> dict:
    return {"name": "ok", "description": "fine", "type": 1, **overrides}


def _option(name: str, required: bool = False, **extra) -> dict:
    return {"type": 3, "name": name, "description": "d", "required": required, **extra}


BAD_COMMANDS = {
    "upper-case name": [_command(name="Checkin")],
    "space in name": [_command(name="check in")],
    "name over 32": [_command(name="c" * 33)],
    "empty description": [_command(description="")],
    "description over 100": [_command(description="d" * 101)],
    "26 options": [_command(options=[_option(f"o{i}") for i in range(26)])],
    "required after optional": [_command(options=[_option("a"), _option("b", required=True)])],
    "26 choices": [_command(options=[_option("a", choices=[{"name": f"c{i}", "value": f"{i}"} for i in range(26)])])],
    "duplicate names": [_command(), _command()],
    "101 global commands": [_command(name=f"c{i}") for i in range(101)],
}


@pytest.mark.parametrize("commands", list(BAD_COMMANDS.values()), ids=list(BAD_COMMANDS))
async def test_invalid_command_registration_answers_50035(running, commands):
    """Registering commands that break Discord's naming or option rules is rejected with 50035."""
    emu, bot, guild = running
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.bulk_upsert_global_commands(emu.application.id, commands)
    assert caught.value.code == 50035
    assert "ping" in [c["name"] for c in emu.state.global_commands]


async def test_valid_unicode_command_names_are_accepted(running):
    """Names with non-Latin letters, digits, - _ and ' are valid."""
    emu, bot, guild = running
    names = ["prüfung", "試験", "re-take_2", "परीक्षा", "o'clock"]
    stored = await bot.http.bulk_upsert_global_commands(emu.application.id, [_command(name=n) for n in names])
    assert [c["name"] for c in stored] == names
