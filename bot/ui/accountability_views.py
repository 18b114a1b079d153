"""Buttons of the accountability feature that keep working after a restart.

Each is a ``DynamicItem``: its state lives in the custom id (and the database), so a button in a DM
sent days ago by a previous process still answers.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.services.reminders import ButtonSpec
from bot.ui.exam_views import attempt_embed
from bot.ui.items import SafeDynamicItem
from bot.ui.respond import reply

_STYLES = {"primary": discord.ButtonStyle.primary, "secondary": discord.ButtonStyle.secondary,
           "success": discord.ButtonStyle.success}


def _button(spec_label: str, custom_id: str, style: str = "primary") -> discord.ui.Button:
    return discord.ui.Button(label=spec_label, custom_id=custom_id, style=_STYLES.get(style, _STYLES["primary"]))


_Dynamic = discord.ui.DynamicItem[discord.ui.Button]


class _SpecButton(SafeDynamicItem):
    """Shared construction from a custom id, mixed into each ``DynamicItem`` below (which sets ``template``).

    ``SafeDynamicItem`` turns a refusal (say, someone outside the pair pressing "did you connect?") into the
    usual private reply; a plain ``DynamicItem`` would only log it and leave "This interaction failed"."""

    def __init__(self, custom_id: str, label: str = "…", style: str = "primary") -> None:
        super().__init__(_button(label, custom_id, style))
        self.custom = custom_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> Any:
        return cls(item.custom_id or "", item.label or "…")

    def ids(self) -> list[int]:
        match = self.__class__.__discord_ui_compiled_template__.fullmatch(self.custom)  # type: ignore[attr-defined]
        return [int(x) for x in match.groups()] if match else []


class EncourageButton(_SpecButton, _Dynamic, template=r"rebound:encourage:(\d+):(\d+)"):
    async def handle(self, interaction: discord.Interaction) -> None:
        guild_id, quiet_id = self.ids()
        text = await interaction.client.services.partners.encourage(guild_id, interaction.user.id, quiet_id)
        interaction.client.alarm.wake_soon()
        await reply(interaction, text)


class ConnectButton(_SpecButton, _Dynamic, template=r"rebound:connect:(\d+):([01])"):
    async def handle(self, interaction: discord.Interaction) -> None:
        group_id, yes = self.ids()
        text = await interaction.client.services.partners.answer_connect(group_id, interaction.user.id, bool(yes))
        await reply(interaction, text)


class SessionButton(_SpecButton, _Dynamic, template=r"rebound:session:(\d+):(\d+):([01])"):
    async def handle(self, interaction: discord.Interaction) -> None:
        guild_id, session_id, yes = self.ids()
        text = await interaction.client.services.reminders.answer_session(
            guild_id, interaction.user.id, session_id, bool(yes))
        await reply(interaction, text)


class OutcomeButton(_SpecButton, _Dynamic, template=r"rebound:outcome:(\d+):([01])"):
    async def handle(self, interaction: discord.Interaction) -> None:
        guild_id, passed = self.ids()
        services = interaction.client.services
        text = services.countdown.outcome_text(bool(passed))
        booked = await services.exams.booked(guild_id, interaction.user.id)
        if booked is None:  # already recorded (or the booking was changed): just the words
            await reply(interaction, text)
            return
        # The booked attempt is recorded for them: a pass shows on the board, a fail restarts the retake flow
        # with the new eligible date (the score report is entered in the server, where the forms live).
        recorded = await services.exams.record_attempt(guild_id, interaction.user.id,
                                                       booked.booked_date.isoformat(), bool(passed))
        await services.board.touch(guild_id)
        if not recorded.passed:
            text += "\nWhen you feel like it, enter the score report with /report enter in the server."
        await reply(interaction, text, embed=attempt_embed(recorded))


DYNAMIC_ITEMS = (EncourageButton, ConnectButton, SessionButton, OutcomeButton)


def view_for(buttons: tuple[ButtonSpec, ...]) -> discord.ui.View | None:
    """A view holding the persistent buttons named by ``buttons`` (None when there are none)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for spec in buttons:
        for cls in DYNAMIC_ITEMS:
            if cls.__discord_ui_compiled_template__.fullmatch(spec.custom_id):  # type: ignore[attr-defined]
                view.add_item(cls(spec.custom_id, spec.label, spec.style))
                break
        else:
            raise ValueError(f"no button handles {spec.custom_id!r}")
    return view


def with_notice(text: str, notice: str | None) -> str:
    """The reply's text with the note about reminders Discord refused to deliver, when there is one."""
    return f"{text}\n\n{notice}" if notice else text


async def reply_with_notice(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    """Reply, adding once any note about reminders Discord refused to deliver (closed DMs)."""
    if interaction.guild_id is not None:
        notice = await interaction.client.services.reminders.take_notice(interaction.guild_id, interaction.user.id)
        text = with_notice(text, notice)
    await reply(interaction, text, **kwargs)
