"""/quiz start|stop: group rounds in a channel; everyone answers privately, then the reveal."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.scheduling.dispatcher import Outcome, nonce_for
from bot.services.quiz import (
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_SECONDS,
    QUIZ_REVEAL,
    LobbyView,
    QuizQuestionView,
    RevealView,
    ScoreboardView,
)
from bot.ui.items import SafeDynamicItem, can_manage, view_of
from bot.ui.practice_views import FIELD_LIMIT, INFO_COLOUR, OK_COLOUR, clip, option_lines, rows_for
from bot.ui.respond import NO_PINGS, reply

log = logging.getLogger(__name__)


def lobby_embed(view: LobbyView) -> discord.Embed:
    embed = discord.Embed(title=f"Quiz round · {view.exam_code}", colour=INFO_COLOUR)
    focus = view.focus or "the weakest domains of the people who join"
    embed.description = (
        f"{view.question_count} question(s), {view.seconds} seconds each, on {focus}.\n"
        f"Press **Join** to play. The first question comes <t:{view.join_ends_at}:R>.\n"
        "Everyone answers privately; the answer is revealed when the time is up."
    )
    return embed


def question_embed(view: QuizQuestionView) -> discord.Embed:
    embed = discord.Embed(title=f"Question {view.position + 1} of {view.total}", colour=INFO_COLOUR)
    embed.description = view.stem
    embed.add_field(name="Options", value=clip(option_lines(view.options), FIELD_LIMIT), inline=False)
    embed.set_footer(text=f"{view.domain_name} · {view.seconds} seconds · your answer stays private until the reveal")
    return embed


def question_items(view: QuizQuestionView) -> list[discord.ui.Item[Any]]:
    rows = rows_for(len(view.options))
    return [QuizAnswer(view.round_id, view.position, oid, row=row)
            for (oid, _), row in zip(view.options, rows, strict=True)]


def reveal_embed(view: RevealView) -> discord.Embed:
    embed = discord.Embed(title=f"Answer to question {view.position + 1}: {view.answer.upper()}", colour=OK_COLOUR)
    embed.description = f"**{view.answer.upper()}) {view.answer_text}**\n\n{view.explanation}"
    lines = [f"{'✅' if oid == view.answer else '▫️'} {oid.upper()}: {n}" for oid, _, n in view.distribution]
    embed.add_field(name=f"How the group answered ({view.answered})", value="\n".join(lines), inline=False)
    if view.correct_users:
        embed.add_field(name="Right", value=clip(" ".join(f"<@{u}>" for u in view.correct_users), FIELD_LIMIT),
                        inline=False)
    return embed


def scoreboard_embed(view: ScoreboardView, note: str | None = None) -> discord.Embed:
    title = "Round stopped" if view.stopped else "Final scoreboard"
    embed = discord.Embed(title=f"{title} · {view.exam_code}", colour=INFO_COLOUR)
    medals = ["🥇", "🥈", "🥉"]
    lines = [f"{medals[i] if i < 3 and points else f'{i + 1}.'} <@{user}>: {points}"
             for i, (user, points) in enumerate(view.rows)]
    parts = [note] if note else []
    parts.append("\n".join(lines) or "Nobody joined this time.")
    parts.append("Every answer counted toward your mastery; your misses are waiting in /practice.")
    embed.description = "\n\n".join(parts)
    return embed


def _service(interaction: discord.Interaction):
    return interaction.client.services.quiz  # type: ignore[attr-defined]


class JoinButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button], template=r"rb:qj:(?P<round>\d+)"):
    def __init__(self, round_id: int) -> None:
        self.round_id = round_id
        super().__init__(discord.ui.Button(label="Join", style=discord.ButtonStyle.success,
                                           custom_id=f"rb:qj:{round_id}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> JoinButton:
        return cls(int(match["round"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        view = await _service(interaction).join(self.round_id, interaction.guild_id, interaction.user.id)
        text = "You're in! " if view.newly_joined else "You're already in. "
        await reply(interaction, text + f"{view.participants} playing so far. Good luck!")


class QuizAnswer(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                 template=r"rb:qa:(?P<round>\d+):(?P<position>\d+):(?P<choice>[a-f])"):
    def __init__(self, round_id: int, position: int, choice: str, row: int | None = None) -> None:
        self.round_id, self.position, self.choice = round_id, position, choice
        super().__init__(discord.ui.Button(label=choice.upper(), style=discord.ButtonStyle.secondary,
                                           custom_id=f"rb:qa:{round_id}:{position}:{choice}"), row=row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> QuizAnswer:
        return cls(int(match["round"]), int(match["position"]), match["choice"])

    async def handle(self, interaction: discord.Interaction) -> None:
        view = await _service(interaction).answer(self.round_id, interaction.guild_id, interaction.user.id,
                                                  self.position, self.choice)
        verb = "Changed to" if view.changed else "Locked in"
        await reply(interaction, f"{verb} **{view.choice.upper()}) {clip(view.option_text, 200)}**. "
                                 f"You can change it until <t:{view.ends_at}:T>.")


@app_commands.guild_only()
class Quiz(commands.GroupCog, group_name="quiz", group_description="Group quiz rounds in this channel"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.quiz
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(JoinButton, QuizAnswer)
        if QUIZ_REVEAL not in self.bot.dispatcher.kinds:
            self.bot.dispatcher.register(QUIZ_REVEAL, self.on_timer)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(JoinButton, QuizAnswer)

    async def on_timer(self, delivery: Any) -> Outcome:
        round_id, position = int(delivery.payload["round_id"]), int(delivery.payload["position"])
        step = await self.service.advance(round_id, position)
        if step is None:
            # A retry of a step this delivery already committed (the bot died or a post failed before all of it
            # was out): post it again; the same nonces let Discord drop the copies that did arrive.
            step = await self.service.committed_step(round_id, position)
        if step is None:
            return Outcome.skipped("the round had already moved on")
        channel = self.bot.get_partial_messageable(step.channel_id, guild_id=delivery.guild_id)
        key = delivery.idempotency_key
        try:
            if step.reveal is not None:
                await channel.send(embed=reveal_embed(step.reveal), nonce=nonce_for(f"{key}:reveal"),
                                   allowed_mentions=NO_PINGS)
            if step.next_question is not None:
                await channel.send(embed=question_embed(step.next_question),
                                   view=view_of(question_items(step.next_question)),
                                   nonce=nonce_for(f"{key}:question"), allowed_mentions=NO_PINGS)
            if step.scoreboard is not None:
                await channel.send(embed=scoreboard_embed(step.scoreboard, step.note),
                                   nonce=nonce_for(f"{key}:scoreboard"), allowed_mentions=NO_PINGS)
        except (discord.Forbidden, discord.NotFound) as exc:
            # The channel is gone or closed to us; the round state has moved on already.
            log.warning("quiz round %s could not post in channel %s: %s", step.round_id, step.channel_id, exc)
            return Outcome.failed(f"cannot post in channel: {exc}")
        return Outcome.sent()

    @app_commands.command(name="start", description="Start a quiz round in this channel")
    @app_commands.describe(
        exam="Exam code, e.g. SY0-701 (default: yours)", questions=f"How many questions (1-{MAX_QUESTIONS})",
        seconds=f"Seconds per question ({MIN_SECONDS}-{MAX_SECONDS})", focus="Only this domain (default: the "
        "weakest domains of the people who join)",
    )
    async def start(self, interaction: discord.Interaction, exam: str | None = None,
                    questions: app_commands.Range[int, 1, MAX_QUESTIONS] = 5,
                    seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] = 30,
                    focus: str | None = None) -> None:
        view = await self.service.start(interaction.guild_id, interaction.channel_id, interaction.user.id,
                                        exam_code=exam, questions=questions, seconds=seconds, focus=focus)
        await reply(interaction, embed=lobby_embed(view), view=view_of([JoinButton(view.round_id)]), ephemeral=False)

    @app_commands.command(name="stop", description="Stop the quiz round in this channel (starter or moderator)")
    async def stop(self, interaction: discord.Interaction) -> None:
        board = await self.service.stop(interaction.guild_id, interaction.channel_id, interaction.user.id,
                                        is_moderator=can_manage(interaction))
        await reply(interaction, embed=scoreboard_embed(board), ephemeral=False)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Quiz(bot))
