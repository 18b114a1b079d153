"""Joining a server: the setup guide when Rebound is added, the persistent welcome panel, /welcome, and the
onboarding flow its first button starts (views in ``bot.ui.community_views``)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.community_views import (
    ONBOARDING_ITEMS,
    guide_embed,
    welcome_panel_embed,
    welcome_panel_view,
)
from bot.ui.respond import NO_PINGS, reply

log = logging.getLogger(__name__)


class Welcome(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.guild_settings

    async def cog_load(self) -> None:
        # The panel's and the flow's buttons carry what they do in their custom_id and read the member's
        # progress from the database, so a panel posted months ago still works after any restart.
        self.bot.add_dynamic_items(*ONBOARDING_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ONBOARDING_ITEMS)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._greet(guild)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        # A server that added the bot while it was offline arrives as "available", not "joined".
        await self._greet(guild)

    async def _greet(self, guild: discord.Guild) -> None:
        if not await self.service.guild_joined(guild.id):
            return
        embed = guide_embed(guild.name)
        channel = guild.system_channel
        if channel is not None:
            permissions = channel.permissions_for(guild.me)
            if permissions.send_messages and permissions.embed_links:
                try:
                    await channel.send(embed=embed, allowed_mentions=NO_PINGS)
                    return
                except discord.HTTPException as exc:
                    log.info("could not post the setup guide in guild %s: %s; trying the owner", guild.id, exc)
        if guild.owner_id is None:
            return
        try:
            owner = self.bot.get_user(guild.owner_id) or await self.bot.fetch_user(guild.owner_id)
            await owner.send(embed=embed)
        except discord.HTTPException as exc:
            # Closed DMs (50007) are common; the guide is a courtesy and /admin setup works without it.
            log.warning("could not send the setup guide for guild %s to its owner: %s", guild.id, exc)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Only with the optional Server Members intent: a new member gets the way to the panel by DM."""
        if member.bot:
            return
        settings = await self.service.settings_for(member.guild.id)
        if not settings.enabled("welcome_dm") or not settings.welcome_channel_id or not settings.welcome_message_id:
            return
        # Panel buttons need the server (whose plan, whose partners), so the DM links to the panel itself.
        url = (f"https://discord.com/channels/{member.guild.id}/{settings.welcome_channel_id}/"
               f"{settings.welcome_message_id}")
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Open the welcome panel", url=url))
        try:
            await member.send(embed=welcome_panel_embed(), view=view)
        except discord.HTTPException as exc:
            log.info("could not welcome member %s of guild %s by DM: %s", member.id, member.guild.id, exc)

    @app_commands.command(name="welcome", description="The welcome panel: build your comeback plan, find a partner")
    @app_commands.guild_only()
    async def welcome(self, interaction: discord.Interaction) -> None:
        await reply(interaction, embed=welcome_panel_embed(), view=welcome_panel_view())


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Welcome(bot))
