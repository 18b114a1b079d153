"""/mock start | resume | abandon: timed simulations in the member's DMs, and the deliveries that keep time."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.errors import NotFound
from bot.scheduling.dispatcher import Outcome, nonce_for
from bot.services.mocks import KIND_COUNTDOWN, KIND_READY, KIND_TIMEOUT, MockQuestionView, MockResultView
from bot.ui.mock_views import (
    DYNAMIC_ITEMS,
    chart_file,
    question_embed,
    question_view,
    result_embed,
    result_view,
)
from bot.ui.respond import NO_PINGS, reply

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # Discord: "Cannot send messages to this user" (DMs closed or no shared server)

STARTED_IN_DMS = ("Your {length} mock has started: check your DMs. {count} questions, {minutes} minutes, "
                  "{mode} mode. The clock runs even if you close Discord; /mock resume brings it back.")
STARTED_HERE = ("I couldn't send you a DM (your DMs from server members are closed), so your mock runs here "
                "instead. Only you can see it. {count} questions, {minutes} minutes, {mode} mode.")
RESUMED = "Here is where you are. The clock kept running while you were away."
ABANDONED = ("Mock abandoned after {answered} of {total} answers. It isn't scored and doesn't count towards "
             "readiness. Start a fresh one with /mock start whenever you're ready.")
TIME_UP_EDIT = "⏱ Time is up. Your results are in the next message."
READY_TEXT = ("🎉 **You're ready to book your {exam} retake.** {readiness} Strong full mocks in a row under "
              "exam conditions are the best sign we have that the real exam will go your way. {when}")


def _user_cannot_be_dmed(exc: discord.HTTPException) -> bool:
    return isinstance(exc, discord.Forbidden) and exc.code == CANNOT_DM


@app_commands.guild_only()
class Mock(commands.GroupCog, group_name="mock", group_description="Full-length timed mock exams"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.mocks
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        for kind, handler in ((KIND_TIMEOUT, self.deliver_timeout), (KIND_COUNTDOWN, self.deliver_countdown),
                              (KIND_READY, self.deliver_ready)):
            if kind not in self.bot.dispatcher.kinds:
                self.bot.dispatcher.register(kind, handler)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    # --- commands -------------------------------------------------------------------------------
    @app_commands.command(name="start", description="Start a timed mock exam under exam conditions")
    @app_commands.describe(exam="Exam code (default: the exam you're preparing for)",
                           length="full (the real exam's length) or half", mode="strict (default) or exam")
    @app_commands.choices(
        length=[app_commands.Choice(name="full", value="full"), app_commands.Choice(name="half", value="half")],
        mode=[app_commands.Choice(name="strict: one at a time, no going back", value="strict"),
              app_commands.Choice(name="exam: flag and revisit until you submit", value="exam")],
    )
    async def start(self, interaction: discord.Interaction, exam: str | None = None, length: str = "full",
                    mode: str = "strict") -> None:
        started = await self.service.start(interaction.guild_id, interaction.user.id, exam_code=exam,
                                           length=length, mode=mode)
        view = started.question
        notes = [n for n in (started.shape_note, started.short_bank_note) if n]
        facts = {"length": view.length, "count": view.total, "minutes": started.duration_minutes, "mode": view.mode}
        try:
            message = await interaction.user.send(embed=question_embed(view), view=question_view(view),
                                                  allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            if not _user_cannot_be_dmed(exc):
                raise
            await self.service.attach_message(view.attempt_id, shown_in="reply", channel_id=None, message_id=None)
            text = "\n".join([STARTED_HERE.format(**facts), *notes])
            await reply(interaction, text, embed=question_embed(view), view=question_view(view))
            return
        await self.service.attach_message(view.attempt_id, shown_in="dm", channel_id=message.channel.id,
                                          message_id=message.id)
        await reply(interaction, "\n".join([STARTED_IN_DMS.format(**facts), *notes]))

    @start.autocomplete("exam")
    async def exam_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        exams = getattr(self.bot.services, "exams", None)
        if exams is None:
            return []
        found = await exams.exam_choices(interaction.guild_id, interaction.user.id, current)
        return [app_commands.Choice(name=c.label[:100], value=c.code) for c in found[:25]]

    @app_commands.command(name="resume", description="Bring back the mock you're sitting (after a disconnect)")
    async def resume(self, interaction: discord.Interaction) -> None:
        try:
            step = await self.service.resume(interaction.guild_id, interaction.user.id)
        except NotFound:
            last = await self.service.last_result(interaction.guild_id, interaction.user.id)
            if last is None or last.status != "timed_out":
                raise
            step = last
        if isinstance(step, MockQuestionView):
            await reply(interaction, RESUMED, embed=question_embed(step), view=question_view(step))
            return
        await reply(interaction, step.note, embed=result_embed(step), view=result_view(step),
                    file=await chart_file(step))

    @app_commands.command(name="abandon", description="Stop the mock you're sitting without scoring it")
    async def abandon(self, interaction: discord.Interaction) -> None:
        gone = await self.service.abandon(interaction.guild_id, interaction.user.id)
        await reply(interaction, ABANDONED.format(answered=gone.answered, total=gone.total))
        if gone.channel_id and gone.message_id:
            await self._edit(gone.channel_id, gone.message_id, content="This mock was abandoned.", embed=None,
                             view=None)

    # --- deliveries -----------------------------------------------------------------------------
    async def _edit(self, channel_id: int, message_id: int, **fields: Any) -> bool:
        message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await message.edit(**fields)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            log.warning("could not edit mock message %s", message_id, exc_info=True)
            return False
        return True

    async def _dm(self, user_id: int, **fields: Any) -> discord.Message:
        user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
        return await user.send(allowed_mentions=NO_PINGS, **fields)

    async def deliver_timeout(self, delivery: Any) -> Outcome:
        attempt_id = int(delivery.payload["attempt_id"])
        result = await self.service.time_out(attempt_id)
        if result is None:
            # A retry after the mock was already submitted by this delivery: send the results again
            # (the nonce lets Discord drop a copy that did go out).
            result = await self.service.timed_out_result(attempt_id)
            if result is None:
                return Outcome.skipped("the mock ended before its deadline")
        return await self._send_results(result, delivery.idempotency_key)

    async def _send_results(self, result: MockResultView, key: str) -> Outcome:
        if result.channel_id and result.message_id:
            await self._edit(result.channel_id, result.message_id, content=TIME_UP_EDIT, view=None)
        try:
            await self._dm(result.user_id, embed=result_embed(result), view=result_view(result),
                           file=await chart_file(result), nonce=nonce_for(key))
        except discord.HTTPException as exc:
            if _user_cannot_be_dmed(exc):
                return Outcome.skipped("DMs closed; the results show with /mock resume")
            return Outcome.retry(f"could not send the results: {exc}")
        return Outcome.sent()

    async def deliver_countdown(self, delivery: Any) -> Outcome:
        view = await self.service.countdown(int(delivery.payload["attempt_id"]))
        if view is None:
            return Outcome.skipped("the mock is over")
        if view.shown_in != "dm" or not view.channel_id or not view.message_id:
            return Outcome.skipped("the mock runs in a private reply, which can't be edited later")
        if not await self._edit(view.channel_id, view.message_id, embed=question_embed(view)):
            return Outcome.skipped("the question message is gone")
        return Outcome.sent()

    async def deliver_ready(self, delivery: Any) -> Outcome:
        result = await self.service.ready_notice(int(delivery.payload["attempt_id"]))
        if result is None:
            return Outcome.skipped("the mock is gone")
        status = await self.bot.services.readiness.status(result.guild_id, result.user_id)
        when = ""
        if status.can_book_from is not None:
            when = f"You can book from {status.can_book_from.isoformat()}."
        if status.eligible_date is not None and status.can_book_from == status.eligible_date:
            when = f"The retake rules allow booking from {status.eligible_date.isoformat()}."
        text = READY_TEXT.format(exam=result.exam_code, readiness=status.missing_text, when=when).strip()
        try:
            await self._dm(result.user_id, content=text, nonce=nonce_for(delivery.idempotency_key))
        except discord.HTTPException as exc:
            if _user_cannot_be_dmed(exc):
                return Outcome.skipped("DMs closed; /readiness shows the same")
            return Outcome.retry(f"could not send the readiness notice: {exc}")
        return Outcome.sent()


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Mock(bot))
