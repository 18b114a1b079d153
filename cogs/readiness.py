"""/readiness: are the last full mocks strong enough to book the retake? And each server's readiness rule."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.services.readiness import ReadinessView
from bot.ui.respond import reply

RULE_SET = ("Readiness rule for this server: the last **{required}** full mocks in a row, each at least "
            "**{buffer:g} points** above the pass mark.")


def readiness_embed(view: ReadinessView) -> discord.Embed:
    title = f"Readiness for {view.exam_code}: " + ("ready to book" if view.ready else "not yet")
    lines = [view.missing_text]
    lines.append(f"The bar: {view.pass_percent:g}% correct is the pass mark for mock scores, plus "
                 f"{view.buffer:g} points of margin = **{view.threshold:g}%**, {view.required} full mocks in a row.")
    if view.trend:
        lines.append("Trend of your full mocks (oldest first): " + " → ".join(f"{p:g}%" for p in view.trend))
    else:
        lines.append("No full mock yet. Start one with /mock start when you have the time to sit it.")
    if view.half_mocks:
        lines.append(f"Half-length mocks ({view.half_mocks}) are good practice but don't count here.")
    if view.eligible_date is not None:
        opened = " (already open)" if view.retake_open else ""
        lines.append(f"Earliest retake the vendor allows: {view.eligible_date.isoformat()}{opened}.")
    if view.booked_date is not None:
        lines.append(f"Booked: {view.booked_date.isoformat()}.")
    if view.ready and view.can_book_from is not None:
        lines.append(f"**You can book from {view.can_book_from.isoformat()}.**")
    if view.warning:
        lines.append(f"⚠ {view.warning}")
    colour = discord.Colour.green() if view.ready else discord.Colour.orange()
    return discord.Embed(title=title, description="\n".join(lines), colour=colour)


class Readiness(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.readiness

    @app_commands.command(name="readiness", description="See whether your recent full mocks say you're ready to book")
    @app_commands.guild_only()
    async def readiness(self, interaction: discord.Interaction) -> None:
        view = await self.service.status(interaction.guild_id, interaction.user.id)
        await reply(interaction, embed=readiness_embed(view))

    @app_commands.command(name="readiness-rule", description="Set how many strong full mocks this server asks for")
    @app_commands.describe(required="Full mocks in a row (2 or 3)", buffer="Points above the pass mark (10 to 15)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def readiness_rule(self, interaction: discord.Interaction,
                             required: app_commands.Range[int, 2, 3] | None = None,
                             buffer: app_commands.Range[float, 10, 15] | None = None) -> None:
        can_manage = bool(interaction.permissions.manage_guild)
        rule = await self.service.configure(interaction.guild_id, interaction.user.id, can_manage=can_manage,
                                            required=required, buffer=buffer)
        await reply(interaction, RULE_SET.format(required=rule.required, buffer=rule.buffer))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Readiness(bot))
