"""/bank import|export|list and /question propose|review: a server's own question banks."""

from __future__ import annotations

import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.domain.banks import LIMITS, BankError
from bot.services.banks import ProposalView
from bot.ui.errors import ReboundModal
from bot.ui.items import SafeDynamicItem, can_manage, view_of
from bot.ui.practice_views import FIELD_LIMIT, INFO_COLOUR, clip, option_lines
from bot.ui.respond import defer, open_modal, reply, update

NEEDS_MANAGE = "Only members with the Manage Server permission can do that."


def _require_manage(interaction: discord.Interaction) -> None:
    if not can_manage(interaction):
        raise app_commands.MissingPermissions(["manage_guild"])


def proposal_embed(view: ProposalView) -> discord.Embed:
    embed = discord.Embed(title=f"Proposed question · {view.exam_code} · domain {view.domain}", colour=INFO_COLOUR)
    embed.description = view.stem
    embed.add_field(name="Options", value=clip(option_lines(view.options), FIELD_LIMIT), inline=False)
    embed.add_field(name="Answer", value=", ".join(a.upper() for a in view.answer), inline=True)
    embed.add_field(name="Proposed by", value=f"<@{view.author_id}>", inline=True)
    embed.add_field(name="Explanation", value=clip(view.explanation, FIELD_LIMIT), inline=False)
    embed.set_footer(text=f"id {view.question_id} · {view.waiting} waiting for review")
    return embed


class ProposalModal(ReboundModal):
    """The five fields of a question; also used, pre-filled, when a moderator edits a proposal."""

    def __init__(self, *, title: str, custom_id: str, defaults: ProposalView | None = None) -> None:
        super().__init__(title=title, custom_id=custom_id)
        d = defaults
        self.domain = discord.ui.TextInput(label="Domain (number or name)", max_length=60,
                                           default=d.domain if d else None, placeholder="e.g. 2 or Threats")
        self.stem = discord.ui.TextInput(label="Question", style=discord.TextStyle.paragraph,
                                         max_length=LIMITS.stem, default=d.stem if d else None)
        self.options_text = discord.ui.TextInput(
            label="Options, one per line (2 to 6)", style=discord.TextStyle.paragraph, max_length=700,
            default="\n".join(t for _, t in d.options) if d else None, placeholder="Vishing\nSmishing\nWhaling",
        )
        self.answer_text = discord.ui.TextInput(label="Right answer letter(s), e.g. A or A,C", max_length=12,
                                                default=",".join(a.upper() for a in d.answer) if d else None)
        self.explanation = discord.ui.TextInput(label="Why it is right", style=discord.TextStyle.paragraph,
                                                max_length=LIMITS.explanation, default=d.explanation if d else None)
        for item in (self.domain, self.stem, self.options_text, self.answer_text, self.explanation):
            self.add_item(item)

    def fields(self) -> dict[str, str]:
        return {"domain": self.domain.value, "stem": self.stem.value, "options_text": self.options_text.value,
                "answer_text": self.answer_text.value, "explanation": self.explanation.value}


class ProposeModal(ProposalModal):
    def __init__(self, exam: str | None) -> None:
        super().__init__(title="Propose a question", custom_id="rb:qp")
        self.exam = exam

    async def on_submit(self, interaction: discord.Interaction) -> None:
        service = interaction.client.services.banks  # type: ignore[attr-defined]
        view = await service.propose(interaction.guild_id, interaction.user.id, exam_code=self.exam, **self.fields())
        await reply(interaction, f"Thank you! Your question **{view.question_id}** is waiting for a moderator's "
                                 "review. You'll find it in practice once it's approved.")


class EditModal(ProposalModal):
    def __init__(self, view: ProposalView) -> None:
        super().__init__(title="Edit, then approve", custom_id=f"rb:qe:{view.id}", defaults=view)
        self.proposal_id = view.id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        _require_manage(interaction)
        service = interaction.client.services.banks  # type: ignore[attr-defined]
        view = await service.approve(interaction.guild_id, interaction.user.id, self.proposal_id, can_manage=True,
                                     edits=self.fields())
        await reply(interaction, f"Edited and approved **{view.question_id}**; it's in the server bank now. "
                                 f"{view.waiting} waiting for review.")


class ReviewButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                   template=r"rb:qr:(?P<proposal>\d+):(?P<action>approve|edit|reject)"):
    _STYLE = {"approve": discord.ButtonStyle.success, "edit": discord.ButtonStyle.secondary,
              "reject": discord.ButtonStyle.danger}

    def __init__(self, proposal_id: int, action: str) -> None:
        self.proposal_id, self.action = proposal_id, action
        super().__init__(discord.ui.Button(label=action.capitalize(), style=self._STYLE[action],
                                           custom_id=f"rb:qr:{proposal_id}:{action}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ReviewButton:
        return cls(int(match["proposal"]), match["action"])

    async def handle(self, interaction: discord.Interaction) -> None:
        service = interaction.client.services.banks  # type: ignore[attr-defined]
        manage = can_manage(interaction)
        if self.action == "edit":
            view = await service.proposal(interaction.guild_id, self.proposal_id, can_manage=manage)
            if view.status != "pending":
                await reply(interaction, f"This proposal was already {view.status}.")
                return
            await open_modal(interaction, EditModal(view))
            return
        if self.action == "approve":
            view = await service.approve(interaction.guild_id, interaction.user.id, self.proposal_id,
                                         can_manage=manage)
            text = f"Approved **{view.question_id}**; it's in the server bank now."
        else:
            view = await service.reject(interaction.guild_id, interaction.user.id, self.proposal_id,
                                        can_manage=manage)
            text = f"Rejected **{view.question_id}**."
        await update(interaction, content=f"{text} {view.waiting} waiting for review; run /question review for the "
                                          "next.", embed=proposal_embed(view), view=None)


@app_commands.guild_only()
class Bank(commands.GroupCog, group_name="bank", group_description="This server's question banks"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.banks
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)

    @app_commands.command(name="import", description="Import a question bank file (YAML) for this server")
    @app_commands.describe(file="A .yaml bank file; see /bank export for the format")
    @app_commands.default_permissions(manage_guild=True)
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        _require_manage(interaction)
        if file.size > LIMITS.document_bytes:
            await reply(interaction, f"{file.filename} is {file.size:,} bytes; a bank file can be at most "
                                     f"{LIMITS.document_bytes:,}. Split it into one file per exam.")
            return
        await defer(interaction)
        data = await file.read()
        try:
            result = await self.service.import_bank(interaction.guild_id, interaction.user.id, file.filename, data,
                                                    can_manage=True)
        except BankError as exc:
            report = discord.File(io.BytesIO("\n".join(exc.errors).encode("utf-8")), filename="bank-problems.txt")
            await reply(interaction, f"Nothing was imported. {exc.message}\nThe full list is attached.", file=report)
            return
        await reply(interaction, f"Imported **{result.title}** for {result.exam_code}: {result.added} new, "
                                 f"{result.updated} updated; this server now has {result.total} question(s) of its "
                                 "own for this exam.")

    @app_commands.command(name="export", description="Download an exam's bank (this server's questions included)")
    @app_commands.describe(exam="Exam code, e.g. SY0-701")
    async def export(self, interaction: discord.Interaction, exam: str) -> None:
        result = await self.service.export_bank(interaction.guild_id, exam)
        file = discord.File(io.BytesIO(result.text.encode("utf-8")), filename=result.filename)
        await reply(interaction, f"The {result.exam_code} bank: {result.question_count} question(s).", file=file)

    @app_commands.command(name="list", description="The question banks available in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        banks = await self.service.list_banks(interaction.guild_id)
        lines = [f"**{b.exam_code}** {b.exam_name}: {b.shipped} shipped"
                 + (f" + {b.server} from this server" if b.server else "") for b in banks]
        await reply(interaction, "\n".join(lines) or "No question banks yet.")


@app_commands.guild_only()
class Question(commands.GroupCog, group_name="question", group_description="Propose and review questions"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.banks
        super().__init__()

    @app_commands.command(name="propose", description="Write a question for this server's bank")
    @app_commands.describe(exam="Exam code (default: the exam you're preparing for)")
    async def propose(self, interaction: discord.Interaction, exam: str | None = None) -> None:
        await open_modal(interaction, ProposeModal(exam))

    @app_commands.command(name="review", description="Review proposed questions (moderators)")
    @app_commands.default_permissions(manage_guild=True)
    async def review(self, interaction: discord.Interaction) -> None:
        _require_manage(interaction)
        view = await self.service.next_pending(interaction.guild_id, can_manage=True)
        if view is None:
            await reply(interaction, "No questions are waiting for review. Thank you for keeping up!")
            return
        buttons = [ReviewButton(view.id, action) for action in ("approve", "edit", "reject")]
        await reply(interaction, embed=proposal_embed(view), view=view_of(buttons))


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Bank(bot))
    await bot.add_cog(Question(bot))
