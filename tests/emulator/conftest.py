"""A tiny plain discord.py bot and fixtures that run it against the emulator."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.emulator import Emulator, RateLimits

TIMEZONES = ["Europe/Berlin", "Europe/Bern", "Europe/Brussels", "America/New_York", "Asia/Tokyo"]


class Feedback(discord.ui.Modal, title="How did the exam go?"):
    score = discord.ui.TextInput(label="Score", custom_id="score", max_length=4)
    notes = discord.ui.TextInput(label="Notes", custom_id="notes", style=discord.TextStyle.long, required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Saved score {self.score.value} ({self.notes.value or 'no notes'})", ephemeral=True
        )


class Panel(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Start", custom_id="panel:start", style=discord.ButtonStyle.primary)
    async def start(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Session started", view=self)

    @discord.ui.button(label="Stop", custom_id="panel:stop", style=discord.ButtonStyle.danger)
    async def stop_button(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Session stopped", view=None)

    @discord.ui.button(label="Rate", custom_id="panel:rate")
    async def rate(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(Feedback())

    @discord.ui.select(
        custom_id="panel:topic",
        placeholder="Pick a topic",
        options=[
            discord.SelectOption(label="Networking", value="net"),
            discord.SelectOption(label="Security", value="sec"),
        ],
    )
    async def topic(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"Topic: {select.values[0]}", ephemeral=True)


class Settings(app_commands.Group):
    def __init__(self, bot: TinyBot) -> None:
        super().__init__(name="settings", description="Your settings")
        self.bot = bot

    @app_commands.command(name="timezone", description="Set your time zone")
    async def timezone(self, interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"Time zone set to {name}", ephemeral=True)

    @timezone.autocomplete("name")
    async def timezone_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in TIMEZONES if z.startswith(current)][:25]


class TinyBot(commands.Bot):
    """A handful of commands covering every kind of round trip the emulator supports."""

    def __init__(self, emu: Emulator, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.01, **options)
        self.emu = emu
        self.errors: list[BaseException] = []
        self.events: list[tuple[str, Any]] = []
        self.gate = asyncio.Event()
        self.raw_callback: dict[str, Any] = {}
        self.tree.on_error = self._on_tree_error
        self._register()

    async def setup_hook(self) -> None:
        self.tree.add_command(Settings(self))
        await self.tree.sync()

    async def _on_tree_error(self, interaction: discord.Interaction, error: Exception) -> None:
        self.errors.append(getattr(error, "original", error))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.events.append(("guild_join", guild.id))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.events.append(("guild_remove", guild.id))

    async def on_member_join(self, member: discord.Member) -> None:
        self.events.append(("member_join", member.id))

    async def on_member_remove(self, member: discord.Member) -> None:
        self.events.append(("member_remove", member.id))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self.events.append(("channel_delete", channel.id))

    def _register(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="Check the bot is alive")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(name="checkin", description="Log study minutes")
        @app_commands.describe(minutes="How long you studied")
        async def checkin(
            interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 600], note: str | None = None
        ) -> None:
            embed = discord.Embed(title="Check-in", description=f"{minutes} minutes")
            embed.add_field(name="Note", value=note or "none")
            embed.set_footer(text="Keep going")
            await interaction.response.send_message(embed=embed, allowed_mentions=discord.AllowedMentions.none())

        @tree.command(name="slow", description="A slow report")
        async def slow(interaction: discord.Interaction, private: bool = False) -> None:
            await interaction.response.defer(ephemeral=private, thinking=True)
            await interaction.followup.send("Report ready")
            await interaction.followup.send("And one more thing")

        @tree.command(name="panel", description="Open the study panel")
        async def panel(interaction: discord.Interaction, private: bool = False) -> None:
            await interaction.response.send_message("Study panel", view=Panel(), ephemeral=private)

        @tree.command(name="feedback", description="Tell us how it went")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Feedback())

        @tree.command(name="remindme", description="Get a DM")
        async def remindme(interaction: discord.Interaction) -> None:
            try:
                await interaction.user.send(
                    f"Hello {interaction.user.mention}, time to study!", allowed_mentions=discord.AllowedMentions.none()
                )
            except discord.Forbidden as error:
                await interaction.response.send_message(f"Your DMs are closed ({error.code})", ephemeral=True)
                return
            await interaction.response.send_message("Sent you a DM", ephemeral=True)

        @tree.command(name="upload", description="Upload a question bank")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            echo = discord.File(fp=io.BytesIO(data.upper()), filename="echo.txt")
            await interaction.response.send_message(f"{file.filename}: {len(data)} bytes", file=echo)

        @tree.command(name="say", description="Say something")
        async def say(interaction: discord.Interaction, text: str, repeat: int = 1) -> None:
            await interaction.response.send_message(text * repeat)

        @tree.command(name="late", description="Answer after the deadline")
        async def late(interaction: discord.Interaction) -> None:
            self.emu.advance_time(3.1)
            await interaction.response.send_message("too late")

        @tree.command(name="twice", description="Acknowledge twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            await self.http.request(
                discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token),
                json={"type": 4, "data": {"content": "second"}},
            )

        @tree.command(name="raw", description="Answer with the callback body the test prepared")
        async def raw(interaction: discord.Interaction) -> None:
            route = discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token)
            try:
                await self.http.request(route, json=self.raw_callback)
            except discord.HTTPException as error:
                self.errors.append(error)
                await interaction.response.send_message("rejected")

        @tree.command(name="wait", description="Wait for the test to let go, then follow up")
        async def wait(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await self.gate.wait()
            try:
                await interaction.followup.send("after the wait")
            except discord.HTTPException as error:
                self.errors.append(error)

        @tree.command(name="embeds", description="Send many embeds")
        async def embeds(interaction: discord.Interaction, count: int, title_length: int = 5) -> None:
            items = [discord.Embed(title="t" * title_length) for _ in range(count)]
            await interaction.response.send_message(embeds=items)

        @tree.command(name="rows", description="Send many rows of buttons")
        async def rows(interaction: discord.Interaction, count: int) -> None:
            view = discord.ui.View()
            for index in range(count):
                view.add_item(discord.ui.Button(label=f"B{index}", custom_id=f"b{index}"))
            await interaction.response.send_message("rows", view=view)

        @tree.command(name="announce", description="Post in a channel")
        async def announce(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
            try:
                await channel.send(text)
            except discord.HTTPException as error:
                await interaction.response.send_message(f"failed: {error.code}", ephemeral=True)
                return
            await interaction.response.send_message("posted", ephemeral=True)


@pytest.fixture
async def emu():
    emulator = Emulator(rate_limits=RateLimits.disabled())
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def running(emu):
    """The emulator with one guild and the tiny bot logged in; yields (emu, bot, guild)."""
    guild = emu.add_guild("Study Hall", owner="owner")
    bot = TinyBot(emu)
    task = await emu.start_bot(bot)
    try:
        yield emu, bot, guild
    finally:
        await emu.stop_bot(bot, task)
    assert emu.unknown_routes == [], emu.unknown_routes
