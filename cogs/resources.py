"""/resources list|add|remove: the library of what helped members, ranked by helpful votes."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.domain.resource_types import RESOURCE_TYPES
from bot.ui.community_views import RESOURCE_ITEMS, AddResourceModal, can_moderate, resources_embed, resources_view
from bot.ui.exam_views import exam_code_choices
from bot.ui.respond import open_modal, reply

TYPE_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in RESOURCE_TYPES.items()]


@app_commands.guild_only()
class Resources(commands.GroupCog, group_name="resources", group_description="What helped other members"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.resources
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*RESOURCE_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*RESOURCE_ITEMS)

    @app_commands.command(name="list", description="Resources members recommend, most helpful first")
    @app_commands.describe(exam="Exam code (default: yours; 'any' for every exam)", domain="Only this domain",
                           kind="Only this kind of resource")
    @app_commands.rename(kind="type")
    @app_commands.autocomplete(exam=exam_code_choices)
    @app_commands.choices(kind=TYPE_CHOICES)
    async def list_resources(self, interaction: discord.Interaction, exam: str | None = None,
                             domain: str | None = None, kind: str | None = None) -> None:
        found = await self.service.browse(interaction.guild_id, interaction.user.id, exam_code=exam, domain=domain,
                                          resource_type=kind)
        await reply(interaction, embed=resources_embed(found), view=resources_view(found))

    @app_commands.command(name="add", description="Share a resource that helped you")
    @app_commands.describe(kind="What kind of resource it is", exam="The exam it helps with (leave out if any)")
    @app_commands.rename(kind="type")
    @app_commands.autocomplete(exam=exam_code_choices)
    @app_commands.choices(kind=TYPE_CHOICES)
    async def add(self, interaction: discord.Interaction, kind: str, exam: str | None = None) -> None:
        await open_modal(interaction, AddResourceModal(kind, exam))

    @app_commands.command(name="remove", description="Take a resource out of the library (moderators or its sharer)")
    @app_commands.describe(number="The resource's number (#12 in /resources list)", reason="Why (optional)")
    async def remove(self, interaction: discord.Interaction, number: app_commands.Range[int, 1],
                     reason: str | None = None) -> None:
        removed = await self.service.remove(interaction.guild_id, interaction.user.id, number,
                                            can_moderate=can_moderate(interaction), reason=reason)
        await reply(interaction, f"Removed #{removed.id} “{removed.title}” from the library.")


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(Resources(bot))
