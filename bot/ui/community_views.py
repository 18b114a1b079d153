"""Rendering and interactive pieces for joining a server: the setup guide, /admin setup and settings, the
welcome panel, the onboarding flow, /cohort and the resource library.

Buttons people may press long after a message was sent (the welcome panel, onboarding steps, cohort and
vote buttons) are ``DynamicItem``s: their ``custom_id`` says what to do and the state comes from the
database, so they keep working after a restart. The /admin setup pages are an ordinary owner-only view:
every choice is saved the moment it is made, and /admin setup shows the saved state again later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import discord

from bot.domain.timezones import POPULAR
from bot.errors import InvalidInput, NotAllowed
from bot.services.cohorts import CohortJoined, CohortView, QuizInfo
from bot.services.guild_settings import (
    CHANNEL_ROLES,
    DEFAULT_CHANNEL_NAMES,
    FEATURES,
    OPTIONAL_GUILD_NEEDS,
    PAIRING_CHOICES,
    GuildSettings,
    PermissionNeed,
    missing_permissions,
)
from bot.services.onboarding import OnboardingState
from bot.services.resources import ResourceList, ResourceView
from bot.ui.creations import attempt_floor, create_role_once, create_text_channel_once, start_thread_once
from bot.ui.errors import ReboundModal, ReboundView
from bot.ui.exam_views import EnterReportButton, PasteReportButton, clip, plan_embed
from bot.ui.items import SafeDynamicItem, can_manage, view_of
from bot.ui.respond import NO_PINGS, open_modal, reply, update

log = logging.getLogger(__name__)

WELCOME = discord.Colour.teal()
INFO = discord.Colour.blurple()
WARN = discord.Colour.orange()
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096
SELECT_OPTIONS_MAX = 25


def services(interaction: discord.Interaction) -> Any:
    return interaction.client.services  # type: ignore[attr-defined]


def can_moderate(interaction: discord.Interaction) -> bool:
    permissions = interaction.permissions
    return bool(permissions and (permissions.manage_messages or permissions.manage_guild
                                 or permissions.administrator))


def granted(permissions: discord.Permissions) -> set[str]:
    # VALID_FLAGS includes aliases such as view_channel (iterating a Permissions object skips them).
    return {name for name in discord.Permissions.VALID_FLAGS if getattr(permissions, name)}


def need_lines(needs: Iterable[PermissionNeed]) -> str:
    return "\n".join(f"• **{n.label}**: {n.why}" for n in needs)


# --- the guide when the bot joins a server -----------------------------------------------------------


def guide_embed(guild_name: str) -> discord.Embed:
    embed = discord.Embed(title="Thanks for adding Rebound", colour=WELCOME)
    embed.description = (
        f"Rebound helps the people of **{clip(guild_name, 100)}** get back on their feet after a failed IT "
        "certification exam: a retake plan from their score report, daily check-ins, study partners, group "
        "quizzes and mock exams.\n\n"
        "**To set it up** (takes about two minutes), someone with the Manage Server permission runs "
        "**/admin setup**. It picks or creates the channels Rebound uses, the server's time zone and "
        "rules, checks my permissions in each channel, and posts the welcome panel members start from.\n\n"
        "Rebound needs no privileged intents. Everything members do is private unless they choose to share."
    )
    return embed


# --- the welcome panel -------------------------------------------------------------------------------

PANEL_PLAN = "I failed an exam: build my comeback plan"
PANEL_PARTNER = "Find a study partner"
PANEL_QUIZ = "Join a quiz round"
PANEL_HELP = "How this works"


def welcome_panel_embed() -> discord.Embed:
    embed = discord.Embed(title="Welcome to the comeback crew", colour=WELCOME)
    embed.description = (
        "Failing an exam stings, and almost everyone who passes in the end failed something along the way. "
        "Here you prepare the retake with people in the same boat.\n\n"
        f"**{PANEL_PLAN}**: pick your exam, enter your score report, and get a plan aimed at your weak "
        "domains. Every step can be skipped and picked up later.\n"
        f"**{PANEL_PARTNER}**: get paired with someone preparing for the same kind of exam.\n"
        f"**{PANEL_QUIZ}**: practise together in short group quizzes.\n"
        f"**{PANEL_HELP}**: what Rebound does and which commands to use.\n\n"
        "Whatever you press, only you see the answer."
    )
    return embed


def welcome_panel_view() -> discord.ui.View:
    return view_of([WelcomePlanButton(), WelcomePartnerButton(), WelcomeQuizButton(), WelcomeHelpButton()])


HOW_IT_WORKS = (
    "**How Rebound works**\n"
    "1. **Your exam and attempt**: /exam set and /exam attempt. Rebound knows each vendor's retake rules and "
    "tells you the first day you may sit it again.\n"
    "2. **Your score report**: /report enter. Rebound ranks your domains by blueprint weight and gap (/weak).\n"
    "3. **Your plan**: /plan builds the weeks to your retake; /diagnose asks what got in the way last time.\n"
    "4. **Practice**: /practice, /mock full mocks under exam conditions, /readiness tells you when to book.\n"
    "5. **Company**: /checkin every day, /partner join for a study partner, /cohort for people preparing the "
    "same exam, /resources for what helped others.\n\n"
    "Everything is private unless you choose to share it. Press the first button on the welcome panel to be "
    "walked through the first steps."
)


class _PanelButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button], template=r"rb:never"):
    """A button with a fixed custom_id (subclasses set the three constants and their own template)."""

    LABEL = ""
    STYLE = discord.ButtonStyle.secondary
    CUSTOM_ID = ""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label=self.LABEL, style=self.STYLE, custom_id=self.CUSTOM_ID))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> _PanelButton:
        return cls()


class WelcomePlanButton(_PanelButton, template=r"rb:wel:plan"):
    LABEL, STYLE, CUSTOM_ID = PANEL_PLAN, discord.ButtonStyle.primary, "rb:wel:plan"

    async def handle(self, interaction: discord.Interaction) -> None:
        state = await services(interaction).onboarding.start(interaction.guild_id, interaction.user.id)
        embed, view = await step_message(interaction, state)
        await reply(interaction, embed=embed, view=view)


class WelcomePartnerButton(_PanelButton, template=r"rb:wel:partner"):
    LABEL, STYLE, CUSTOM_ID = PANEL_PARTNER, discord.ButtonStyle.secondary, "rb:wel:partner"

    async def handle(self, interaction: discord.Interaction) -> None:
        found = services(interaction)
        settings = await found.guild_settings.settings_for(interaction.guild_id)
        if not settings.enabled("partners"):
            raise NotAllowed("Study-partner pairing is switched off on this server.")
        status = await found.partners.status(interaction.guild_id, interaction.user.id)
        if status.in_pool:
            text = f"You're already in the study-partner pool for {status.exam_code}."
            if status.partners:
                text += " This round you're paired with " + ", ".join(f"<@{p}>" for p in status.partners) + "."
            await reply(interaction, text + " Leave any time with /partner leave.")
            return
        exam = await found.exams.active_exam(interaction.guild_id, interaction.user.id)
        if exam is None:
            await reply(interaction, "Partners are matched by exam, so first tell me yours: press the button below "
                                     "(you can skip everything after the exam).", view=view_of([WelcomePlanButton()]))
            return
        view = view_of([PartnerJoinButton()])
        await reply(interaction, f"Study partners are paired every {settings.pairing_every_days} days among people "
                                 f"preparing for {exam.code} or another exam of the same vendor. You get a private "
                                 "thread to agree on how to keep each other going.", view=view)


class PartnerJoinButton(_PanelButton, template=r"rb:wel:partner-join"):
    LABEL, STYLE, CUSTOM_ID = "Join the partner pool", discord.ButtonStyle.success, "rb:wel:partner-join"

    async def handle(self, interaction: discord.Interaction) -> None:
        status = await services(interaction).partners.join(interaction.guild_id, interaction.user.id)
        when = f" The next pairing is <t:{int(status.next_round_at.timestamp())}:R>." if status.next_round_at else ""
        await update(interaction, content=f"You're in the study-partner pool for {status.exam_code}.{when}", view=None)


class WelcomeQuizButton(_PanelButton, template=r"rb:wel:quiz"):
    LABEL, STYLE, CUSTOM_ID = PANEL_QUIZ, discord.ButtonStyle.secondary, "rb:wel:quiz"

    async def handle(self, interaction: discord.Interaction) -> None:
        channel_id, live = await services(interaction).cohorts.live_quiz(interaction.guild_id)
        await reply(interaction, quiz_text(channel_id, live))


class WelcomeHelpButton(_PanelButton, template=r"rb:wel:help"):
    LABEL, STYLE, CUSTOM_ID = PANEL_HELP, discord.ButtonStyle.secondary, "rb:wel:help"

    async def handle(self, interaction: discord.Interaction) -> None:
        await reply(interaction, HOW_IT_WORKS)


def quiz_text(channel_id: int | None, live: QuizInfo | None) -> str:
    where = f"<#{channel_id}>" if channel_id else "any channel"
    if live is not None:
        if live.joining_ends_at is not None:
            return (f"A {live.exam_code} quiz round is open in {where}: press **Join** on it before "
                    f"<t:{live.joining_ends_at}:T>. Everyone answers privately, then the answer is revealed.")
        return (f"A {live.exam_code} round is running in {where} right now; the next one can start when it ends "
                f"(/quiz start in {where}).")
    return (f"No round is running. Start one in {where} with **/quiz start** (your exam by default); others press "
            "**Join** and everyone answers privately before the reveal.")


# --- onboarding --------------------------------------------------------------------------------------

STEP_TITLES = {
    "exam": "Your exam",
    "attempt": "The attempt",
    "report": "Your score report",
    "results": "When and where to focus",
    "timezone": "Your time zone",
    "reminder": "A daily check-in reminder",
    "partners": "A study partner",
    "board": "The board and your cohort",
    "plan": "Your plan",
}
STEP_TEXT = {
    "exam": "Which exam are you preparing to retake? Pick it below or type its code.",
    "attempt": ("Record the attempt that didn't go your way: its date and, if you have it, the overall score. "
                "Rebound works out the first day you may sit the exam again under the vendor's rules."),
    "report": ("Your score report shows how you did in each domain. Entering it lets Rebound aim your plan at the "
               "weakest domains. Open the form below (or paste the text), save it, then come back and press "
               "**Saved: next step**."),
    "timezone": "Reminders and streaks follow your local day. Which time zone are you in?",
    "reminder": ("A short daily check-in keeps the thread going, even on a 10-minute day. Want a reminder? "
                 "You choose the time."),
    "partners": ("People with a study partner are far more likely to keep going. Rebound pairs members preparing "
                 "for the same kind of exam and opens a private thread for each pair."),
    "board": ("Appear on the server's progress board, so others see you're at it (your effort: minutes, "
              "check-ins, streak, never a score), and join your exam's cohort so people preparing for the same "
              "exam can find you. Nobody is shown or listed without saying yes here or later."),
}
LATER_TEXT = (f"Saved. Pick up where you left off any time: press “{PANEL_PLAN}” on the welcome panel, "
              "or use /welcome.")


def _progress_line(state: OnboardingState) -> str:
    marks = []
    for step in state.steps:
        mark = "✓" if step in state.done else "–" if step in state.skipped else "•" if step == state.step else "○"
        marks.append(mark)
    return " ".join(marks)


def _step_embed(state: OnboardingState, body: str) -> discord.Embed:
    title = f"Step {state.index} of {state.total} · {STEP_TITLES[state.step]}"
    parts = []
    if state.resumed:
        parts.append("Welcome back: here is where you left off.")
    if state.note:
        parts.append(f"✓ {state.note}")
    parts.append(body)
    embed = discord.Embed(title=title, description=clip("\n\n".join(parts), DESCRIPTION_LIMIT), colour=WELCOME)
    embed.set_footer(text=f"{_progress_line(state)}  ·  every step can be skipped and done later")
    return embed


def _nav(step: str, *, skip: bool = True) -> list[discord.ui.Item[Any]]:
    items: list[discord.ui.Item[Any]] = []
    if skip:
        items.append(OnboardingButton("skip", step, "Skip"))
    items.append(OnboardingButton("later", step, "Finish later"))
    return items


async def step_message(interaction: discord.Interaction, state: OnboardingState
                       ) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed and buttons of the member's current step (the plan step builds the plan)."""
    found = services(interaction)
    guild_id, user_id = interaction.guild_id, interaction.user.id
    step = state.step
    if step == "plan":
        return await _plan_message(interaction, state)
    if step == "exam":
        current = await found.onboarding.current_exam(guild_id, user_id)
        choices = await found.onboarding.exam_choices(guild_id, user_id, "")
        body = STEP_TEXT["exam"]
        items: list[discord.ui.Item[Any]] = [ExamPick([(c.code, c.label) for c in choices])]
        items.append(OnboardingButton("modal", "exam", "Type the code"))
        if current is not None:
            body += f"\n\nYou're set up for **{current.code} · {current.name}** already."
            items.append(OnboardingButton("keep", "exam", clip(f"Keep {current.code}", 80),
                                          style=discord.ButtonStyle.success))
        return _step_embed(state, body), view_of(items + _nav("exam"))
    if step == "attempt":
        items = [OnboardingButton("modal", "attempt", "Record my attempt", style=discord.ButtonStyle.primary)]
        return _step_embed(state, STEP_TEXT["attempt"]), view_of(items + _nav("attempt"))
    if step == "report":
        items = [EnterReportButton(), PasteReportButton(),
                 OnboardingButton("next", "report", "Saved: next step", style=discord.ButtonStyle.success)]
        return _step_embed(state, STEP_TEXT["report"]), view_of(items + _nav("report"))
    if step == "results":
        results = await found.onboarding.results(guild_id, user_id)
        lines = []
        if results.exam is None:
            lines.append("Once you choose your exam, this shows when you may retake and where to focus.")
        else:
            retake = results.retake
            if retake is None:
                lines.append("**Earliest retake:** record your attempt to see it (/exam attempt).")
            elif retake.blocked_reason:
                lines.append(retake.blocked_reason)
            else:
                lines.append(f"**Earliest retake:** {retake.earliest_text}\nRule: {retake.rule}")
            urgent = [p for p in results.ranking if p.priority > 0][:3]
            if results.ranking.has_report and urgent:
                lines.append("**Where to focus first:**\n" + "\n".join(
                    f"{i}. {p.domain_number} {p.domain_name}" for i, p in enumerate(urgent, 1)))
            else:
                lines.append("**Where to focus:** enter your score report (/report enter) and this ranks your "
                             "domains, weakest and heaviest first.")
        items = [OnboardingButton("next", "results", "Next", style=discord.ButtonStyle.primary)]
        return _step_embed(state, "\n\n".join(lines)), view_of(items + _nav("results", skip=False))
    if step == "timezone":
        current = await found.onboarding.timezone(guild_id, user_id)
        source = "the server's default" if current.timezone_is_default else "yours"
        body = f"{STEP_TEXT['timezone']}\n\nNow: **{current.timezone}** ({source})."
        items = [OnboardingButton("modal", "timezone", "Set my time zone", style=discord.ButtonStyle.primary),
                 OnboardingButton("keep", "timezone", clip(f"Keep {current.timezone}", 80))]
        return _step_embed(state, body), view_of(items + _nav("timezone"))
    if step == "reminder":
        items = [OnboardingButton("modal", "reminder", "Remind me daily", style=discord.ButtonStyle.primary)]
        return _step_embed(state, STEP_TEXT["reminder"]), view_of(items + _nav("reminder"))
    if step == "partners":
        items = [OnboardingButton("join", "partners", "Join the partner pool", style=discord.ButtonStyle.primary)]
        return _step_embed(state, STEP_TEXT["partners"]), view_of(items + _nav("partners"))
    settings = await found.guild_settings.settings_for(guild_id)
    items = []
    if settings.enabled("cohorts"):
        items.append(OnboardingButton("both", "board", "Both: the board and my cohort",
                                      style=discord.ButtonStyle.primary))
        items.append(OnboardingButton("cohort", "board", "Just my cohort"))
    items.append(OnboardingButton("board", "board", "Just the board"))
    return _step_embed(state, STEP_TEXT["board"]), view_of(items + _nav("board"))


async def _plan_message(interaction: discord.Interaction, state: OnboardingState
                        ) -> tuple[discord.Embed, discord.ui.View | None]:
    plan, state = await services(interaction).onboarding.plan(interaction.guild_id, interaction.user.id)
    items: list[discord.ui.Item[Any]] = []
    for step in [s for s in state.skipped if s != "plan"][:4]:
        items.append(OnboardingButton("go", step, clip(f"Back to: {STEP_TITLES[step]}", 80)))
    items.append(OnboardingButton("restart", "plan", "Start over"))
    if plan is None:
        embed = discord.Embed(title="Almost there", colour=WELCOME, description=(
            "Your plan needs to know your exam. Go back to that step, or set it with /exam set and then /plan."))
        return embed, view_of(items)
    embed = plan_embed(plan)
    intro = ("That's the comeback plan. It follows every new report, booking and mock: see it again with /plan. "
             "Check in daily with /checkin.")
    if state.note:
        intro = f"✓ {state.note}\n{intro}"
    embed.description = clip(f"{intro}\n\n{embed.description or ''}", DESCRIPTION_LIMIT)
    return embed, view_of(items)


async def show_step(interaction: discord.Interaction, state: OnboardingState) -> None:
    embed, view = await step_message(interaction, state)
    if interaction.message is not None:
        await update(interaction, content=None, embed=embed, view=view)
    else:
        await reply(interaction, embed=embed, view=view)


class ExamPick(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Select], template=r"rb:onb:exam-pick"):
    def __init__(self, choices: list[tuple[str, str]] | None = None) -> None:
        options = [discord.SelectOption(label=clip(label, 100), value=code) for code, label in
                   (choices or [])[:SELECT_OPTIONS_MAX]] or [discord.SelectOption(label="(no exams)", value="-")]
        super().__init__(discord.ui.Select(placeholder="Pick your exam", options=options, custom_id="rb:onb:exam-pick"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ExamPick:
        return cls()

    async def handle(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        if not values or values[0] == "-":
            raise InvalidInput("Please pick an exam from the list, or type its code.")
        state = await services(interaction).onboarding.choose_exam(interaction.guild_id, interaction.user.id,
                                                                   values[0])
        await show_step(interaction, state)


class OnboardingButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                       template=r"rb:onb:(?P<action>[a-z]+):(?P<step>[a-z]+)"):
    """Every onboarding button: what to do (``action``) with which step; the state is in the database."""

    def __init__(self, action: str, step: str, label: str = "Next",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        self.action, self.step = action, step
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"rb:onb:{action}:{step}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> OnboardingButton:
        return cls(match["action"], match["step"], getattr(item, "label", None) or "Next")

    async def handle(self, interaction: discord.Interaction) -> None:
        onboarding = services(interaction).onboarding
        guild_id, user_id, step = interaction.guild_id, interaction.user.id, self.step
        action = self.action
        if action == "later":
            await update(interaction, content=LATER_TEXT, embed=None, view=None)
            return
        if action == "modal":
            await open_modal(interaction, await _modal_for(interaction, step))
            return
        if action == "skip":
            state = await onboarding.skip(guild_id, user_id, step)
        elif action == "go":
            state = await onboarding.go_to(guild_id, user_id, step)
        elif action == "restart":
            state = await onboarding.restart(guild_id, user_id)
        elif action == "keep" and step == "exam":
            state = await onboarding.keep_exam(guild_id, user_id)
        elif action == "keep" and step == "timezone":
            current = await onboarding.timezone(guild_id, user_id)
            state = await onboarding.set_timezone(guild_id, user_id, current.timezone)
        elif action == "next" and step == "report":
            state = await onboarding.finish_report(guild_id, user_id)
        elif action == "next" and step == "results":
            state = await onboarding.acknowledge_results(guild_id, user_id)
        elif action == "join" and step == "partners":
            state = await onboarding.join_partners(guild_id, user_id)
        elif step == "board" and action in ("both", "cohort", "board"):
            state, joined = await onboarding.join_board(guild_id, user_id, board=action in ("both", "board"),
                                                        cohort=action in ("both", "cohort"))
            if joined is not None:
                extra = await provide_cohort_extras(interaction, joined)
                if extra:
                    state = _with_note(state, " ".join(extra))
        else:
            raise InvalidInput("That button belongs to an older version of this message; press /welcome again.")
        await show_step(interaction, state)


def _with_note(state: OnboardingState, extra: str) -> OnboardingState:
    return replace(state, note=f"{state.note} {extra}" if state.note else extra)


async def _modal_for(interaction: discord.Interaction, step: str) -> discord.ui.Modal:
    if step == "exam":
        return ExamCodeModal()
    if step == "attempt":
        return AttemptModal()
    if step == "timezone":
        current = await services(interaction).onboarding.timezone(interaction.guild_id, interaction.user.id)
        return TimezoneModal(current.timezone)
    if step == "reminder":
        return ReminderModal()
    raise InvalidInput("That step has no form.")


class ExamCodeModal(ReboundModal, title="Your exam"):
    code = discord.ui.TextInput(label="Exam code or name", placeholder="SY0-701, AZ-104, Security+ …", max_length=80)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        onboarding = services(interaction).onboarding
        typed = self.code.value.strip()
        choices = await onboarding.exam_choices(interaction.guild_id, interaction.user.id, typed)
        exact = [c for c in choices if c.code.lower() == typed.lower()]
        code = exact[0].code if exact else choices[0].code if len(choices) == 1 else typed
        state = await onboarding.choose_exam(interaction.guild_id, interaction.user.id, code)
        await show_step(interaction, state)


class AttemptModal(ReboundModal, title="The attempt"):
    day = discord.ui.TextInput(label="Exam date (YYYY-MM-DD)", placeholder="2026-05-29", min_length=8, max_length=10)
    score = discord.ui.TextInput(label="Overall score", placeholder="As printed on the report, e.g. 690",
                                 required=False, max_length=10)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        _, state = await services(interaction).onboarding.record_attempt(
            interaction.guild_id, interaction.user.id, self.day.value, self.score.value or None)
        await show_step(interaction, state)


class TimezoneModal(ReboundModal, title="Your time zone"):
    def __init__(self, current: str) -> None:
        super().__init__()
        self.zone = discord.ui.TextInput(label="Time zone", default=current, max_length=60,
                                         placeholder="Europe/Berlin, America/New_York, Asia/Kolkata …")
        self.add_item(self.zone)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        state = await services(interaction).onboarding.set_timezone(interaction.guild_id, interaction.user.id,
                                                                    self.zone.value)
        await show_step(interaction, state)


class ReminderModal(ReboundModal, title="Daily check-in reminder"):
    time = discord.ui.TextInput(label="At what time? (24-hour clock)", default="19:00", max_length=5)
    days = discord.ui.TextInput(label="Which days?", default="daily", max_length=40,
                                placeholder="daily, weekdays, mon,wed,fri")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        state = await services(interaction).onboarding.set_reminder(interaction.guild_id, interaction.user.id,
                                                                    self.time.value, self.days.value or "daily")
        await show_step(interaction, state)


ONBOARDING_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    WelcomePlanButton, WelcomePartnerButton, WelcomeQuizButton, WelcomeHelpButton, PartnerJoinButton, ExamPick,
    OnboardingButton,
)


# --- cohorts -----------------------------------------------------------------------------------------


async def provide_cohort_extras(interaction: discord.Interaction, joined: CohortJoined) -> list[str]:
    """Give the member the cohort role and add them to the cohort thread, creating either when the bot may.

    Both are optional: without Manage Roles there is no role, without a board channel no thread, and the
    member is listed in /cohort either way. Returns short notes for the member.
    """
    guild = interaction.guild
    member = interaction.user
    if guild is None or not isinstance(member, discord.Member):
        return []
    cohorts = services(interaction).cohorts
    me = guild.me
    notes: list[str] = []
    http, floor, name = interaction.client.http, attempt_floor(interaction.id), clip(f"{joined.exam_code} cohort", 100)
    role_id = joined.role_id
    try:
        role: discord.abc.Snowflake | None = guild.get_role(role_id) if role_id else None
        role_name = role.name if isinstance(role, discord.Role) else name
        if role_id is None and me.guild_permissions.manage_roles:
            role_id = await create_role_once(http, guild, name, reason="Rebound exam cohort", floor=floor)
            await cohorts.record_role(guild.id, joined.exam_code, role_id)
            # The kept copy may not have reached the cache yet (its create event can trail the answer).
            role = guild.get_role(role_id) or discord.Object(id=role_id)
        if role is not None and me.guild_permissions.manage_roles:
            await member.add_roles(role, reason="Joined the exam cohort")
            notes.append(f"You have the {role_name} role now.")
    except discord.HTTPException as exc:
        log.warning("cohort role for %s in guild %s: %s", joined.exam_code, guild.id, exc)
    thread_id = joined.thread_id
    try:
        if thread_id is None and joined.board_channel_id:
            board = guild.get_channel(joined.board_channel_id)
            if isinstance(board, discord.TextChannel) and board.permissions_for(me).create_public_threads:
                async def start() -> int:
                    thread = await board.create_thread(name=name, type=discord.ChannelType.public_thread,
                                                       reason="Rebound exam cohort")
                    return thread.id

                thread_id = await start_thread_once(http, start, guild_id=guild.id, parent_id=board.id, name=name,
                                                    owner_id=me.id, floor=floor)
                await cohorts.record_thread(guild.id, joined.exam_code, thread_id)
        if thread_id is not None:
            thread = guild.get_thread(thread_id) or await guild.fetch_channel(thread_id)
            if isinstance(thread, discord.Thread):
                await thread.add_user(member)
                notes.append(f"Say hello in <#{thread_id}>.")
    except discord.HTTPException as exc:
        log.warning("cohort thread for %s in guild %s: %s", joined.exam_code, guild.id, exc)
    return notes


def _month_text(view_month: Any) -> str:
    return f"{view_month:%b %Y}"


def cohort_embed(view: CohortView) -> discord.Embed:
    embed = discord.Embed(title=f"{view.exam_code} cohort · {clip(view.exam_name, 150)}", colour=INFO)
    if view.mates:
        lines = []
        for mate in view.mates[:40]:
            if mate.booked_month is not None:
                when = f"retake booked for {_month_text(mate.booked_month)}"
            elif mate.eligible_month is not None:
                when = f"may retake from {_month_text(mate.eligible_month)}"
            else:
                when = "retake date not set"
            lines.append(f"<@{mate.user_id}> · {when}")
        more = f"\n…and {len(view.mates) - 40} more" if len(view.mates) > 40 else ""
        embed.description = clip("\n".join(lines) + more, DESCRIPTION_LIMIT)
    else:
        embed.description = "Nobody has joined this cohort yet. Be the first: people find each other faster here."
    extras = []
    if view.thread_id:
        extras.append(f"Cohort thread: <#{view.thread_id}>")
    extras.append(quiz_text(view.quiz_channel_id, view.live_quiz))
    embed.add_field(name="Together", value=clip("\n".join(extras), FIELD_LIMIT), inline=False)
    embed.set_footer(text="Only members who joined the cohort are listed. Leave any time.")
    return embed


def cohort_view(is_member: bool) -> discord.ui.View:
    return view_of([CohortLeaveButton() if is_member else CohortJoinButton()])


class CohortJoinButton(_PanelButton, template=r"rb:cohort:join"):
    LABEL, STYLE, CUSTOM_ID = "Join this cohort", discord.ButtonStyle.success, "rb:cohort:join"

    async def handle(self, interaction: discord.Interaction) -> None:
        joined = await services(interaction).cohorts.join(interaction.guild_id, interaction.user.id)
        notes = await provide_cohort_extras(interaction, joined)
        head = (f"You're listed in the {joined.exam_code} cohort ({joined.member_count} so far)."
                if joined.newly_joined else f"You were already in the {joined.exam_code} cohort.")
        await reply(interaction, " ".join([head, *notes]))


class CohortLeaveButton(_PanelButton, template=r"rb:cohort:leave"):
    LABEL, STYLE, CUSTOM_ID = "Leave this cohort", discord.ButtonStyle.secondary, "rb:cohort:leave"

    async def handle(self, interaction: discord.Interaction) -> None:
        cohorts = services(interaction).cohorts
        code = await cohorts.leave(interaction.guild_id, interaction.user.id)
        role_id, _ = await cohorts.cohort_extras(interaction.guild_id, code)
        member, guild = interaction.user, interaction.guild
        if role_id and guild is not None and isinstance(member, discord.Member) and member.get_role(role_id):
            try:
                await member.remove_roles(discord.Object(id=role_id), reason="Left the exam cohort")
            except discord.HTTPException as exc:
                log.warning("could not remove cohort role %s in guild %s: %s", role_id, guild.id, exc)
        await reply(interaction, f"You're no longer listed in the {code} cohort.")


COHORT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (CohortJoinButton, CohortLeaveButton)


# --- resources ---------------------------------------------------------------------------------------


def resource_line(index: int, item: ResourceView) -> str:
    votes = f"👍 {item.votes}" + (" (yours)" if item.voted_by_me else "")
    where = f" · {item.exam_code}" if item.exam_code else " · any exam"
    domains = f" · domains {', '.join(item.domains)}" if item.domains else ""
    return (f"**{index}. {clip(item.title, 100)}** · {item.type_label}{where}{domains} · {votes}\n"
            f"<{item.url}>\n“{clip(item.why, 200)}” (shared by <@{item.added_by}>, #{item.id})")


def resources_embed(found: ResourceList) -> discord.Embed:
    scope = [found.exam_code or "every exam"]
    if found.domain:
        scope.append(found.domain)
    if found.resource_type:
        scope.append(found.resource_type.replace("_", " "))
    embed = discord.Embed(title=clip("Resources · " + " · ".join(scope), 256), colour=INFO)
    if not found.items:
        embed.description = ("Nothing shared here yet. If something helped you, add it with /resources add: the next "
                             "person will thank you.")
        return embed
    embed.description = clip("\n\n".join(resource_line(i, r) for i, r in enumerate(found.items, 1)),
                             DESCRIPTION_LIMIT)
    shown = len(found.items)
    footer = "Press a number if it helped you too (press again to take the vote back)."
    if found.total > shown:
        footer = f"The {shown} most helpful of {found.total}. " + footer
    embed.set_footer(text=footer)
    return embed


def resources_view(found: ResourceList) -> discord.ui.View | None:
    if not found.items:
        return None
    return view_of(VoteButton(item.id, f"👍 {i}") for i, item in enumerate(found.items, 1))


class VoteButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button], template=r"rb:res:vote:(?P<id>\d+)"):
    def __init__(self, resource_id: int, label: str = "👍") -> None:
        self.resource_id = resource_id
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"rb:res:vote:{resource_id}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> VoteButton:
        return cls(int(match["id"]), getattr(item, "label", None) or "👍")

    async def handle(self, interaction: discord.Interaction) -> None:
        result = await services(interaction).resources.vote(interaction.guild_id, interaction.user.id,
                                                            self.resource_id)
        if result.counted:
            text = f"Thanks: “{clip(result.title, 100)}” has {result.votes} helpful vote(s) now."
        else:
            text = f"Vote taken back: “{clip(result.title, 100)}” has {result.votes} helpful vote(s)."
        await reply(interaction, text)


RESOURCE_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (VoteButton,)


class AddResourceModal(ReboundModal, title="Share a resource"):
    name = discord.ui.TextInput(label="Title", placeholder="e.g. Professor Messer's SY0-701 course", min_length=3,
                                max_length=100)
    link = discord.ui.TextInput(label="Link (http or https)", placeholder="https://…", max_length=500)
    domains = discord.ui.TextInput(label="Domains it covers", placeholder="e.g. 2, 4 or Security "
                                   "Operations", required=False, max_length=200)
    why = discord.ui.TextInput(label="Why it helped you", style=discord.TextStyle.paragraph, min_length=10,
                               max_length=500, placeholder="What did it make click that nothing else did?")

    def __init__(self, resource_type: str, exam_code: str | None) -> None:
        super().__init__()
        self.resource_type, self.exam_code = resource_type, exam_code

    async def on_submit(self, interaction: discord.Interaction) -> None:
        added = await services(interaction).resources.add(
            interaction.guild_id, interaction.user.id, title=self.name.value, url=self.link.value,
            resource_type=self.resource_type, why=self.why.value, exam_code=self.exam_code,
            domains=self.domains.value or None,
        )
        await reply(interaction, f"Added to the library as #{added.id}. Thank you for sharing!\n"
                                 + resource_line(1, added).split("\n", 1)[1])


# --- /admin setup and /admin settings ------------------------------------------------------------------

PAGES = ("overview", "channels", "rules", "features")


def channel_report(guild: discord.Guild, settings: GuildSettings) -> tuple[list[str], bool]:
    """One line per channel role: which channel, and the permissions I lack there and why. (lines, all good)"""
    me = guild.me
    lines, ok = [], True
    for role, label in CHANNEL_ROLES.items():
        name = label.split(":", 1)[0]
        channel_id = settings.channel(role)
        channel = guild.get_channel(channel_id) if channel_id else None
        if channel_id is None:
            lines.append(f"**{name}**: not chosen yet")
            ok = False
            continue
        if channel is None:
            lines.append(f"**{name}**: <#{channel_id}> is gone (deleted?); pick another")
            ok = False
            continue
        missing = missing_permissions(role, granted(channel.permissions_for(me)))
        if missing:
            ok = False
            lines.append(f"**{name}**: <#{channel_id}> ⚠️ I'm missing:\n{need_lines(missing)}")
        else:
            lines.append(f"**{name}**: <#{channel_id}> ✓")
    return lines, ok


def settings_embed(guild: discord.Guild, settings: GuildSettings, page: str) -> discord.Embed:
    titles = {"overview": "Rebound settings", "channels": "Setup 1/3 · Channels",
              "rules": "Setup 2/3 · Time zone and rules", "features": "Setup 3/3 · Features"}
    embed = discord.Embed(title=titles[page], colour=INFO)
    lines, ok = channel_report(guild, settings)
    intro = {
        "overview": "Everything on one page; press a button to change it.",
        "channels": ("Pick the channel for each job (or let me create the missing ones). I check my permissions in "
                     "each and tell you what is missing and why."),
        "rules": ("The server's time zone (members can set their own), how many strong full mocks in a row say "
                  "“book it”, the margin above the pass mark, and how often study partners are paired."),
        "features": "Switch off what your server doesn't want. Then finish: I post the welcome panel.",
    }[page]
    embed.description = intro
    embed.add_field(name="Channels" + ("" if ok else " ⚠️"), value=clip("\n".join(lines), FIELD_LIMIT),
                    inline=False)
    rules = (f"Time zone: **{settings.timezone}**\n"
             f"Readiness: **{settings.readiness_required}** strong full mocks in a row, "
             f"**{settings.readiness_buffer:g}** points above the pass mark\n"
             f"Study partners: paired every **{settings.pairing_every_days}** days")
    embed.add_field(name="Time zone and rules", value=rules, inline=False)
    features = "\n".join(f"{'✅' if settings.enabled(k) else '▫️'} {label}" for k, label in FEATURES.items())
    embed.add_field(name="Features", value=clip(features, FIELD_LIMIT), inline=False)
    optional = [n for n in OPTIONAL_GUILD_NEEDS if not getattr(guild.me.guild_permissions, n.permission)]
    if optional:
        embed.add_field(name="Optional permissions I don't have", value=clip(need_lines(optional), FIELD_LIMIT),
                        inline=False)
    panel = (f"posted in <#{settings.welcome_channel_id}>" if settings.welcome_message_id and
             settings.welcome_channel_id else "not posted yet")
    embed.add_field(name="Welcome panel", value=panel, inline=False)
    return embed


class SetupView(ReboundView):
    """/admin setup and /admin settings: owner-only pages whose every choice is saved at once."""

    def __init__(self, owner_id: int, guild: discord.Guild, settings: GuildSettings, page: str) -> None:
        super().__init__(owner_id=owner_id, timeout=900)
        self.guild, self.settings, self.page = guild, settings, page
        builders = {"overview": self._overview, "channels": self._channels, "rules": self._rules,
                    "features": self._features}
        builders[page]()

    def embed(self) -> discord.Embed:
        return settings_embed(self.guild, self.settings, self.page)

    async def show(self, interaction: discord.Interaction, page: str | None = None) -> None:
        settings = await services(interaction).guild_settings.settings_for(self.guild.id)
        view = SetupView(self.owner_id or interaction.user.id, self.guild, settings, page or self.page)
        await update(interaction, embed=view.embed(), view=view)

    def _button(self, label: str, handler: Any, *, style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                row: int | None = None) -> None:
        button: discord.ui.Button = discord.ui.Button(label=label, style=style, row=row)
        button.callback = handler  # type: ignore[method-assign]
        self.add_item(button)

    def _go(self, page: str) -> Any:
        async def go(interaction: discord.Interaction) -> None:
            await self.show(interaction, page)
        return go

    # pages ------------------------------------------------------------------------------------
    def _overview(self) -> None:
        self._button("Channels", self._go("channels"), row=0)
        self._button("Time zone and rules", self._go("rules"), row=0)
        self._button("Features", self._go("features"), row=0)
        self._button("Post the welcome panel", self._finish, style=discord.ButtonStyle.success, row=1)

    def _channels(self) -> None:
        for row, (role, label) in enumerate(CHANNEL_ROLES.items()):
            self.add_item(RoleChannelSelect(role, label, self.settings.channel(role), row=row))
        self._button("Create missing channels", self._create_missing, row=4)
        self._button("Next: time zone and rules", self._go("rules"), style=discord.ButtonStyle.primary, row=4)

    def _rules(self) -> None:
        zones = list(dict.fromkeys([self.settings.timezone, *POPULAR]))[:SELECT_OPTIONS_MAX]
        self.add_item(ValueSelect("timezone", "Server time zone", [(z, z) for z in zones], self.settings.timezone,
                                  row=0))
        self.add_item(ValueSelect("required", "Strong full mocks in a row",
                                  [(str(n), f"{n} mocks in a row") for n in (2, 3)],
                                  str(self.settings.readiness_required), row=1))
        self.add_item(ValueSelect("buffer", "Points above the pass mark",
                                  [(str(n), f"{n} points above the pass mark") for n in range(10, 16)],
                                  f"{self.settings.readiness_buffer:g}", row=2))
        self.add_item(ValueSelect("pairing", "Pair study partners every …",
                                  [(str(n), f"every {n} days") for n in PAIRING_CHOICES],
                                  str(self.settings.pairing_every_days), row=3))
        self._button("Other time zone…", self._other_zone, row=4)
        self._button("Back: channels", self._go("channels"), row=4)
        self._button("Next: features", self._go("features"), style=discord.ButtonStyle.primary, row=4)

    def _features(self) -> None:
        self.add_item(FeatureSelect(self.settings.enabled_features))
        self._button("Back: time zone and rules", self._go("rules"), row=1)
        self._button("Finish: post the welcome panel", self._finish, style=discord.ButtonStyle.success, row=1)

    # actions ----------------------------------------------------------------------------------
    async def _other_zone(self, interaction: discord.Interaction) -> None:
        await open_modal(interaction, ServerZoneModal(self))

    async def _create_missing(self, interaction: discord.Interaction) -> None:
        guild = self.guild
        wanted = [role for role in CHANNEL_ROLES if self.settings.channel(role) is None
                  or guild.get_channel(self.settings.channel(role) or 0) is None]
        if not wanted:
            raise InvalidInput("Every channel is chosen already; pick another in the menus to change one.")
        existing = {c.name: c for c in guild.text_channels}
        to_create = [r for r in wanted if DEFAULT_CHANNEL_NAMES[r] not in existing]
        if to_create and not guild.me.guild_permissions.manage_channels:
            names = ", ".join(f"#{DEFAULT_CHANNEL_NAMES[r]}" for r in to_create)
            raise NotAllowed(
                f"I can't create {names}: I don't have the **Manage Channels** permission on this server.",
                hint="Pick existing channels in the menus instead, or grant Manage Channels and press this again.",
            )
        gs = services(interaction).guild_settings
        floor = attempt_floor(interaction.id)
        for role in wanted:
            name = DEFAULT_CHANNEL_NAMES[role]
            channel = existing.get(name)
            channel_id = channel.id if channel is not None else await create_text_channel_once(
                interaction.client.http, guild, name, reason="Rebound setup", floor=floor)
            await gs.set_channel(guild.id, interaction.user.id, can_manage=can_manage(interaction), role=role,
                                 channel_id=channel_id)
        await self.show(interaction)

    async def _finish(self, interaction: discord.Interaction) -> None:
        await post_welcome_panel(interaction, self.guild)
        await self.show(interaction, "overview")


async def post_welcome_panel(interaction: discord.Interaction, guild: discord.Guild) -> int:
    """Post the panel in the welcome channel (or refresh the one already there); returns its message id."""
    gs = services(interaction).guild_settings
    if not can_manage(interaction):
        raise NotAllowed("Only members with the Manage Server permission can post the welcome panel.")
    settings = await gs.settings_for(guild.id)
    if settings.welcome_channel_id is None:
        raise InvalidInput("Choose the welcome channel first (Channels), then post the panel.")
    channel = guild.get_channel(settings.welcome_channel_id)
    if not isinstance(channel, discord.TextChannel):
        raise InvalidInput(f"The welcome channel <#{settings.welcome_channel_id}> is gone; pick another.")
    missing = missing_permissions("welcome", granted(channel.permissions_for(guild.me)))
    if missing:
        raise NotAllowed(f"I can't post the welcome panel in {channel.mention} yet. I'm missing:\n"
                         f"{need_lines(missing)}",
                         hint="Grant these to Rebound's role in that channel, then press this again.")
    message = None
    if settings.welcome_message_id and settings.welcome_channel_id == channel.id:
        try:
            message = await channel.fetch_message(settings.welcome_message_id)
            await message.edit(embed=welcome_panel_embed(), view=welcome_panel_view())
        except discord.NotFound:
            message = None
    if message is None:
        message = await channel.send(embed=welcome_panel_embed(), view=welcome_panel_view(),
                                     allowed_mentions=NO_PINGS)
    await gs.record_welcome_panel(guild.id, interaction.user.id, can_manage=True, channel_id=channel.id,
                                  message_id=message.id)
    return message.id


class RoleChannelSelect(discord.ui.ChannelSelect):
    def __init__(self, role: str, label: str, current: int | None, *, row: int) -> None:
        defaults = [discord.Object(id=current)] if current else []
        super().__init__(placeholder=clip(label, 150), channel_types=[discord.ChannelType.text], min_values=1,
                         max_values=1, default_values=defaults, row=row)
        self.role = role

    async def callback(self, interaction: discord.Interaction) -> None:
        view: SetupView = self.view  # type: ignore[assignment]
        chosen = self.values[0]
        await services(interaction).guild_settings.set_channel(
            view.guild.id, interaction.user.id, can_manage=can_manage(interaction), role=self.role,
            channel_id=chosen.id)
        await view.show(interaction)


class ValueSelect(discord.ui.Select):
    def __init__(self, key: str, placeholder: str, options: list[tuple[str, str]], current: str, *, row: int) -> None:
        super().__init__(placeholder=placeholder, row=row, options=[
            discord.SelectOption(label=clip(label, 100), value=value, default=value == current)
            for value, label in options])
        self.key = key

    async def callback(self, interaction: discord.Interaction) -> None:
        view: SetupView = self.view  # type: ignore[assignment]
        gs = services(interaction).guild_settings
        value, guild_id, user_id, manage = self.values[0], view.guild.id, interaction.user.id, can_manage(interaction)
        if self.key == "timezone":
            await gs.set_timezone(guild_id, user_id, can_manage=manage, typed=value)
        elif self.key == "required":
            await gs.set_readiness(guild_id, user_id, can_manage=manage, required=int(value))
        elif self.key == "buffer":
            await gs.set_readiness(guild_id, user_id, can_manage=manage, buffer=float(value))
        else:
            await gs.set_pairing(guild_id, user_id, can_manage=manage, every_days=int(value))
        await view.show(interaction)


class FeatureSelect(discord.ui.Select):
    def __init__(self, enabled: frozenset[str]) -> None:
        super().__init__(placeholder="Features that are on", min_values=0, max_values=len(FEATURES), row=0, options=[
            discord.SelectOption(label=clip(label, 100), value=key, default=key in enabled)
            for key, label in FEATURES.items()])

    async def callback(self, interaction: discord.Interaction) -> None:
        view: SetupView = self.view  # type: ignore[assignment]
        await services(interaction).guild_settings.set_features(
            view.guild.id, interaction.user.id, can_manage=can_manage(interaction), enabled=self.values)
        await view.show(interaction)


class ServerZoneModal(ReboundModal, title="Server time zone"):
    def __init__(self, view: SetupView) -> None:
        super().__init__()
        self.view = view
        self.zone = discord.ui.TextInput(label="IANA time zone", default=view.settings.timezone, max_length=60,
                                         placeholder="Europe/Berlin, America/New_York, Asia/Kolkata …")
        self.add_item(self.zone)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await services(interaction).guild_settings.set_timezone(
            self.view.guild.id, interaction.user.id, can_manage=can_manage(interaction), typed=self.zone.value)
        await self.view.show(interaction)
