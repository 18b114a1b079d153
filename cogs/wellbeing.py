"""/breathe, /examday and /reframe: calm-down help before an exam, offered and never pushed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.accountability_views import reply_with_notice
from bot.ui.respond import NO_PINGS

CANNOT_DM = 50007


class Wellbeing(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.countdown

    @app_commands.command(name="breathe", description="Guided box breathing (in 4, hold 4, out 4, hold 4)")
    @app_commands.describe(cycles="How many rounds (1-10, default 4)")
    async def breathe(self, interaction: discord.Interaction, cycles: app_commands.Range[int, 1, 10] = 4) -> None:
        steps = self.service.breathing(cycles)
        try:
            # A DM, because an ephemeral reply can only be edited for 15 minutes and only through the
            # interaction's token; a DM message can be walked through the steps by the scheduler.
            dm = await interaction.user.create_dm()
            message = await dm.send(steps[0].text, allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            script = "\n".join(s.text for s in steps[: 4 + 1])
            await reply_with_notice(interaction, "Your DMs are closed, so here is one round to follow at your own "
                                                 f"pace; repeat it {cycles} times:\n{script}")
            return
        await self.service.schedule_breathing(interaction.user.id, dm.id, message.id, steps)
        self.bot.alarm.wake_soon()
        await reply_with_notice(interaction, "I've started box breathing in your DMs; the message will guide you. "
                                             "Breathe through your nose if you can.")

    @app_commands.command(name="examday", description="Your exam-day checklist and countdown")
    async def examday(self, interaction: discord.Interaction) -> None:
        lines = [self.service.checklist()]
        if interaction.guild_id is not None:
            view = await self.service.status(interaction.guild_id, interaction.user.id)
            if view.days_left is not None and view.days_left >= 0:
                plural = "s" if view.days_left != 1 else ""
                when = "today" if view.days_left == 0 else f"in {view.days_left} day{plural}"
                lines.insert(0, f"Your {view.exam_code} exam is {when}.")
        await reply_with_notice(interaction, "\n".join(lines))

    @app_commands.command(name="reframe", description="A two-minute exercise for anxious thoughts")
    async def reframe(self, interaction: discord.Interaction) -> None:
        await reply_with_notice(interaction, self.service.reframing())


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Wellbeing(bot))
