"""Rendering and interactive pieces for exams, score reports, weak domains, the diagnosis and the plan.

Report buttons are ``DynamicItem``s whose ``custom_id`` carries the draft id, and the draft lives in
the database, so "Save report" still works after a restart. The diagnosis questionnaire keeps its
answers in the view until the member asks for the result (nothing is stored before that).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import discord

from bot.domain.diagnosis import CauseKind, Question, QuestionKind
from bot.domain.exams import Exam, RetakePolicy, Source
from bot.services.exams import (
    AttemptRecorded,
    BookingMade,
    DiagnosisView,
    ExamInfo,
    PlanView,
    ReportPreview,
    ReportSaved,
    RetakeView,
    WeakView,
)
from bot.ui.errors import ReboundModal, ReboundView
from bot.ui.items import SafeDynamicItem
from bot.ui.respond import open_modal, reply, update

INFO = discord.Colour.blurple()
CALM = discord.Colour.teal()
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096
# Discord: a button label holds 80 characters, a modal title 45, a select placeholder 150.
BUTTON_LABEL_LIMIT = 80
MODAL_TITLE_LIMIT = 45
PLACEHOLDER_LIMIT = 150
DIAGNOSIS_PAGES = (("study_time", "coverage", "resources"), ("clock", "exam_day"))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _service(interaction: discord.Interaction):
    return interaction.client.services.exams  # type: ignore[attr-defined]


# --- sources: every fact shown says "as of <date>" and offers where it came from ---------------------


def source_text(source: Source, what: str = "Source") -> str:
    links = []
    for url in source.urls[:3]:
        links.append(f"<{url}>" if url.startswith(("http://", "https://")) else url)
    where = " · ".join(links) if links else "defined on this server"
    return f"{what} ({source.as_of_text()}, {source.confidence.value} confidence): {where}"


def _retake_lines(view: RetakeView) -> list[str]:
    if view.blocked_reason:
        return [view.blocked_reason]
    lines = [f"**Earliest retake:** {view.earliest_text} ({view.timezone})", f"Rule: {view.rule}"]
    if view.cap_text:
        lines.append(f"Attempt cap: {view.cap_text}")
    if view.free_retake_until:
        lines.append(f"Your free retake is available until {view.free_retake_until.isoformat()}.")
    return lines


# --- /exam -----------------------------------------------------------------------------------------


def exam_title(exam: Exam) -> str:
    return f"{exam.code} · {exam.name}"


def attempt_embed(result: AttemptRecorded) -> discord.Embed:
    exam = result.exam
    if result.passed:
        text = (f"Congratulations: {exam.code} passed on {result.taken_on.isoformat()}. "
                "That is what all the work was for.")
        return discord.Embed(title="Attempt recorded", description=text, colour=discord.Colour.green())
    lines = [
        f"Your {exam.code} attempt on {result.taken_on.isoformat()} is recorded. A failed attempt is a "
        "measurement, not a verdict: it shows exactly where to put the next hours."
    ]
    if result.booking_cleared:
        lines.append(f"Your booking for {result.booking_cleared.isoformat()} is used up; book the retake again.")
    if result.retake is not None:
        lines.append("")
        lines.extend(_retake_lines(result.retake))
        lines.append(source_text(result.retake.source, "Retake policy source"))
    lines.append("")
    lines.append("**Next:** enter your score report, so the plan can aim at your weak domains.")
    return discord.Embed(title="Attempt recorded", description=clip("\n".join(lines), DESCRIPTION_LIMIT),
                         colour=CALM)


def _policy_lines(policy: RetakePolicy) -> list[str]:
    from bot.domain.retake import describe_rule

    lines = [describe_rule(policy, rule) for rule in policy.rules]
    if policy.cap is not None:
        lines.append(f"At most {policy.cap.max_attempts} attempts in {policy.cap.window_text()}.")
    if policy.free_retakes:
        lines.append(f"{policy.free_retakes} free retake(s) included.")
    lines.extend(policy.other_rules[:3])
    return lines


def info_embed(info: ExamInfo) -> discord.Embed:
    exam = info.exam
    embed = discord.Embed(title=exam_title(exam), colour=INFO)
    facts = [f"Vendor: {exam.vendor} · status: {exam.status.value}"]
    if info.successor is not None:
        facts.append(f"Successor: {info.successor.code} ({info.successor.name})")
    if exam.passing_score is not None and exam.scale_max is not None:
        facts.append(f"Passing score: {exam.passing_score:g} on a {exam.scale_min or 0:g}–{exam.scale_max:g} scale")
    else:
        facts.append("Passing score: not published by the vendor")
    facts.append(f"Questions: {exam.max_questions or 'not published'} · "
                 f"duration: {f'{exam.duration_minutes} minutes' if exam.duration_minutes else 'not published'}")
    embed.description = "\n".join(facts)
    blueprint = "\n".join(f"{d.number} {d.name} · {d.weight_text()}" for d in exam.domains) or "No domains listed."
    embed.add_field(name=f"Blueprint ({exam.source.as_of_text()})", value=clip(blueprint, FIELD_LIMIT), inline=False)
    embed.add_field(name=f"Retake policy ({info.policy.source.as_of_text()})",
                    value=clip("\n".join(_policy_lines(info.policy)), FIELD_LIMIT), inline=False)
    if info.retake is not None or info.booked_date is not None:
        mine = _retake_lines(info.retake) if info.retake else []
        if info.booked_date:
            mine.append(f"Booked: {info.booked_date.isoformat()}")
        embed.add_field(name="You", value=clip("\n".join(mine), FIELD_LIMIT), inline=False)
    sources = f"{source_text(exam.source, 'Exam facts')}\n{source_text(info.policy.source, 'Retake policy')}"
    embed.add_field(name="Sources", value=clip(sources, FIELD_LIMIT), inline=False)
    return embed


def booking_text(made: BookingMade) -> str:
    return (f"Booked: **{made.exam.code} on {made.booked_date.isoformat()}**. {made.explanation}\n"
            f"{source_text(made.retake.source, 'Retake policy source')}\n"
            "Your plan now counts down to this date: see /plan.")


# --- /report ----------------------------------------------------------------------------------------


def preview_embed(preview: ReportPreview, *, title: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=title or f"{preview.exam_code} score report: preview", colour=INFO)
    if preview.lines:
        body = "\n".join(f"**{line.domain}**: {line.value}" for line in preview.lines)
    elif preview.kind == "pages":
        body = "Nothing entered yet. Open a page below and copy each domain's result from your report."
    else:
        body = "No domain result could be read from that text."
    embed.description = clip(body, DESCRIPTION_LIMIT)
    if preview.overall is not None:
        embed.add_field(name="Overall", value=f"{preview.overall:g}% of the scale", inline=False)
    if preview.unparsed:
        shown = "\n".join(f"• {clip(line, 120)}" for line in preview.unparsed[:15])
        more = f"\n…and {len(preview.unparsed) - 15} more" if len(preview.unparsed) > 15 else ""
        embed.add_field(name="Not read (left out)", value=clip(shown + more, FIELD_LIMIT), inline=False)
    if preview.warnings:
        embed.add_field(name="Please check", value=clip("\n".join(f"• {w}" for w in preview.warnings),
                                                        FIELD_LIMIT), inline=False)
    if preview.lines:
        embed.set_footer(text="Nothing is saved until you press Save report.")
    return embed


def saved_embed(saved: ReportSaved) -> discord.Embed:
    top = [p for p in saved.ranking if p.priority > 0][:3]
    lines = [f"Saved your {saved.exam_code} report. Thank you: that was the hardest step."]
    if top:
        lines.append("")
        lines.append("**Most urgent:** " + "; ".join(f"{p.domain_number} {p.domain_name}" for p in top))
    lines.append("")
    lines.append("Next: /weak for the full ranking, /diagnose for why it went this way, /plan for your plan.")
    return discord.Embed(title="Score report saved", description="\n".join(lines), colour=CALM)


class ReportPageButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                       template=r"rb:report:page:(?P<draft>\d+):(?P<page>\d+)"):
    def __init__(self, draft_id: int, page: int, label: str = "Page") -> None:
        self.draft_id, self.page = draft_id, page
        super().__init__(discord.ui.Button(label=clip(label, BUTTON_LABEL_LIMIT), style=discord.ButtonStyle.primary,
                                           custom_id=f"rb:report:page:{draft_id}:{page}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /):
        return cls(int(match["draft"]), int(match["page"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        preview = await _service(interaction).report_draft(interaction.guild_id, interaction.user.id, self.draft_id)
        if not 0 <= self.page < len(preview.pages):
            await reply(interaction, "That page is not part of this report form any more; start again with /report.")
            return
        await open_modal(interaction, ReportPageModal(preview, self.page))


class ReportSaveButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                       template=r"rb:report:save:(?P<draft>\d+)"):
    def __init__(self, draft_id: int, *, disabled: bool = False) -> None:
        self.draft_id = draft_id
        super().__init__(discord.ui.Button(label="Save report", style=discord.ButtonStyle.success,
                                           custom_id=f"rb:report:save:{draft_id}", disabled=disabled))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /):
        return cls(int(match["draft"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        saved = await _service(interaction).confirm_report(interaction.guild_id, interaction.user.id, self.draft_id)
        await update(interaction, embed=saved_embed(saved), view=None)


class ReportCancelButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                         template=r"rb:report:cancel:(?P<draft>\d+)"):
    def __init__(self, draft_id: int) -> None:
        self.draft_id = draft_id
        super().__init__(discord.ui.Button(label="Cancel", style=discord.ButtonStyle.secondary,
                                           custom_id=f"rb:report:cancel:{draft_id}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /):
        return cls(int(match["draft"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await _service(interaction).cancel_report(interaction.guild_id, interaction.user.id, self.draft_id)
        await update(interaction, content="Cancelled; nothing was saved. Start again any time with /report.",
                     embed=None, view=None)


class EnterReportButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button], template=r"rb:report:start"):
    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Enter report", style=discord.ButtonStyle.primary,
                                           custom_id="rb:report:start"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /):
        return cls()

    async def handle(self, interaction: discord.Interaction) -> None:
        preview = await _service(interaction).start_report(interaction.guild_id, interaction.user.id)
        await reply(interaction, embed=preview_embed(preview, title=f"{preview.exam_code} score report"),
                    view=report_panel(preview))


class PasteReportButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button], template=r"rb:report:paste"):
    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Paste report", style=discord.ButtonStyle.secondary,
                                           custom_id="rb:report:paste"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /):
        return cls()

    async def handle(self, interaction: discord.Interaction) -> None:
        await open_modal(interaction, PasteReportModal())


REPORT_ITEMS = (ReportPageButton, ReportSaveButton, ReportCancelButton, EnterReportButton, PasteReportButton)


def report_panel(preview: ReportPreview) -> discord.ui.View:
    """Page buttons (modal pages of ≤ 5 domains), then Save and Cancel."""
    view = discord.ui.View(timeout=None)
    for index, page in enumerate(preview.pages):
        filled = any(preview.values.get(f.key) for f in page.fields)
        label = f"{'✓ ' if filled else ''}{page.title}"
        view.add_item(ReportPageButton(preview.draft_id, index, label))
    view.add_item(ReportSaveButton(preview.draft_id, disabled=not preview.can_save))
    view.add_item(ReportCancelButton(preview.draft_id))
    return view


def after_attempt_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(EnterReportButton())
    view.add_item(PasteReportButton())
    return view


class ReportPageModal(ReboundModal):
    def __init__(self, preview: ReportPreview, page_index: int) -> None:
        page = preview.pages[page_index]
        super().__init__(title=clip(f"{preview.exam_code} · {page.title}", MODAL_TITLE_LIMIT),
                         custom_id=f"rb:report:modal:{preview.draft_id}:{page_index}")
        self.draft_id = preview.draft_id
        self.inputs: list[tuple[str, discord.ui.TextInput]] = []
        for f in page.fields:
            field = discord.ui.TextInput(label=f.label, placeholder=f.placeholder, required=False, max_length=300,
                                         default=preview.values.get(f.key) or None, custom_id=f.key)
            self.inputs.append((f.key, field))
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {key: field.value for key, field in self.inputs}
        preview = await _service(interaction).save_report_page(
            interaction.guild_id, interaction.user.id, self.draft_id, values
        )
        embed = preview_embed(preview, title=f"{preview.exam_code} score report")
        if interaction.message is not None:
            await update(interaction, embed=embed, view=report_panel(preview))
        else:
            await reply(interaction, embed=embed, view=report_panel(preview))


class PasteReportModal(ReboundModal, title="Paste your score report"):
    text = discord.ui.TextInput(
        label="Domain results from your report",
        style=discord.TextStyle.paragraph,
        placeholder="Security Operations: 55%\nArchitecture - near target\nObjectives missed: 1.2, 4.5",
        max_length=4000,
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        preview = await _service(interaction).preview_paste(interaction.guild_id, interaction.user.id, self.text.value)
        view = discord.ui.View(timeout=None)
        view.add_item(ReportSaveButton(preview.draft_id, disabled=not preview.can_save))
        view.add_item(ReportCancelButton(preview.draft_id))
        await reply(interaction, embed=preview_embed(preview), view=view)


# --- /weak ------------------------------------------------------------------------------------------


def weak_embed(view: WeakView) -> discord.Embed:
    exam = view.exam
    embed = discord.Embed(title=f"{exam.code}: where to focus", colour=INFO)
    when = f"from your report of {view.report_date.isoformat()}" if view.report_date else "no score report yet"
    target = view.ranking[0].target if view.ranking else None
    head = f"Priority = blueprint weight × gap to the target ({target:g}%), {when}." if target is not None else when
    embed.description = head
    for label in ("weak", "borderline", "unknown", "strong"):
        rows = [p for p in view.ranking if p.label.value == label]
        if rows:
            text = "\n".join(f"**{p.domain_number} {p.domain_name}**\n{_numbers(p)}" for p in rows)
            embed.add_field(name=label.capitalize(), value=clip(text, FIELD_LIMIT), inline=False)
    notes = list(view.ranking.notes) + [source_text(exam.source, "Blueprint")]
    embed.add_field(name="Notes", value=clip("\n".join(f"• {n}" for n in notes), FIELD_LIMIT), inline=False)
    return embed


def _numbers(p: Any) -> str:
    gap = "gap unknown" if p.gap is None else f"gap {p.gap:g}"
    return f"weight {p.weight_text} · {p.percent_text()} → {p.target:g}% · {gap} · priority {p.priority:g}"


class ShareView(ReboundView):
    """Results are private; this posts a copy to the channel when the member chooses to."""

    def __init__(self, owner_id: int, embed: discord.Embed, intro: str) -> None:
        super().__init__(owner_id=owner_id)
        self.embed, self.intro = embed, intro

    @discord.ui.button(label="Share in channel", style=discord.ButtonStyle.secondary)
    async def share(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await update(interaction, view=self)
        await reply(interaction, f"{interaction.user.display_name} {self.intro}", embed=self.embed, ephemeral=False)


# --- /diagnose --------------------------------------------------------------------------------------


class QuestionSelect(discord.ui.Select):
    def __init__(self, question: Question, chosen: Sequence[str]) -> None:
        multi = question.kind is QuestionKind.MULTI
        options = [discord.SelectOption(label=clip(o.label, 100), value=o.id, default=o.id in chosen)
                   for o in question.options]
        super().__init__(placeholder=clip(question.prompt, PLACEHOLDER_LIMIT), options=options, min_values=1,
                         max_values=len(options) if multi else 1, custom_id=f"rb:diagnose:{question.id}")
        self.question = question

    async def callback(self, interaction: discord.Interaction) -> None:
        view: DiagnoseView = self.view  # type: ignore[assignment]
        view.answers[self.question.id] = list(self.values)
        await view.redraw(interaction)


class DiagnoseView(ReboundView):
    def __init__(self, owner_id: int, questions: Sequence[Question], page: int = 0,
                 answers: dict[str, list[str]] | None = None) -> None:
        super().__init__(owner_id=owner_id)
        self.questions = {q.id: q for q in questions}
        self.answers: dict[str, list[str]] = answers if answers is not None else {}
        self.page = page
        self._build()

    def _build(self) -> None:
        self.clear_items()
        for question_id in DIAGNOSIS_PAGES[self.page]:
            self.add_item(QuestionSelect(self.questions[question_id], self.answers.get(question_id, ())))
        if self.page + 1 < len(DIAGNOSIS_PAGES):
            button = discord.ui.Button(label="Next", style=discord.ButtonStyle.primary, custom_id="rb:diagnose:next")
            button.callback = self._next
        else:
            button = discord.ui.Button(label="See my diagnosis", style=discord.ButtonStyle.success,
                                       custom_id="rb:diagnose:done")
            button.callback = self._done
        self.add_item(button)

    def text(self) -> str:
        total = sum(len(p) for p in DIAGNOSIS_PAGES)
        return (f"**Why did this attempt go the way it did?** ({len(self.answers)} of {total} answered, "
                f"page {self.page + 1} of {len(DIAGNOSIS_PAGES)})\n"
                "Answer honestly: this is private, and it only shapes your plan.")

    async def redraw(self, interaction: discord.Interaction) -> None:
        self._build()
        await update(interaction, content=self.text(), view=self)

    async def _next(self, interaction: discord.Interaction) -> None:
        self.page += 1
        await self.redraw(interaction)

    async def _done(self, interaction: discord.Interaction) -> None:
        result = await _service(interaction).diagnose(interaction.guild_id, interaction.user.id, self.answers)
        self.stop()
        await update(interaction, content=None, embed=diagnosis_embed(result), view=None)


def diagnosis_embed(view: DiagnosisView) -> discord.Embed:
    d = view.diagnosis
    embed = discord.Embed(title=f"{view.exam_code}: what got in the way", description=d.summary, colour=CALM)
    for kind, name in ((CauseKind.PREPARATION, "Preparation"), (CauseKind.EXECUTION, "On the day")):
        causes = d.causes_of_kind(kind)
        if causes:
            text = "\n".join(f"**{c.title}**: {c.explanation}" for c in causes)
            embed.add_field(name=name, value=clip(text, FIELD_LIMIT), inline=False)
    if view.remedy_actions:
        embed.add_field(name="What changes in your plan",
                        value=clip("\n".join(f"• {a}" for a in view.remedy_actions), FIELD_LIMIT), inline=False)
    embed.set_footer(text="Saved. /plan now includes these changes.")
    return embed


# --- /plan ------------------------------------------------------------------------------------------


def _day(d: date) -> str:
    return f"{d:%a %d %b}"


def plan_embed(view: PlanView) -> discord.Embed:
    plan = view.plan
    booked = "booked" if plan.exam_date_booked else "proposed"
    embed = discord.Embed(
        title=f"{view.exam.code} plan: {plan.start.isoformat()} → {plan.exam_date.isoformat()} ({booked})",
        description=(f"{plan.hours_per_week:g} h/week · {plan.total_hours:g} h in total"
                     + (f" · eligible from {view.eligible.earliest_text}" if view.eligible and
                        view.eligible.earliest and not view.eligible.blocked_reason else "")),
        colour=INFO,
    )
    for phase in plan.phases:
        focus = ", ".join(view.domain_names.get(n, n) for n in phase.focus_domains[:3])
        body = "\n".join(f"• {a}" for a in phase.activities)
        if focus and phase.kind.value == "intensive":
            body = f"Focus: {focus}\n{body}"
        embed.add_field(name=clip(f"{phase.title} · {_day(phase.start)}–{_day(phase.end)} · {phase.hours:g} h", 256),
                        value=clip(body, FIELD_LIMIT), inline=False)
    hours = "\n".join(f"{view.domain_names.get(n, n)}: {h:g} h" for n, h in plan.domain_hours.items())
    embed.add_field(name="Hours per domain", value=clip(hours or "—", FIELD_LIMIT), inline=False)
    notes = list(plan.notes) + list(view.notes) + list(view.ranking.notes)
    basis = [f"score report of {view.report_date.isoformat()}" if view.report_date else "no score report yet"]
    if view.diagnosis_date:
        basis.append(f"diagnosis of {view.diagnosis_date.isoformat()}")
    notes.append("Based on: " + ", ".join(basis) + f"; {source_text(view.exam.source, 'blueprint')}.")
    embed.add_field(name="Notes", value=clip("\n".join(f"• {n}" for n in notes), FIELD_LIMIT), inline=False)
    return embed



async def exam_code_choices(interaction: discord.Interaction, current: str) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete for exam codes: at most 25, the member's own and current exams first."""
    found = await _service(interaction).exam_choices(interaction.guild_id, interaction.user.id, current)
    return [discord.app_commands.Choice(name=c.label, value=c.code) for c in found[:25]]
