"""A server's Rebound setup, read by every feature through ``settings_for`` and changed by /admin.

Each setting has one home: the quiz and welcome channels and the feature switches are in
``guild_settings``; the check-in channel and the pairing cadence belong to accountability, the progress
board's channel to the board, the readiness rule to mocks, the time zone to the ``guilds`` row. Changes go
through the owning service, so their checks and side effects (scheduling the first pairing round, drawing
the board) are never reimplemented here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.board import Boards
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.guild_settings import GuildPresence, GuildSettingsRepo, GuildSettingsRow
from bot.db.repositories.members import Guilds
from bot.domain.timezones import resolve_timezone
from bot.errors import InvalidInput, NotAllowed
from bot.services.readiness import rule_for
from bot.services.settings import known_timezones

if TYPE_CHECKING:  # the services it coordinates import settings_in from here
    from bot.services.board import BoardService
    from bot.services.checkins import CheckinService
    from bot.services.partners import PartnerService
    from bot.services.readiness import ReadinessService

#: The channels Rebound uses, in the order setup asks for them: key -> what it is for.
CHANNEL_ROLES: dict[str, str] = {
    "checkins": "Check-ins: shared check-ins, and private study-partner threads open here",
    "board": "Progress board: everyone's effort, never scores; cohort threads open here too",
    "quiz": "Quiz rounds: group quizzes run here",
    "welcome": "Welcome: the panel new members start from",
}
#: Names used when setup creates a missing channel.
DEFAULT_CHANNEL_NAMES: dict[str, str] = {
    "checkins": "check-ins", "board": "board", "quiz": "quiz-rounds", "welcome": "welcome",
}

#: Features a server can switch off: key -> label.
FEATURES: dict[str, str] = {
    "checkins": "Daily check-ins and reminders",
    "partners": "Study-partner pairing",
    "quiz": "Group quiz rounds",
    "cohorts": "Exam cohorts (roles and threads)",
    "resources": "Shared resource library",
    "welcome_dm": "Welcome panel by DM to new members (needs the optional Server Members intent)",
}
#: Off until an admin switches them on: DMs to new members need a privileged intent.
DEFAULT_DISABLED: frozenset[str] = frozenset({"welcome_dm"})

PAIRING_CHOICES = (7, 14, 21, 28)
#: Servers that had Rebound before this long are not sent the setup guide when they come back online.
GUIDE_WINDOW = 3600


@dataclass(frozen=True)
class PermissionNeed:
    permission: str  # a discord.Permissions attribute name, e.g. "send_messages"
    why: str

    @property
    def label(self) -> str:
        return self.permission.replace("_", " ").title().replace("In ", "in ")


def _need(permission: str, why: str) -> PermissionNeed:
    return PermissionNeed(permission, why)


_BASICS = (
    _need("view_channel", "to see the channel at all"),
    _need("send_messages", "to post in it"),
    _need("embed_links", "messages are embeds"),
    _need("read_message_history", "to find and update its own messages"),
)
#: What the bot needs in each channel, and why, so setup can say exactly what is missing.
CHANNEL_NEEDS: dict[str, tuple[PermissionNeed, ...]] = {
    "checkins": _BASICS + (
        _need("create_private_threads", "study partners talk in a private thread"),
        _need("send_messages_in_threads", "to introduce partners in their thread"),
    ),
    "board": _BASICS + (
        _need("attach_files", "the board shows a chart"),
        _need("create_public_threads", "each exam cohort gets a thread"),
        _need("send_messages_in_threads", "to welcome people in cohort threads"),
    ),
    "quiz": _BASICS,
    "welcome": _BASICS,
}
#: Server-wide permissions that only some actions need.
OPTIONAL_GUILD_NEEDS = (
    _need("manage_channels", "only to create Rebound's channels for you during setup"),
    _need("manage_roles", "only for the optional exam-cohort roles"),
)


def missing_permissions(role: str, granted: Iterable[str]) -> tuple[PermissionNeed, ...]:
    """The permissions the bot lacks in the channel used as ``role`` (empty when all is well)."""
    have = set(granted)
    return tuple(n for n in CHANNEL_NEEDS[role] if n.permission not in have)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str
    checkin_channel_id: int | None
    board_channel_id: int | None
    quiz_channel_id: int | None
    welcome_channel_id: int | None
    welcome_message_id: int | None
    pairing_channel_id: int | None
    pairing_every_days: int
    readiness_required: int
    readiness_buffer: float
    enabled_features: frozenset[str]
    setup_done: bool

    def enabled(self, feature: str) -> bool:
        return feature in self.enabled_features

    def channel(self, role: str) -> int | None:
        return {
            "checkins": self.checkin_channel_id, "board": self.board_channel_id, "quiz": self.quiz_channel_id,
            "welcome": self.welcome_channel_id,
        }[role]


def _enabled(row: GuildSettingsRow) -> frozenset[str]:
    disabled = DEFAULT_DISABLED if row.disabled_features is None else row.disabled_features
    return frozenset(FEATURES) - disabled


async def features_in(tx: Tx, guild_id: int) -> frozenset[str]:
    """The server's enabled features alone (one statement; ``settings_in`` reads five tables)."""
    return _enabled(await GuildSettingsRepo(tx).get(guild_id))


async def settings_in(tx: Tx, guild_id: int) -> GuildSettings:
    """Every setting of the server, read inside the caller's unit of work."""
    row = await GuildSettingsRepo(tx).get(guild_id)
    guild = await Guilds(tx).get(guild_id)
    board = await Boards(tx).get(guild_id)
    accountability = await Checkins(tx).settings(guild_id)
    rule = await rule_for(tx, guild_id)
    return GuildSettings(
        guild_id=guild_id,
        timezone=guild.timezone if guild else "UTC",
        checkin_channel_id=accountability.checkin_channel_id,
        board_channel_id=board.channel_id if board else None,
        quiz_channel_id=row.quiz_channel_id,
        welcome_channel_id=row.welcome_channel_id,
        welcome_message_id=row.welcome_message_id,
        pairing_channel_id=accountability.pairing_channel_id,
        pairing_every_days=accountability.pairing_every_days,
        readiness_required=rule.required,
        readiness_buffer=rule.buffer,
        enabled_features=_enabled(row),
        setup_done=row.setup_done_at is not None,
    )


@dataclass(frozen=True)
class GuildsReconciled:
    left: tuple[int, ...]  # the database had them, Discord no longer lists them: marked as left
    returned: tuple[int, ...]  # marked as left, but the bot is in them: joined again


def _require_manager(can_manage: bool) -> None:
    if not can_manage:
        raise NotAllowed("Only members with the Manage Server permission can change Rebound's server settings.")


class GuildSettingsService:
    def __init__(
        self, db: Database, clock: Clock, *, checkins: CheckinService, partners: PartnerService,
        readiness: ReadinessService, board: BoardService,
    ) -> None:
        self.db = db
        self.clock = clock
        self.board = board
        self.checkins = checkins
        self.partners = partners
        self.readiness = readiness
        # Servers whose guide a task of this process is posting right now (join and "available" both ask).
        self._guides_posting: set[int] = set()

    def _now(self) -> int:
        return to_epoch(self.clock.now())

    async def settings_for(self, guild_id: int) -> GuildSettings:
        async with self.db.read() as tx:
            return await settings_in(tx, guild_id)

    async def feature_enabled(self, guild_id: int, feature: str) -> bool:
        return (await self.settings_for(guild_id)).enabled(feature)

    # --- joining and leaving ----------------------------------------------------------------------
    async def _record_join(self, tx: Tx, guild_id: int, now: int) -> bool:
        """The bot is in the server: a new row, or a departed server back (a new join). True for the latter."""
        if await Guilds(tx).get(guild_id) is None:
            await Guilds(tx).ensure(guild_id, now)
            await GuildSettingsRepo(tx).ensure(guild_id, now)
            return False
        await GuildSettingsRepo(tx).ensure(guild_id, now)
        return await GuildPresence(tx).rejoin(guild_id, now)

    async def record_join(self, guild_id: int) -> None:
        """The bot was added to the server (or it is back): remembered, and a new setup guide owed if it is new."""
        async with self.db.transaction() as tx:
            rejoined = await self._record_join(tx, guild_id, self._now())
        if rejoined:
            self._guides_posting.discard(guild_id)

    async def reconcile_guilds(self, present: Iterable[int]) -> GuildsReconciled:
        """Match the database to the servers Discord lists at start-up: changes made while the bot was offline
        (``on_guild_remove`` and ``on_guild_join`` never fire for them) are recorded as if they had."""
        present_ids = set(present)
        now = self._now()
        async with self.db.transaction() as tx:
            presence = GuildPresence(tx)
            gone = sorted(await presence.active_ids() - present_ids)
            back = sorted(await presence.left_ids() & present_ids)
            for guild_id in gone:
                await Guilds(tx).mark_left(guild_id, now)
            for guild_id in back:
                await self._record_join(tx, guild_id, now)
        self._guides_posting.difference_update(back)
        return GuildsReconciled(left=tuple(gone), returned=tuple(back))

    async def guild_joined(self, guild_id: int) -> bool:
        """Record the server; True when the caller should post the setup guide now, then call ``guide_posted``.

        Called when a server is joined and whenever one becomes available (so a server that added the bot
        while it was offline is greeted too). The guide is owed once per join, only to a server Rebound
        joined in the last ``GUIDE_WINDOW`` seconds (or just re-joined) and that has not finished setup
        since. It stays owed until it is posted, so a crash in between has it posted at the next start (with
        the same nonce, so Discord drops a copy that did go out); within this process it goes out once.
        """
        now = self._now()
        async with self.db.transaction() as tx:
            rejoined = await self._record_join(tx, guild_id, now)
            owed = await GuildSettingsRepo(tx).guide_owed(guild_id, now - GUIDE_WINDOW)
        if rejoined:
            self._guides_posting.discard(guild_id)
        if not owed or guild_id in self._guides_posting:
            return False
        self._guides_posting.add(guild_id)
        return True

    async def guide_posted(self, guild_id: int) -> None:
        """The guide went out (or could not be delivered anywhere and was given up): not owed any more."""
        try:
            async with self.db.transaction() as tx:
                await GuildSettingsRepo(tx).mark_guide_sent(guild_id, self._now())
        finally:
            self._guides_posting.discard(guild_id)

    def guide_interrupted(self, guild_id: int) -> None:
        """Posting stopped half-way (the bot is closing): still owed, and tried again when the server is back."""
        self._guides_posting.discard(guild_id)

    # --- changing settings (Manage Server) -----------------------------------------------------
    async def set_channel(
        self, guild_id: int, user_id: int, *, can_manage: bool, role: str, channel_id: int | None,
    ) -> GuildSettings:
        _require_manager(can_manage)
        if role not in CHANNEL_ROLES:
            raise InvalidInput(f"{role!r} is not one of Rebound's channels.")
        if role == "checkins":
            await self.checkins.set_channel(guild_id, channel_id)
        elif role == "board":
            if channel_id is None:
                raise InvalidInput("The progress board needs a channel.")
            await self.board.set_up(guild_id, user_id, channel_id, can_manage=can_manage)
            await self.board.touch(guild_id)  # drawn in its new channel within about a minute
        else:
            now = self._now()
            async with self.db.transaction() as tx:
                await Guilds(tx).ensure(guild_id, now)
                await GuildSettingsRepo(tx).set_channel(guild_id, role, channel_id, user_id, now)
        return await self.settings_for(guild_id)

    async def set_timezone(self, guild_id: int, user_id: int, *, can_manage: bool, typed: str) -> GuildSettings:
        _require_manager(can_manage)
        name = resolve_timezone(typed, known_timezones())  # raises before anything is written
        now = self._now()
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            await Guilds(tx).set_timezone(guild_id, name)
        return await self.settings_for(guild_id)

    async def set_readiness(
        self, guild_id: int, user_id: int, *, can_manage: bool, required: int | None = None,
        buffer: float | None = None,
    ) -> GuildSettings:
        _require_manager(can_manage)
        await self.readiness.configure(guild_id, user_id, can_manage=can_manage, required=required, buffer=buffer)
        return await self.settings_for(guild_id)

    async def set_pairing(self, guild_id: int, user_id: int, *, can_manage: bool, every_days: int) -> GuildSettings:
        """Pairing rounds every ``every_days``; partner threads open in the check-in channel when there is one."""
        _require_manager(can_manage)
        current = await self.settings_for(guild_id)
        await self.partners.configure(guild_id, every_days=every_days, channel_id=current.checkin_channel_id)
        return await self.settings_for(guild_id)

    async def set_features(
        self, guild_id: int, user_id: int, *, can_manage: bool, enabled: Iterable[str],
    ) -> GuildSettings:
        _require_manager(can_manage)
        wanted = frozenset(enabled)
        unknown = sorted(wanted - set(FEATURES))
        if unknown:
            raise InvalidInput(f"Unknown feature(s): {', '.join(unknown)}.",
                               hint="Features: " + ", ".join(FEATURES) + ".")
        now = self._now()
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            await GuildSettingsRepo(tx).set_disabled_features(guild_id, frozenset(FEATURES) - wanted, user_id, now)
        return await self.settings_for(guild_id)

    async def record_welcome_panel(
        self, guild_id: int, user_id: int, *, can_manage: bool, channel_id: int, message_id: int,
    ) -> GuildSettings:
        """Remember the posted panel (and finish setup): called only after Discord accepted the message."""
        _require_manager(can_manage)
        now = self._now()
        async with self.db.transaction() as tx:
            await Guilds(tx).ensure(guild_id, now)
            repo = GuildSettingsRepo(tx)
            await repo.set_welcome_panel(guild_id, channel_id, message_id, now)
            await repo.mark_setup_done(guild_id, user_id, now)
        return await self.settings_for(guild_id)

