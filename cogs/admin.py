"""/admin: server settings for Rebound — guided setup, every setting on one page, and study-partner rounds.

One cog owns the whole ``/admin`` group (Discord allows one top-level command per name); each
subcommand is a thin call into the feature's own service.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.accountability_views import reply_with_notice
from bot.ui.community_views import SetupView
from bot.ui.items import can_manage
from bot.ui.respond import reply

NOT_A_MANAGER = "Setting Rebound up needs the Manage Server permission."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="admin", group_description="Server settings for Rebound"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        super().__init__()

    async def _open(self, interaction: discord.Interaction, page: str) -> None:
        # Default permissions hide the command, but server admins can override them per channel or role.
        if not can_manage(interaction) or interaction.guild is None:
            await reply(interaction, NOT_A_MANAGER)
            return
        settings = await self.bot.services.guild_settings.settings_for(interaction.guild.id)
        view = SetupView(interaction.user.id, interaction.guild, settings, page)
        await reply(interaction, embed=view.embed(), view=view)

    @app_commands.command(name="setup", description="Guided setup: channels, time zone, rules, features, welcome panel")
    async def setup_command(self, interaction: discord.Interaction) -> None:
        await self._open(interaction, "channels")

    @app_commands.command(name="settings", description="All of Rebound's server settings on one page")
    async def settings_command(self, interaction: discord.Interaction) -> None:
        await self._open(interaction, "overview")

    @app_commands.command(name="pairing", description="Configure study-partner rounds, or run one now")
    @app_commands.describe(every_days="Days between rounds (default 7)", channel="Where partner threads open",
                           quiet_days="Quiet days before a partner is told (default 2)", run_now="Pair the pool now")
    async def pairing(self, interaction: discord.Interaction, every_days: app_commands.Range[int, 1, 60] | None = None,
                      channel: discord.TextChannel | None = None,
                      quiet_days: app_commands.Range[int, 1, 14] | None = None, run_now: bool = False) -> None:
        if not can_manage(interaction):
            await reply(interaction, NOT_A_MANAGER)
            return
        service = self.bot.services.partners
        settings = await service.configure(interaction.guild_id, every_days=every_days,
                                           channel_id=channel.id if channel else None, quiet_days=quiet_days)
        where = f"<#{settings.pairing_channel_id}>" if settings.pairing_channel_id else "members' DMs (no channel set)"
        lines = [f"Pairing every {settings.pairing_every_days} days; introductions in {where}; partners told after "
                 f"{settings.quiet_days} quiet days."]
        if run_now:
            summary = await service.run_round(interaction.guild_id)
            lines.append(f"Round {summary.number}: {len(summary.groups)} groups, {len(summary.unmatched)} waiting, "
                         f"{len(summary.away)} away, {len(summary.made_inactive)} paused for silence.")
            self.bot.alarm.wake_soon()
        await reply_with_notice(interaction, "\n".join(lines))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Admin(bot))
