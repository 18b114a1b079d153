"""What a mock looks like in Discord: the question message, its buttons, the results and the review of misses.

Buttons are ``DynamicItem``s whose custom id carries the attempt, the action and its argument, so they
work after a restart; every click reloads the attempt from the database through ``MockService``.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import discord

from bot.errors import UserError
from bot.services.mocks import MockQuestionView, MockResultView, MockService, MockStep
from bot.ui.charts_mock import mock_chart
from bot.ui.errors import report_error
from bot.ui.respond import reply, update

log = logging.getLogger(__name__)

MISSES_PER_PAGE = 4
LETTERS = "abcdefghij"
ESTIMATE_DOC = "The scaled score is our estimate, not the vendor's; /readiness and docs/mock-exams.md explain it."


def _service(interaction: discord.Interaction) -> MockService:
    return interaction.client.services.mocks  # type: ignore[attr-defined]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clock(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- the question ---------------------------------------------------------------------------------


def question_embed(view: MockQuestionView) -> discord.Embed:
    lines = [view.stem, ""]
    lines += [f"**{oid.upper()})** {text}" for oid, text in view.options]
    if view.multi:
        lines += ["", f"*Choose {view.choose}.*"]
    if view.chosen:
        lines += ["", f"Your answer: **{', '.join(c.upper() for c in view.chosen)}**"]
    embed = discord.Embed(
        title=f"Question {view.position + 1} of {view.total}" + ("  ⚑ flagged" if view.flagged else ""),
        description=_clip("\n".join(lines), 4000),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Time", value=f"⏱ {view.countdown}", inline=True)
    embed.add_field(name="Answered", value=f"{view.answered} of {view.total}", inline=True)
    if view.mode == "exam":
        embed.add_field(name="Flagged", value=str(len(view.flagged_positions)), inline=True)
    rules = ("strict mode: answers are final, no going back" if view.mode == "strict"
             else "exam mode: flag, go back and change answers until you submit")
    embed.set_footer(text=f"{view.exam_code} {view.length} mock · {rules} · question {view.question_id}")
    return embed


def question_view(view: MockQuestionView) -> discord.ui.View:
    items = discord.ui.View(timeout=None)
    pos = view.position
    if view.multi:
        items.add_item(MockPick(view.attempt_id, pos, view.options, view.choose))
    else:
        for oid, _ in view.options:
            style = discord.ButtonStyle.primary if oid in view.chosen else discord.ButtonStyle.secondary
            items.add_item(MockButton(view.attempt_id, "ans", f"{pos}-{oid}", label=oid.upper(), style=style, row=0))
    if view.mode == "exam":
        grey = discord.ButtonStyle.secondary
        items.add_item(MockButton(view.attempt_id, "prev", str(pos), label="Back", style=grey, row=1,
                                  disabled=pos == 0))
        items.add_item(MockButton(view.attempt_id, "flag", str(pos), label="Unflag" if view.flagged else "Flag",
                                  style=grey, row=1))
        items.add_item(MockButton(view.attempt_id, "next", str(pos), label="Next", style=grey, row=1,
                                  disabled=pos >= view.total - 1))
        items.add_item(MockButton(view.attempt_id, "flagged", str(pos), label="Next flagged", style=grey, row=2,
                                  disabled=not view.flagged_positions))
        items.add_item(MockButton(view.attempt_id, "open", str(pos), label="Next unanswered", style=grey, row=2,
                                  disabled=not view.unanswered_positions))
        items.add_item(MockButton(view.attempt_id, "submit", str(pos), label="Submit", style=discord.ButtonStyle.danger,
                                  row=2))
    return items


def confirm_embed(view: MockQuestionView) -> discord.Embed:
    lines = [f"You have answered {view.answered} of {view.total} questions."]
    if view.unanswered_positions:
        shown = ", ".join(str(p + 1) for p in view.unanswered_positions[:20])
        lines.append(f"Unanswered: {shown}{'…' if len(view.unanswered_positions) > 20 else ''}")
    if view.flagged_positions:
        lines.append(f"Flagged for review: {', '.join(str(p + 1) for p in view.flagged_positions[:20])}")
    lines.append(f"⏱ {view.countdown}. Submit now? Once submitted, answers can't change.")
    return discord.Embed(title="Submit this mock?", description="\n".join(lines), colour=discord.Colour.orange())


def confirm_view(view: MockQuestionView) -> discord.ui.View:
    items = discord.ui.View(timeout=None)
    items.add_item(MockButton(view.attempt_id, "confirm", "", label="Yes, submit", style=discord.ButtonStyle.danger))
    items.add_item(MockButton(view.attempt_id, "goto", str(view.position), label="Keep going",
                              style=discord.ButtonStyle.secondary))
    return items


# --- the results ----------------------------------------------------------------------------------


def result_embed(result: MockResultView) -> discord.Embed:
    ended = "Time ran out, so the mock was submitted" if result.status == "timed_out" else "Submitted"
    lines = [f"{ended}. **{result.raw_percent:g}%** correct ({result.correct} of {result.total})."]
    if result.estimate is not None:
        est = result.estimate
        lines.append(f"Estimated scaled score: **{est.label}**, likely {est.low}–{est.high}; "
                     f"the pass mark is {result.passing_score:g}.")
    verdict = "above" if result.passed else "below"
    lines.append(f"That is {verdict} the pass mark ({result.pass_percent:g}% correct). "
                 f"Your readiness target is {result.target:g}%.")
    lines.append(f"Time used: {_clock(result.time_used)} of {result.duration_minutes} minutes.")
    if result.status == "timed_out" or result.unanswered:
        lines.append(f"Unanswered: {result.unanswered}.")
    if result.mode == "exam":
        lines.append(f"Answers changed: {result.answers_changed}.")
    if result.counts_for_readiness:
        lines.append(f"Readiness: {result.readiness_text}")
    else:
        lines.append("Half-length mocks don't count towards readiness; they are good practice all the same.")
    if result.booked_warning:
        lines.append(f"⚠ {result.booked_warning}")
    if result.note:
        lines.insert(0, f"*{result.note}*")
    colour = discord.Colour.green() if result.passed else discord.Colour.orange()
    embed = discord.Embed(title=f"Mock results: {result.exam_code} ({result.length}, {result.mode})",
                          description=_clip("\n".join(lines), 4000), colour=colour)
    for d in result.per_domain[:20]:
        mark = "✅" if d.met else "▫"
        embed.add_field(name=_clip(f"{d.number} {d.name}", 250),
                        value=f"{mark} {d.percent:g}% ({d.correct}/{d.total}) · target {d.target:g}%", inline=False)
    embed.set_image(url=f"attachment://{chart_name(result)}")
    embed.set_footer(text=ESTIMATE_DOC)
    return embed


def chart_name(result: MockResultView) -> str:
    return f"mock-{result.attempt_id}.png"


async def chart_file(result: MockResultView) -> discord.File:
    return discord.File(io.BytesIO(await mock_chart(result)), filename=chart_name(result))


def result_view(result: MockResultView) -> discord.ui.View | None:
    if not result.misses:
        return None
    items = discord.ui.View(timeout=None)
    items.add_item(MockButton(result.attempt_id, "review", "0", label=f"Review {len(result.misses)} misses",
                              style=discord.ButtonStyle.primary))
    return items


def review_embed(result: MockResultView, page: int) -> discord.Embed:
    pages = max(1, -(-len(result.misses) // MISSES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    embed = discord.Embed(title=f"Review of misses, page {page + 1} of {pages}", colour=discord.Colour.blurple())
    for miss in result.misses[page * MISSES_PER_PAGE:(page + 1) * MISSES_PER_PAGE]:
        yours = ", ".join(miss.chosen_text) if miss.chosen_text else "not answered"
        value = (f"{_clip(miss.stem, 300)}\nYour answer: {_clip(yours, 150)}\n"
                 f"Right answer: {_clip(', '.join(miss.answer_text), 200)}\nWhy: {_clip(miss.explanation, 300)}")
        embed.add_field(name=_clip(f"Q{miss.position + 1} · {miss.domain_name}", 250), value=_clip(value, 1024),
                        inline=False)
    embed.set_footer(text="Each miss is now a review card in /practice, so it comes back when it's due.")
    return embed


def review_view(result: MockResultView, page: int) -> discord.ui.View:
    pages = max(1, -(-len(result.misses) // MISSES_PER_PAGE))
    items = discord.ui.View(timeout=None)
    grey = discord.ButtonStyle.secondary
    items.add_item(MockButton(result.attempt_id, "review", str(page - 1), label="Previous page", style=grey,
                              disabled=page <= 0))
    items.add_item(MockButton(result.attempt_id, "review", str(page + 1), label="Next page", style=grey,
                              disabled=page >= pages - 1))
    return items


# --- clicks ---------------------------------------------------------------------------------------


async def show_step(interaction: discord.Interaction, step: MockStep) -> None:
    """Edit the clicked message into the next question, or into the results."""
    if isinstance(step, MockQuestionView):
        await update(interaction, embed=question_embed(step), view=question_view(step))
        return
    file = await chart_file(step)
    await update(interaction, embed=result_embed(step), view=result_view(step), attachments=[file])


async def handle(interaction: discord.Interaction, attempt_id: int, action: str, arg: str,
                 chosen: list[str] | None = None) -> None:
    service = _service(interaction)
    user_id = interaction.user.id
    try:
        if action == "ans":
            position, _, option = arg.partition("-")
            await show_step(interaction, await service.answer(attempt_id, user_id, int(position), [option]))
        elif action == "pick":
            await show_step(interaction, await service.answer(attempt_id, user_id, int(arg), chosen or []))
        elif action == "flag":
            await show_step(interaction, await service.flag(attempt_id, user_id, int(arg)))
        elif action in ("prev", "next", "flagged", "open", "goto"):
            await show_step(interaction, await service.move(attempt_id, user_id, action, int(arg or 0)))
        elif action == "submit":
            step = await service.current(attempt_id, user_id)
            if isinstance(step, MockQuestionView):
                await update(interaction, embed=confirm_embed(step), view=confirm_view(step))
            else:
                await show_step(interaction, step)
        elif action == "confirm":
            await show_step(interaction, await service.submit(attempt_id, user_id))
        elif action == "review":
            result = await service.result(attempt_id, user_id)
            page = int(arg or 0)
            await reply(interaction, embed=review_embed(result, page), view=review_view(result, page),
                        ephemeral=True)
        else:
            await reply(interaction, "That button isn't one I know any more.")
    except UserError as error:
        await report_error(interaction, error)
    except Exception as error:  # a bug must still get a kind reply, and be logged
        await report_error(interaction, error, where=f"mock button {action}")


class MockButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"rb:mock:(?P<attempt>\d+):(?P<action>[a-z]+):(?P<arg>[\w-]*)"):
    def __init__(self, attempt_id: int, action: str, arg: str, *, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None,
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, row=row, disabled=disabled,
                                           custom_id=f"rb:mock:{attempt_id}:{action}:{arg}"))
        self.attempt_id, self.action, self.arg = attempt_id, action, arg

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> MockButton:
        return cls(int(match["attempt"]), match["action"], match["arg"], label=item.label or "…", style=item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await handle(interaction, self.attempt_id, self.action, self.arg)


class MockPick(discord.ui.DynamicItem[discord.ui.Select], template=r"rb:mockpick:(?P<attempt>\d+):(?P<pos>\d+)"):
    """The answer picker of a question that asks for several choices."""

    def __init__(self, attempt_id: int, position: int, options: tuple[tuple[str, str], ...] = (),
                 choose: int = 1) -> None:
        select = discord.ui.Select(
            custom_id=f"rb:mockpick:{attempt_id}:{position}", min_values=choose, max_values=choose,
            placeholder=f"Choose {choose}",
            options=[discord.SelectOption(label=_clip(f"{oid.upper()}) {text}", 100), value=oid)
                     for oid, text in options] or [discord.SelectOption(label="…", value="a")],
        )
        super().__init__(select, row=0)
        self.attempt_id, self.position = attempt_id, position

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select,
                             match: re.Match[str], /) -> MockPick:
        return cls(int(match["attempt"]), int(match["pos"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = list((interaction.data or {}).get("values") or [])
        await handle(interaction, self.attempt_id, "pick", str(self.position), chosen=values)


DYNAMIC_ITEMS = (MockButton, MockPick)
