"""Admin commands need Manage Server: hidden by default permissions where Discord allows it, refused at run time
everywhere (a server can grant a command to anyone in Server Settings > Integrations)."""

from __future__ import annotations

import pytest

from bot.db.repositories.privacy import GUILD_DATA
from bot.emulator.harness import Reply

from .commands import MANAGE_GUILD, walk
from .seed import LOCAL_EXAM, bank_file

#: What every refusal says, whichever feature refuses (Discord's UI calls manage_guild "Manage Server").
REFUSED = "the Manage Server permission"
#: Top-level commands whose every subcommand is for server admins.
ADMIN_GROUPS = ("admin", "board", "readiness-rule")


def admin_values(world, path: str) -> dict:
    general = world.guild.general
    return {
        "admin pairing": {"every_days": 3, "run_now": True},
        "board setup": {"channel": general},
        "board digest": {"hour": 5},
        "readiness-rule": {"required": 2},
        "bank import": {"file": world.emu.attachment("extras.yaml", bank_file())},
        "checkin channel": {"channel": general},
        "exam define": {"file": world.emu.attachment("hall.yaml", LOCAL_EXAM)},
    }.get(path, {})


#: Every admin command path; the last four sit in groups members use too, where Discord cannot hide them.
ADMIN_PATHS = ("admin setup", "admin settings", "admin pairing", "board setup", "board digest", "readiness-rule",
               "bank import", "question review", "checkin channel", "exam define")


async def server_rows(world) -> int:
    total = 0
    async with world.bot.db.read() as tx:
        for entry in GUILD_DATA:
            total += await tx.scalar(f"SELECT COUNT(*) FROM {entry.table} WHERE {entry.where}",
                                     {"guild_id": world.guild.id})
    return total


async def run_as(world, member, path: str, values: dict, *, shown_to) -> Reply:
    """``member`` runs ``/path``; the command is built as ``shown_to`` sees it (a member without the permission
    can only run a hidden command after an admin granted it to them, which the emulator cannot express)."""
    data = world.emu.command_data(path, values, guild=world.guild.record, user=shown_to)
    channel = world.emu.state.channels[world.guild.record.system_channel_id]
    interaction = world.emu.dispatch_interaction(2, data, user=member, channel=channel)
    return await Reply(world.emu, interaction, member).wait()


@pytest.mark.parametrize("name", ADMIN_GROUPS)
async def test_admin_groups_need_manage_server_by_default(world, name):
    """The registered command carries default_member_permissions with Manage Server."""
    registered = next(c for c in world.emu.state.global_commands if c["name"] == name)
    permissions = int(registered.get("default_member_permissions") or 0)
    assert permissions & MANAGE_GUILD == MANAGE_GUILD


async def test_every_admin_path_is_registered(world):
    """The list above names real commands (so the run-time tests below test something)."""
    paths = {c.path for c in walk(world.emu.state.global_commands)}
    assert set(ADMIN_PATHS) <= paths


@pytest.mark.parametrize("path", ADMIN_PATHS)
async def test_admin_commands_refuse_members_at_run_time(world, path):
    """A member without Manage Server is refused privately, in plain words, and nothing is written."""
    admin, member = world.admin(), world.member("bob")
    await member.slash("settings show")
    before = await server_rows(world)
    reply = await run_as(world, member, path, admin_values(world, path), shown_to=admin)
    assert reply.ephemeral
    assert REFUSED in reply.content
    assert await server_rows(world) == before


@pytest.mark.parametrize("path", ADMIN_PATHS)
async def test_admin_commands_work_for_admins(world, path):
    """The same call by a member with Manage Server is not refused (the check is not a blanket no)."""
    admin = world.admin()
    reply = await admin.slash(path, options=admin_values(world, path))
    text = reply.content if not reply.is_modal and reply.message is not None else ""
    assert REFUSED not in text
