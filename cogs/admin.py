"""/admin setup and /admin settings: how a server admin sets Rebound up, without any config file.

``/admin`` is one top-level group shared with other features (``/admin pairing`` lives with study partners).
Discord allows one command per name, so this module adds its subcommands to whichever ``admin`` group is
registered: the existing one, or its own, into which a group registered later is merged.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.community_views import SetupView, can_manage
from bot.ui.respond import reply

GROUP_NAME = "admin"
NOT_A_MANAGER = "Setting Rebound up needs the Manage Server permission."


async def _open(interaction: discord.Interaction, page: str) -> None:
    # Default permissions hide the command, but server admins can override them per channel or role.
    if not can_manage(interaction) or interaction.guild is None:
        await reply(interaction, NOT_A_MANAGER)
        return
    service = interaction.client.services.guild_settings  # type: ignore[attr-defined]
    settings = await service.settings_for(interaction.guild.id)
    view = SetupView(interaction.user.id, interaction.guild, settings, page)
    await reply(interaction, embed=view.embed(), view=view)


@app_commands.command(name="setup", description="Guided setup: channels, time zone, rules, features, welcome panel")
@app_commands.guild_only()
async def admin_setup(interaction: discord.Interaction) -> None:
    await _open(interaction, "channels")


@app_commands.command(name="settings", description="All of Rebound's server settings on one page")
@app_commands.guild_only()
async def admin_settings(interaction: discord.Interaction) -> None:
    await _open(interaction, "overview")


COMMANDS = (admin_setup, admin_settings)


def _new_group() -> app_commands.Group:
    return app_commands.Group(name=GROUP_NAME, description="Server settings for Rebound", guild_only=True,
                              default_permissions=discord.Permissions(manage_guild=True))


def _merge_later_groups(tree: app_commands.CommandTree, group: app_commands.Group) -> None:
    """A global ``admin`` group added after ours gives its subcommands to ours instead of clashing."""
    original = tree.add_command

    def add_command(command: Any, /, **kwargs: Any) -> None:
        scoped = kwargs.get("guild") or kwargs.get("guilds")
        if isinstance(command, app_commands.Group) and command.name == GROUP_NAME and not scoped:
            for child in command.commands:
                group.add_command(child, override=bool(kwargs.get("override")))
            return None
        return original(command, **kwargs)

    tree.add_command = add_command  # type: ignore[method-assign]


class AdminSetup(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        existing = self.bot.tree.get_command(GROUP_NAME)
        if isinstance(existing, app_commands.Group):
            group = existing
        else:
            group = _new_group()
            self.bot.tree.add_command(group)
            _merge_later_groups(self.bot.tree, group)
        for command in COMMANDS:
            group.add_command(command, override=True)

    async def cog_unload(self) -> None:
        existing = self.bot.tree.get_command(GROUP_NAME)
        if isinstance(existing, app_commands.Group):
            for command in COMMANDS:
                existing.remove_command(command.name)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(AdminSetup(bot))
