"""/board setup|digest: the public progress board the bot keeps editing, its window buttons, its refresh
and weekly-digest deliveries, and pausing (with one note to the admin) when the channel or a permission
goes away."""

from __future__ import annotations

import io
import logging
import re
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ReboundBot
from bot.domain.board import Window, board_description
from bot.errors import InvalidInput, NotAllowed
from bot.scheduling.dispatcher import Outcome, nonce_for
from bot.services.board import BOARD_DIGEST, BOARD_REFRESH, AdminNotice, BoardView
from bot.ui.charts import GROUP_MINUTES_FILE, group_minutes_png
from bot.ui.items import SafeDynamicItem, can_manage, view_of
from bot.ui.respond import NO_PINGS, defer, reply, update

log = logging.getLogger(__name__)

BOARD_COLOUR = discord.Colour(0x5865F2)
DIGEST_COLOUR = discord.Colour(0x57F287)
UNKNOWN_MESSAGE = 10008
# The board and the digest post embeds with a chart: these are what they need in the channel.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}
# Finishing one of these commands can change what the board shows; the board is touched afterwards.
TOUCHING_COMMANDS = frozenset({"checkin", "exam", "mock", "partner", "away", "admin"})
# These touch the board inside their own unit of work already (``touch_in``); a second touch here would only
# cost another write transaction per command.
TOUCHED_IN_UNIT = frozenset({"checkin log"})
WINDOW_LABELS = {Window.WEEK: "This week", Window.MONTH: "This month", Window.ALL: "All time"}
FOOTER = ("Effort and improvement, never scores. Only members who opted in are named (/privacy board). "
          "Times in {tz}.")


def board_embed(view: BoardView) -> discord.Embed:
    embed = discord.Embed(title=f"Progress board · {view.board.window.label}", colour=BOARD_COLOUR,
                          description=board_description(view.board)[:4096])
    embed.set_image(url=f"attachment://{GROUP_MINUTES_FILE}")
    embed.set_footer(text=FOOTER.format(tz=view.timezone))
    return embed


def board_items(view: BoardView) -> discord.ui.View:
    return view_of(WindowButton(w.value, active=w is view.board.window) for w in Window)


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    granted = channel.permissions_for(me)
    return [label for name, label in NEEDED.items() if not getattr(granted, name)]


def _chart_file(png: bytes) -> discord.File:
    return discord.File(io.BytesIO(png), filename=GROUP_MINUTES_FILE)


def _chart_attachment(message: discord.Message) -> int | None:
    """The id of the chart attachment on the message Discord returned (None when it has none)."""
    return next((a.id for a in message.attachments if a.filename == GROUP_MINUTES_FILE), None)


class _KeptAttachment:
    """An attachment already on the message, kept by an edit (discord.py sends ``to_dict()`` as is)."""

    def __init__(self, attachment_id: int, filename: str) -> None:
        self.attachment_id = attachment_id
        self.filename = filename

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.attachment_id, "filename": self.filename}


class WindowButton(SafeDynamicItem, discord.ui.DynamicItem[discord.ui.Button],
                   template=r"rb:bw:(?P<window>week|month|all)"):
    """A window button on the board message itself; the server comes from the interaction."""

    def __init__(self, window: str, *, active: bool = False) -> None:
        self.window = window
        style = discord.ButtonStyle.primary if active else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=WINDOW_LABELS[Window(window)], style=style,
                                           custom_id=f"rb:bw:{window}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> WindowButton:
        return cls(match["window"])

    async def handle(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("BoardCog")  # type: ignore[attr-defined]
        await cog.switch_window(interaction, self.window)


# Discord applies default permissions to a whole command group, not to its subcommands; every /board
# subcommand is an admin one, so the group carries Manage Server.
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class BoardCog(commands.GroupCog, group_name="board", group_description="The server's public progress board"):
    def __init__(self, bot: ReboundBot) -> None:
        self.bot = bot
        self.service = bot.services.board
        self.digest = bot.services.digest
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(WindowButton)
        if BOARD_REFRESH not in self.bot.dispatcher.kinds:
            self.bot.dispatcher.register(BOARD_REFRESH, self.on_refresh)
        if BOARD_DIGEST not in self.bot.dispatcher.kinds:
            self.bot.dispatcher.register(BOARD_DIGEST, self.on_digest)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(WindowButton)

    # --- commands ------------------------------------------------------------------------------------
    @app_commands.command(name="setup", description="Keep a progress board in a channel (Manage Server)")
    @app_commands.describe(channel="Where the board lives; the bot keeps editing one message there")
    async def set_up(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        # Checked again here: a server can grant the command to people without Manage Server.
        if not can_manage(interaction):
            raise NotAllowed("Setting up the progress board needs the Manage Server permission.")
        guild = interaction.guild
        assert guild is not None
        missing = missing_permissions(channel, guild.me)
        if missing:
            raise InvalidInput(f"I can't keep the board in {channel.mention} yet: I'm missing "
                               f"{', '.join(missing)} there.", hint="Grant those in the channel's settings "
                               "and run /board setup again.")
        await defer(interaction)
        view = await self.service.set_up(guild.id, interaction.user.id, channel.id, can_manage=True)
        outcome = await self.publish(view)
        if outcome.status != "sent":
            await reply(interaction, f"I couldn't post the board in {channel.mention}: {outcome.detail}. "
                                     "Please check my permissions there and try again.")
            return
        await reply(interaction, (
            f"The progress board is up in {channel.mention}. It edits itself (at most once a minute) when "
            "members check in, book or finish mocks, and a weekly digest goes there too (/board digest "
            "shows and changes when). It only names members who turn it on with /privacy board, and never "
            "shows a score."
        ))

    @app_commands.command(name="digest", description="When the weekly digest is posted (Manage Server)")
    @app_commands.describe(day="Day of the week (server time)", hour="Hour of the day, 0-23 (server time)",
                           enabled="Turn the weekly digest on or off")
    async def digest_settings(
        self, interaction: discord.Interaction,
        day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None, enabled: bool | None = None,
    ) -> None:
        settings = await self.service.configure_digest(
            interaction.guild_id, can_manage=can_manage(interaction), enabled=enabled, day=day, hour=hour)
        if not settings.enabled:
            await reply(interaction, "The weekly digest is off. Turn it on again with /board digest "
                                     "enabled:True.")
            return
        when = f"<t:{int(settings.next_at.timestamp())}:F>" if settings.next_at else "soon"
        await reply(interaction, f"The weekly digest goes out on {settings.day.title()} at "
                                 f"{settings.hour:02d}:00 ({settings.timezone}). Next one: {when}.")

    # --- deliveries ----------------------------------------------------------------------------------
    async def on_refresh(self, delivery: Any) -> Outcome:
        plan = await self.service.plan_refresh(delivery)
        if plan.view is None:
            return Outcome.skipped(plan.skip or "nothing to do")
        return await self.publish(plan.view)

    async def on_digest(self, delivery: Any) -> Outcome:
        plan = await self.digest.plan(delivery)
        if plan.skip or plan.channel_id is None or plan.week is None:
            return Outcome.skipped(plan.skip or "nothing to post")
        channel = await self._usable_channel(plan.guild_id, plan.channel_id)
        if isinstance(channel, Outcome):
            return channel
        embed = discord.Embed(title=plan.title, description="\n".join(plan.lines)[:4096],
                              colour=DIGEST_COLOUR)
        try:
            await channel.send(embed=embed, nonce=nonce_for(delivery.idempotency_key),
                               allowed_mentions=NO_PINGS)
        except (discord.Forbidden, discord.NotFound) as exc:
            return await self._refused(plan.guild_id, exc)
        await self.digest.record_posted(plan.guild_id, plan.week)
        return Outcome.sent()

    # --- drawing the board ---------------------------------------------------------------------------
    async def publish(self, view: BoardView) -> Outcome:
        """Edit the board message (or post it when there is none); pause the board when Discord says no."""
        channel = await self._usable_channel(view.guild_id, view.channel_id)
        if isinstance(channel, Outcome):
            return channel
        left = await self._left(channel.guild, view.shown_user_ids)
        if left:
            await self.service.forget_members(view.guild_id, left)
            view = await self.service.view(view.guild_id)
        if view.unchanged:
            await self.service.record_unchanged(view)
            return Outcome.skipped("the board already shows this")
        embed, items = board_embed(view), board_items(view)
        message_id = view.message_id
        try:
            if message_id is not None:
                try:
                    message = await self._edit(channel.get_partial_message(message_id), view, embed, items)
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_MESSAGE:
                        raise
                    message_id = None  # someone deleted the board message: post a new one
            if message_id is None:
                png = await group_minutes_png(view.chart)
                message = await channel.send(embed=embed, file=_chart_file(png), view=items,
                                             allowed_mentions=NO_PINGS,
                                             nonce=nonce_for(f"board:{view.guild_id}:{view.composed_at}"))
                message_id = message.id
        except (discord.Forbidden, discord.NotFound) as exc:
            return await self._refused(view.guild_id, exc)
        await self.service.record_published(view, message_id, _chart_attachment(message))
        return Outcome.sent()

    async def _edit(self, board: discord.PartialMessage, view: BoardView, embed: discord.Embed,
                    items: discord.ui.View) -> discord.Message:
        if view.chart_unchanged and view.chart_attachment_id is not None:
            # Only the lines changed: keep the chart's attachment instead of drawing and uploading it again. It
            # is named in ``attachments`` because an edit that leaves that out shows an image the embed uses a
            # second time, below it (discord-api-docs#5675).
            kept = _KeptAttachment(view.chart_attachment_id, GROUP_MINUTES_FILE)
            try:
                return await board.edit(embed=embed, attachments=[kept], view=items, allowed_mentions=NO_PINGS)
            except (discord.Forbidden, discord.NotFound):
                raise
            except discord.HTTPException:
                log.warning("could not keep the chart of the board in guild %s; drawing it again", view.guild_id)
        png = await group_minutes_png(view.chart)
        return await board.edit(embed=embed, attachments=[_chart_file(png)], view=items, allowed_mentions=NO_PINGS)

    async def switch_window(self, interaction: discord.Interaction, window: str) -> None:
        await defer(interaction, thinking=False)
        message = interaction.message
        view = await self.service.set_window(interaction.guild_id, window, message.id if message else None)
        png = await group_minutes_png(view.chart)
        await update(interaction, embed=board_embed(view), attachments=[_chart_file(png)],
                     view=board_items(view))
        if message is not None:
            # The interaction's edit does not return the message, so the chart's new attachment id is unknown:
            # the next refresh draws the chart again.
            await self.service.record_published(view, message.id)

    async def _usable_channel(self, guild_id: int, channel_id: int) -> discord.TextChannel | Outcome:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return Outcome.skipped("the bot is not in this server")
        channel = guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            await self._pause(guild_id, "channel_missing")
            return Outcome.failed("the board channel is gone")
        missing = missing_permissions(channel, guild.me)
        if missing:
            await self._pause(guild_id, "missing_permissions", ", ".join(missing))
            return Outcome.failed(f"missing permissions: {', '.join(missing)}")
        return channel

    async def _left(self, guild: discord.Guild, user_ids: tuple[int, ...]) -> list[int]:
        """Members shown on the board who are no longer in the server.

        Without the privileged members intent the bot hears nothing when someone leaves, so it asks.
        """
        gone = []
        for user_id in user_ids:
            try:
                await guild.fetch_member(user_id)
            except discord.NotFound:
                gone.append(user_id)
            except discord.HTTPException:
                log.warning("could not check whether %s is still in guild %s", user_id, guild.id)
        return gone

    async def _refused(self, guild_id: int, exc: discord.HTTPException) -> Outcome:
        reason = "channel_missing" if isinstance(exc, discord.NotFound) else "forbidden"
        await self._pause(guild_id, reason, f"Discord error {exc.code}")
        return Outcome.failed(f"{type(exc).__name__} {exc.code}: {exc.text}")

    async def _pause(self, guild_id: int, reason: str, detail: str | None = None) -> None:
        notice = await self.service.pause(guild_id, reason, detail)
        if notice is not None:
            await self._tell_admin(notice)

    async def _tell_admin(self, notice: AdminNotice) -> None:
        try:
            user = self.bot.get_user(notice.admin_id) or await self.bot.fetch_user(notice.admin_id)
            await user.send(notice.text, allowed_mentions=NO_PINGS,
                            nonce=nonce_for(f"board:{notice.guild_id}:paused:{notice.channel_id}"))
        except discord.HTTPException:
            # Told once means tried once: a closed DM must not turn into a retry loop.
            log.warning("could not tell admin %s that the board of guild %s paused", notice.admin_id,
                        notice.guild_id)

    # --- listeners -----------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        notice = await self.service.channel_deleted(channel.guild.id, channel.id)
        if notice is not None:
            await self._tell_admin(notice)

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction, command: Any) -> None:
        if interaction.guild_id is None:
            return
        if getattr(command, "qualified_name", None) in TOUCHED_IN_UNIT:
            return
        root = getattr(command, "root_parent", None) or command
        if getattr(root, "name", None) in TOUCHING_COMMANDS:
            await self.service.touch(interaction.guild_id)


async def setup(bot: ReboundBot) -> None:
    await bot.add_cog(BoardCog(bot))
