"""/practice and /gaps: private practice toward weak domains, the why-prompt, and the member's gaps."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.domain.review import MissReason
from bot.services.practice import (
    MAX_COUNT,
    FeedbackView,
    GapsView,
    QuestionView,
    SessionSummary,
    WhyView,
)
from bot.ui.errors import ReboundModal
from bot.ui.items import SafeDynamicItem, view_of
from bot.ui.practice_views import (
    FIELD_LIMIT,
    INFO_COLOUR,
    MISS_COLOUR,
    OK_COLOUR,
    bar,
    clip,
    option_lines,
    rows_for,
)
from bot.ui.respond import open_modal, reply, update

WHY_PROMPT = "**Why did you miss it?** One tap; it shapes the advice in /gaps."
RULE_PROMPT = ("You've missed this one four times, so drilling it the same way isn't working. "
               "Write your own one-line rule for it: you'll see it every time it comes back.")


# --- rendering ------------------------------------------------------------------------------------


def question_embed(view: QuestionView) -> discord.Embed:
    title = f"Question {view.position + 1} of {view.total} · {view.exam_code}"
    embed = discord.Embed(title=title, colour=INFO_COLOUR)
    parts: list[str] = []
    if view.explanation_first:
        parts.append(f"📖 **Read this first** (this one keeps slipping away):\n{view.explanation_first}")
        if view.rule:
            parts.append(f"📝 **Your rule:** {view.rule}")
    parts.append(view.stem)
    if view.multi:
        parts.append(f"*Choose {view.choose}.*")
    embed.description = "\n\n".join(parts)
    embed.add_field(name="Options", value=clip(option_lines(view.options), FIELD_LIMIT), inline=False)
    footer = f"Domain {view.domain} {view.domain_name}"
    if view.is_review:
        footer += " · review: you missed this before"
    embed.set_footer(text=footer)
    return embed


def question_items(view: QuestionView) -> list[discord.ui.Item[Any]]:
    if view.multi:
        return [PracticeMultiSelect.build(view)]
    rows = rows_for(len(view.options))
    return [PracticeAnswer(view.session_id, view.position, oid, row=row) for (oid, _), row in zip(view.options, rows,
                                                                                                      strict=True)]


def feedback_embed(view: FeedbackView) -> discord.Embed:
    if view.correct:
        embed = discord.Embed(title="✅ Right", colour=OK_COLOUR)
    else:
        picked = ", ".join(c.upper() for c in view.chosen)
        embed = discord.Embed(title=f"Not this time: you chose {picked}", colour=MISS_COLOUR)
        embed.add_field(name="Answer", value=clip("\n".join(view.answer_text), FIELD_LIMIT), inline=False)
    embed.description = view.explanation
    for oid, reason in view.rationale:
        embed.add_field(name=f"Why not {oid.upper()}", value=clip(reason, FIELD_LIMIT), inline=False)
    if view.reference:
        embed.add_field(name="Reference", value=clip(view.reference, FIELD_LIMIT), inline=False)
    embed.set_footer(text=f"{view.domain_name}: {view.mastery_percent}% mastery")
    return embed


def feedback_items(view: FeedbackView) -> list[discord.ui.Item[Any]]:
    if view.ask_why:
        return [WhyButton(view.session_id, view.position, reason, row=row)
                for reason, row in zip(MissReason, rows_for(len(MissReason)), strict=True)]
    return next_items(view.session_id, view.position, view.is_last, view.ask_rule)


def next_items(session_id: int, position: int, is_last: bool, ask_rule: bool) -> list[discord.ui.Item[Any]]:
    items: list[discord.ui.Item[Any]] = [NextButton(session_id, position, is_last)]
    if ask_rule:
        items.append(RuleButton(session_id, position))
    return items


def why_embed(view: WhyView) -> discord.Embed:
    embed = discord.Embed(title="Thanks for being honest about it", colour=INFO_COLOUR)
    embed.description = f"**{view.reason}.** Next time: {view.remedy}."
    if view.ask_rule:
        embed.add_field(name="Your own rule", value=RULE_PROMPT, inline=False)
    return embed


def summary_text(view: SessionSummary) -> str:
    lines = [f"**Session done:** {view.correct} of {view.answered} right."]
    if view.correct < view.answered:
        lines.append("Every miss is now a review card, and it will come back when it's due.")
    if view.due_reviews:
        lines.append(f"{view.due_reviews} review card(s) are due by tomorrow; /practice starts with them.")
    lines.append("See where you stand with /gaps.")
    return "\n".join(lines)


def gaps_embed(view: GapsView) -> discord.Embed:
    embed = discord.Embed(title=f"Your gaps · {view.exam_code}", colour=INFO_COLOUR)
    lines = []
    for d in view.domains:
        counts = f"{d.correct}/{d.answered} right" if d.answered else ("from your score report" if d.from_report
                                                                       else "no answers yet")
        lines.append(f"`{bar(d.percent)}` **{d.percent}%** {d.number} {d.name} ({d.weight_text}) · {counts}")
    embed.description = "\n".join(lines)
    compared = [d for d in view.domains if d.practice_accuracy is not None and d.mock_accuracy is not None]
    if compared:
        gap_lines = [
            f"{d.number} {d.name}: practice {d.practice_accuracy}% · timed mocks {d.mock_accuracy}%"
            + (" ← practice flatters you here" if d.practice_accuracy - d.mock_accuracy >= 10 else "")
            for d in compared
        ]
        embed.add_field(name="Relaxed practice vs exam conditions", value=clip("\n".join(gap_lines), FIELD_LIMIT),
                        inline=False)
    if view.pattern:
        embed.add_field(name="How you miss", value=clip("\n".join(view.pattern[:3]), FIELD_LIMIT), inline=False)
    else:
        embed.add_field(name="How you miss", value="Not enough misses explained yet. After a miss, tell me why and "
                        "I'll show your pattern here.", inline=False)
    review = f"{view.due_reviews} review card(s) due now"
    if view.leeches:
        review += f" · {view.leeches} stubborn one(s) reviewed explanation-first"
    if view.exam_date:
        review += f" · exam-date mode is on for {view.exam_date.isoformat()}"
    embed.set_footer(text=review)
    return embed


# --- persistent items -----------------------------------------------------------------------------


def _service(interaction: discord.Interaction):
    return interaction.client.services.practice  # type: ignore[attr-defined]


class PracticeAnswer(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                     template=r"rb:pa:(?P<session>\d+):(?P<position>\d+):(?P<choice>[a-f])"):
    def __init__(self, session_id: int, position: int, choice: str, row: int | None = None) -> None:
        self.session_id, self.position, self.choice = session_id, position, choice
        super().__init__(discord.ui.Button(label=choice.upper(), style=discord.ButtonStyle.secondary,
                                           custom_id=f"rb:pa:{session_id}:{position}:{choice}"), row=row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> PracticeAnswer:
        return cls(int(match["session"]), int(match["position"]), match["choice"])

    async def handle(self, interaction: discord.Interaction) -> None:
        view = await _service(interaction).answer(self.session_id, interaction.user.id, self.position, [self.choice])
        await update(interaction, embed=feedback_embed(view), view=view_of(feedback_items(view)))


class PracticeMultiSelect(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Select],
                          template=r"rb:pm:(?P<session>\d+):(?P<position>\d+)"):
    def __init__(self, session_id: int, position: int, select: discord.ui.Select) -> None:
        self.session_id, self.position = session_id, position
        super().__init__(select)

    @classmethod
    def build(cls, view: QuestionView) -> PracticeMultiSelect:
        select: discord.ui.Select = discord.ui.Select(
            custom_id=f"rb:pm:{view.session_id}:{view.position}", placeholder=f"Choose {view.choose}",
            min_values=view.choose, max_values=view.choose,
            options=[discord.SelectOption(label=clip(f"{oid.upper()}) {text}", 80), value=oid)
                     for oid, text in view.options],
        )
        return cls(view.session_id, view.position, select)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> PracticeMultiSelect:
        assert isinstance(item, discord.ui.Select)
        return cls(int(match["session"]), int(match["position"]), item)

    async def handle(self, interaction: discord.Interaction) -> None:
        chosen = list(self.item.values)
        view = await _service(interaction).answer(self.session_id, interaction.user.id, self.position, chosen)
        await update(interaction, embed=feedback_embed(view), view=view_of(feedback_items(view)))


_REASON_IDS = "|".join(r.value for r in MissReason)


class WhyButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                template=rf"rb:pw:(?P<session>\d+):(?P<position>\d+):(?P<reason>{_REASON_IDS})"):
    def __init__(self, session_id: int, position: int, reason: MissReason, row: int | None = None) -> None:
        self.session_id, self.position, self.reason = session_id, position, MissReason(reason)
        super().__init__(discord.ui.Button(label=self.reason.label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"rb:pw:{session_id}:{position}:{self.reason.value}"), row=row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> WhyButton:
        return cls(int(match["session"]), int(match["position"]), MissReason(match["reason"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        view = await _service(interaction).explain_miss(self.session_id, interaction.user.id, self.position,
                                                        self.reason.value)
        embeds = [*interaction.message.embeds[:1], why_embed(view)] if interaction.message else [why_embed(view)]
        await update(interaction, embeds=embeds,
                     view=view_of(next_items(view.session_id, view.position, view.is_last, view.ask_rule)))


class NextButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                 template=r"rb:pn:(?P<session>\d+):(?P<position>\d+)"):
    def __init__(self, session_id: int, position: int, is_last: bool = False) -> None:
        self.session_id, self.position = session_id, position
        super().__init__(discord.ui.Button(label="See my results" if is_last else "Next question",
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"rb:pn:{session_id}:{position}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> NextButton:
        return cls(int(match["session"]), int(match["position"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        result = await _service(interaction).next(self.session_id, interaction.user.id, self.position)
        if isinstance(result, SessionSummary):
            await update(interaction, content=summary_text(result), embeds=[], view=None)
        else:
            await update(interaction, content=None, embed=question_embed(result),
                         view=view_of(question_items(result)))


class RuleModal(ReboundModal, title="Your own rule"):
    rule: discord.ui.TextInput = discord.ui.TextInput(
        label="One line that would have got it right", max_length=200, min_length=5,
        placeholder="e.g. SMS = smishing, voice = vishing",
    )

    def __init__(self, session_id: int, position: int) -> None:
        super().__init__(custom_id=f"rb:prm:{session_id}:{position}")
        self.session_id, self.position = session_id, position

    async def on_submit(self, interaction: discord.Interaction) -> None:
        saved = await _service(interaction).save_rule(self.session_id, interaction.user.id, self.position,
                                                      self.rule.value)
        await reply(interaction, f"Saved. Your rule: **{saved.rule}**. You'll see it whenever this question returns.")


class RuleButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                 template=r"rb:pr:(?P<session>\d+):(?P<position>\d+)"):
    def __init__(self, session_id: int, position: int) -> None:
        self.session_id, self.position = session_id, position
        super().__init__(discord.ui.Button(label="Write my rule", style=discord.ButtonStyle.success,
                                           custom_id=f"rb:pr:{session_id}:{position}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> RuleButton:
        return cls(int(match["session"]), int(match["position"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await open_modal(interaction, RuleModal(self.session_id, self.position))


# --- the cog --------------------------------------------------------------------------------------


class Practice(commands.Cog):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.practice

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PracticeAnswer, PracticeMultiSelect, WhyButton, NextButton, RuleButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PracticeAnswer, PracticeMultiSelect, WhyButton, NextButton, RuleButton)

    @app_commands.command(name="practice", description="Practise questions aimed at your weak domains, privately")
    @app_commands.describe(domain="Only this domain, e.g. 2 or 'Threats'", count=f"How many questions (1-{MAX_COUNT})")
    @app_commands.guild_only()
    async def practice(self, interaction: discord.Interaction, domain: str | None = None,
                       count: app_commands.Range[int, 1, MAX_COUNT] = 10) -> None:
        view = await self.service.start(interaction.guild_id, interaction.user.id, domain=domain, count=count)
        await reply(interaction, embed=question_embed(view), view=view_of(question_items(view)))

    @app_commands.command(name="gaps", description="See your mastery per domain and how you tend to miss questions")
    @app_commands.guild_only()
    async def gaps(self, interaction: discord.Interaction) -> None:
        view = await self.service.gaps(interaction.guild_id, interaction.user.id)
        await reply(interaction, embed=gaps_embed(view))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Practice(bot))
