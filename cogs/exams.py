"""/exam: the exam a member prepares for, their attempts, the retake date, the booking, server exams."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.ui.exam_views import (
    after_attempt_view,
    attempt_embed,
    booking_text,
    exam_code_choices,
    info_embed,
    source_text,
)
from bot.ui.respond import reply


def _can_manage(interaction: discord.Interaction) -> bool:
    permissions = interaction.permissions
    return bool(permissions and (permissions.manage_guild or permissions.administrator))


@app_commands.guild_only()
class ExamCog(commands.GroupCog, group_name="exam", group_description="Your exam, attempts and retake date"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.exams
        super().__init__()

    @app_commands.command(name="set", description="Choose the exam you are preparing for")
    @app_commands.describe(code="The exam code, e.g. SY0-701 (start typing to search)")
    @app_commands.autocomplete(code=exam_code_choices)
    async def set_exam(self, interaction: discord.Interaction, code: str) -> None:
        result = await self.service.set_exam(interaction.guild_id, interaction.user.id, code)
        exam = result.exam
        lines = [f"You are preparing for **{exam.code} · {exam.name}**. Everything from now on aims at it."]
        if result.note:
            lines.append(result.note)
        if result.other_codes:
            lines.append(f"Your other exams stay saved: {', '.join(result.other_codes)}.")
        lines.append(source_text(exam.source, "Exam facts"))
        lines.append("If you have sat it already, record the attempt with /exam attempt.")
        await reply(interaction, "\n".join(lines))

    @app_commands.command(name="attempt", description="Record an attempt of your exam")
    @app_commands.describe(date="The exam date, YYYY-MM-DD", result="pass or fail",
                           score="Your overall score as printed on the report (optional)")
    async def attempt(self, interaction: discord.Interaction, date: str, result: Literal["pass", "fail"],
                      score: float | None = None) -> None:
        recorded = await self.service.record_attempt(
            interaction.guild_id, interaction.user.id, date, passed=result == "pass", score=score
        )
        view = None if recorded.passed else after_attempt_view()
        await reply(interaction, embed=attempt_embed(recorded), view=view)

    @app_commands.command(name="info", description="Blueprint, passing score, duration and retake policy")
    @app_commands.describe(code="An exam code (your own exam when left out)")
    @app_commands.autocomplete(code=exam_code_choices)
    async def info(self, interaction: discord.Interaction, code: str | None = None) -> None:
        info = await self.service.info(interaction.guild_id, interaction.user.id, code)
        await reply(interaction, embed=info_embed(info))

    @app_commands.command(name="book", description="Save the date of your booked retake")
    @app_commands.describe(date="The booked exam date, YYYY-MM-DD")
    async def book(self, interaction: discord.Interaction, date: str) -> None:
        made = await self.service.book(interaction.guild_id, interaction.user.id, date)
        await reply(interaction, booking_text(made))

    @app_commands.command(name="define", description="Add an exam for this server from a YAML file (Manage Server)")
    @app_commands.describe(file="A .yaml file in the exam catalogue format")
    async def define(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        # Checked before downloading anything; the service checks again.
        if not _can_manage(interaction):
            await reply(interaction, "Defining a server exam needs the Manage Server permission.")
            return
        data = await file.read()
        result = await self.service.define_local_exam(
            interaction.guild_id, interaction.user.id, can_manage=True, filename=file.filename, data=data
        )
        lines = []
        for exam in result.exams:
            verb = "Updated" if exam.code in result.replaced else "Added"
            lines.append(f"{verb} **{exam.code} · {exam.name}** ({len(exam.domains)} domains, "
                         f"{exam.source.as_of_text()}).")
        lines.append("Members of this server can now choose it with /exam set.")
        await reply(interaction, "\n".join(lines))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(ExamCog(bot))
