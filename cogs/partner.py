"""/partner join|leave|status|block and /admin pairing (Manage Server)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.partners import PoolStatus
from bot.ui.accountability_views import reply_with_notice


def render_status(status: PoolStatus) -> str:
    if not status.in_pool:
        return "You're not in the partner pool. Join with /partner join."
    lines = [f"You're in the partner pool for **{status.exam_code}**."]
    if status.inactive:
        lines.append("You sat out a whole round quietly, so you're paused; check in or /partner join to come back.")
    if status.partners:
        lines.append("This round's partner(s): " + ", ".join(f"<@{p}>" for p in status.partners))
    if status.thread_id:
        lines.append(f"Your thread: <#{status.thread_id}>")
    if status.next_round_at:
        lines.append(f"Next round: <t:{int(status.next_round_at.timestamp())}:R>")
    if status.preferred_hours:
        lines.append("Preferred hours: " + ", ".join(f"{h:02d}:00" for h in status.preferred_hours))
    return "\n".join(lines)


@app_commands.guild_only()
class Partner(commands.GroupCog, group_name="partner", group_description="Study partners who keep each other going"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.partners
        super().__init__()

    @app_commands.command(name="join", description="Join the study-partner pool")
    @app_commands.describe(hours="Local hours you like to study, e.g. 18-21 or 7,19")
    async def join(self, interaction: discord.Interaction, hours: str | None = None) -> None:
        status = await self.service.join(interaction.guild_id, interaction.user.id, hours=hours)
        await reply_with_notice(interaction, "Welcome to the pool. You'll be paired at the next round.\n"
                                + render_status(status))

    @app_commands.command(name="leave", description="Leave the study-partner pool")
    async def leave(self, interaction: discord.Interaction) -> None:
        await self.service.leave(interaction.guild_id, interaction.user.id)
        await reply_with_notice(interaction, "You've left the pool. You're welcome back any time.")

    @app_commands.command(name="status", description="Your pool membership and this round's partner")
    async def status(self, interaction: discord.Interaction) -> None:
        await reply_with_notice(interaction, render_status(await self.service.status(interaction.guild_id,
                                                                                     interaction.user.id)))

    @app_commands.command(name="block", description="Never be paired with this member (they aren't told)")
    async def block(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self.service.block(interaction.guild_id, interaction.user.id, member.id, blocked_is_bot=member.bot)
        await reply_with_notice(interaction, "Done. You won't be paired with them, and they won't be told.")


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Partner(bot))
