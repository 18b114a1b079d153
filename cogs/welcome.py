"""Joining a server: the setup guide when Rebound is added, the persistent welcome panel, /welcome, and the
onboarding flow its first button starts (views in ``bot.ui.community_views``)."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.scheduling.dispatcher import nonce_for
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

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # discord.py calls this once every server in READY has arrived (or is known to be unavailable, which
        # still lists it), so a server missing here removed the bot while it was offline.
        present = [guild.id for guild in self.bot.guilds]
        changed = await self.service.reconcile_guilds(present)
        if changed.left or changed.returned:
            log.info("servers changed while offline: %d removed the bot, %d added it back",
                     len(changed.left), len(changed.returned))
        for guild_id in changed.returned:
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await self._greet(guild)

    async def _greet(self, guild: discord.Guild) -> None:
        if not await self.service.guild_joined(guild.id):
            return
        try:
            await self._post_guide(guild)
        except asyncio.CancelledError:
            self.service.guide_interrupted(guild.id)
            raise
        await self.service.guide_posted(guild.id)

    async def _post_guide(self, guild: discord.Guild) -> None:
        embed = guide_embed(guild.name)
        # Posted before it is recorded; if the bot stops in between, the next start posts it again with the
        # same nonce and Discord drops the copy.
        joined = guild.me.joined_at if guild.me is not None else None
        nonce = nonce_for(f"guide:{guild.id}:{joined.isoformat() if joined else ''}")
        channel = guild.system_channel
        if channel is not None:
            permissions = channel.permissions_for(guild.me)
            if permissions.send_messages and permissions.embed_links:
                try:
                    await channel.send(embed=embed, allowed_mentions=NO_PINGS, nonce=nonce)
                    return
                except discord.HTTPException as exc:
                    log.info("could not post the setup guide in guild %s: %s; trying the owner", guild.id, exc)
        if guild.owner_id is None:
            return
        try:
            owner = self.bot.get_user(guild.owner_id) or await self.bot.fetch_user(guild.owner_id)
            await owner.send(embed=embed, nonce=nonce)
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
