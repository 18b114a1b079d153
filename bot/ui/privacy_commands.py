"""``/privacy export`` and ``/privacy delete``: a member's copy of their data, and deleting it.

The ``/privacy`` group lives in ``cogs/privacy.py``; ``attach`` adds these two subcommands to it, and
``register_purge`` puts the daily purge of departed servers on the delivery ledger::

    from bot.ui.privacy_commands import attach, register_purge
    attach(self, bot, service)            # in the cog's __init__, before super().__init__()
    await register_purge(bot, service)    # in the cog's cog_load

Both replies are private. Deleting asks first, with buttons only the member who asked can press; they
work for two minutes, across restarts.
"""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot.clock import Clock, to_epoch
from bot.scheduling.dispatcher import Outcome
from bot.services.privacy import PURGE_KIND, PrivacyService
from bot.ui.items import SafeDynamicItem, view_of
from bot.ui.respond import defer, reply, update

log = logging.getLogger(__name__)

EXPORT_READY = (
    "Here is everything Rebound stores about you on this server, as a JSON file. Only you can see this message. "
    "Each table says what it is kept for."
)
EXPORT_EMPTY = "Rebound stores nothing about you on this server."
CONFIRM_DELETE = (
    "**Delete everything Rebound stores about you on this server?**\n"
    "Your exams and attempts, score reports, practice and mock history, check-ins and streak, reminders, "
    "partner pool place and settings go, and can't be brought back. Things you made for the server "
    "(shared resources aside) stay without your name. A study partner is told, kindly and without a reason, "
    "that you've stepped out. You can start fresh any time."
)
DELETED = (
    "Done. Everything Rebound stored about you on this server is deleted. "
    "If you use Rebound here again, it starts from a clean page."
)
KEPT = "Nothing was deleted. Your data stays as it was."
EXPIRED = ("This confirmation has expired, so nothing was deleted. "
           "Run /privacy delete again if you still want to.")
NOT_YOURS = "These buttons belong to someone else's request."
YES_LABEL = "Yes, delete everything"
NO_LABEL = "Keep my data"


def export_file(document: dict[str, Any], guild_id: int, user_id: int) -> discord.File:
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=f"rebound-data-{guild_id}-{user_id}.json")


async def export_command(interaction: discord.Interaction, privacy: PrivacyService) -> None:
    """Send the member a private JSON file of everything stored about them in this server."""
    guild_id, user_id = int(interaction.guild_id or 0), interaction.user.id
    await defer(interaction)
    document = await privacy.export(guild_id, user_id)
    if not document["tables"]:
        await reply(interaction, EXPORT_EMPTY)
        return
    await reply(interaction, EXPORT_READY, file=export_file(document, guild_id, user_id))


#: How long the confirmation buttons work; the deadline is in their custom_id, so it holds across restarts.
CONFIRM_SECONDS = 120


class DeleteChoice(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                   template=r"rb:privacy:delete:(?P<choice>yes|no):(?P<user>\d+):(?P<until>\d+)"):
    """"Yes, delete everything" or "Keep my data": only the member who asked, only until the deadline."""

    def __init__(self, choice: str, user_id: int, until: int) -> None:
        self.choice, self.user_id, self.until = choice, user_id, until
        label, style = ((YES_LABEL, discord.ButtonStyle.danger) if choice == "yes"
                        else (NO_LABEL, discord.ButtonStyle.secondary))
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=f"rb:privacy:delete:{choice}:{user_id}:{until}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> DeleteChoice:
        return cls(match["choice"], int(match["user"]), int(match["until"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await reply(interaction, NOT_YOURS)
            return
        bot: Any = interaction.client
        if to_epoch(bot.clock.now()) > self.until:
            await update(interaction, content=EXPIRED, view=None)
            return
        if self.choice != "yes":
            await update(interaction, content=KEPT, view=None)
            return
        guild_id = int(interaction.guild_id or 0)
        summary = await bot.services.privacy.delete(guild_id, self.user_id)
        log.info("member data deleted on request (guild=%s, %d rows, %d anonymised, %d partner(s) told)",
                 guild_id, summary.rows_deleted, summary.rows_anonymised, len(summary.partners_told))
        bot.alarm.wake_soon()  # a partner's note and the board's redraw are due now
        await update(interaction, content=DELETED, view=None)


def confirm_delete_view(user_id: int, now: datetime) -> discord.ui.View:
    until = to_epoch(now) + CONFIRM_SECONDS
    return view_of([DeleteChoice("yes", user_id, until), DeleteChoice("no", user_id, until)])


async def delete_command(interaction: discord.Interaction, clock: Clock) -> None:
    """Ask the member to confirm; the deletion happens when they press the button."""
    await reply(interaction, CONFIRM_DELETE, view=confirm_delete_view(interaction.user.id, clock.now()))


def commands_for(bot: Any, privacy: PrivacyService) -> list[app_commands.Command[Any, ..., Any]]:
    """The two subcommands, ready to add to the ``/privacy`` group."""

    @app_commands.command(name="export", description="Download everything Rebound stores about you here")
    @app_commands.guild_only()
    async def export(interaction: discord.Interaction) -> None:
        await export_command(interaction, privacy)

    @app_commands.command(name="delete", description="Delete everything Rebound stores about you here")
    @app_commands.guild_only()
    async def delete(interaction: discord.Interaction) -> None:
        await delete_command(interaction, bot.clock)

    return [export, delete]


def attach(group: app_commands.Group, bot: Any, privacy: PrivacyService) -> None:
    """Add ``export`` and ``delete`` to the ``/privacy`` group (a ``GroupCog`` instance or a plain group)."""
    target = getattr(group, "app_command", None) or group
    bot.add_dynamic_items(DeleteChoice)
    for command in commands_for(bot, privacy):
        target.add_command(command, override=True)


async def register_purge(bot: Any, privacy: PrivacyService) -> None:
    """Deliver the daily purge of departed servers through the ledger, and make sure the next one is queued."""

    async def purge(delivery: Any) -> Outcome:
        summary = await privacy.run_scheduled_purge(delivery)
        if summary.guilds:
            log.info("deleted the data of %d server(s) the bot left over %d days ago (%d rows)",
                     len(summary.guilds), privacy.grace_days, summary.rows_deleted)
        return Outcome.sent()

    if PURGE_KIND not in bot.dispatcher.kinds:
        bot.dispatcher.register(PURGE_KIND, purge)
    await privacy.schedule_purge()
