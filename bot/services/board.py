"""The public progress board: set it up, keep it current (debounced), pause it when Discord says no,
and each member's say over what it shows about them.

Other features do not know about the board. They (or the cog watching finished commands) call
``BoardService.touch`` — or ``touch_in`` inside their own unit of work — which marks the board dirty and
schedules one ``board_refresh`` delivery per board and minute (the idempotency key makes every touch in
that minute the same row). An hourly refresh keeps the board right even when nobody touched it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.board import (
    BoardPrivacy,
    BoardRecord,
    Boards,
    BoardStats,
    MemberActivity,
    PrivacyChoice,
)
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.exams import Exams, MemberExam
from bot.db.repositories.members import Guilds, Members
from bot.db.repositories.mocks import MockAttempts
from bot.domain.board import (
    CHART_WEEKS,
    MAX_LINES,
    Board,
    GroupTotals,
    MemberProgress,
    compose_board,
    days_until,
    minutes_by_week,
    parse_window,
    window_start,
)
from bot.domain.streaks import compute_streak, local_day
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.scheduling.recurrence import next_occurrence
from bot.services.catalogue_service import CatalogueService
from bot.services.readiness import readiness_in
from bot.services.reminders import away_days

BOARD_REFRESH = "board_refresh"
BOARD_DIGEST = "board_digest"
EDIT_INTERVAL_SECONDS = 60  # at most one board edit a minute
HOUR = 3600
STREAK_LOOKBACK_DAYS = 400
DIGEST_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NO_BOARD = "This server has no progress board yet."
NO_BOARD_HINT = "Someone with Manage Server can create one with /board setup."


def refresh_key(guild_id: int, due_at: int) -> str:
    return f"board:refresh:{guild_id}:{due_at}"


def hourly_key(guild_id: int, due_at: int) -> str:
    return f"board:hourly:{guild_id}:{due_at}"


def digest_key_prefix(guild_id: int) -> str:
    return f"board:digest:{guild_id}:"


def next_refresh_at(now: int, last_edit_at: int | None) -> int:
    """The next minute boundary, but never sooner than a minute after the last edit."""
    slot = (now // EDIT_INTERVAL_SECONDS + 1) * EDIT_INTERVAL_SECONDS
    if last_edit_at is not None:
        slot = max(slot, last_edit_at + EDIT_INTERVAL_SECONDS)
    return slot


def zone_name(name: str | None) -> str:
    """A usable IANA zone name: a stored name that no longer resolves falls back to UTC."""
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"


async def guild_zone(tx: Tx, guild_id: int) -> str:
    record = await Guilds(tx).get(guild_id)
    return zone_name(record.timezone if record else None)


async def left_server(tx: Tx, guild_id: int) -> bool:
    """The bot was removed: its chains stop until it is back and the board is set up again."""
    record = await Guilds(tx).get(guild_id)
    return record is None or record.left_at is not None


async def touch_in(tx: Tx, guild_id: int, now: datetime) -> bool:
    """Mark the server's board dirty and schedule its refresh, inside the caller's unit of work.

    Returns False when the server has no live board (nothing is scheduled then).
    """
    boards = Boards(tx)
    board = await boards.get(guild_id)
    if board is None or board.paused:
        return False
    at = to_epoch(now)
    await boards.mark_dirty(guild_id, at)
    due = next_refresh_at(at, board.last_edit_at)
    await Deliveries(tx).schedule(kind=BOARD_REFRESH, due_at=due, key=refresh_key(guild_id, due), now=at,
                                  guild_id=guild_id, payload={"reason": "touch"})
    return True


async def ensure_schedules(tx: Tx, board: BoardRecord, now: datetime) -> None:
    """The next hourly refresh and the next weekly digest are in the ledger (idempotent)."""
    at = to_epoch(now)
    deliveries = Deliveries(tx)
    hour = (at // HOUR + 1) * HOUR
    await deliveries.schedule(kind=BOARD_REFRESH, due_at=hour, key=hourly_key(board.guild_id, hour), now=at,
                              guild_id=board.guild_id, payload={"reason": "hourly"})
    if board.digest_enabled:
        due = to_epoch(next_occurrence(hour=board.digest_hour, minute=0, days=board.digest_day,
                                       timezone=await guild_zone(tx, board.guild_id), after=now))
        key = f"{digest_key_prefix(board.guild_id)}{due}"
        await deliveries.schedule(kind=BOARD_DIGEST, due_at=due, key=key, now=at, guild_id=board.guild_id,
                                  payload={})


@dataclass(frozen=True)
class BoardView:
    """Everything the cog needs to draw the board message."""

    guild_id: int
    channel_id: int
    message_id: int | None
    board: Board
    chart: tuple[tuple[date, int], ...]  # the group's minutes per week, oldest first
    timezone: str
    composed_at: int
    last_hash: str | None
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(repr((self.board, self.chart)).encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)

    @property
    def shown_user_ids(self) -> tuple[int, ...]:
        return tuple(line.user_id for line in self.board.lines)

    @property
    def unchanged(self) -> bool:
        return self.message_id is not None and self.content_hash == self.last_hash


@dataclass(frozen=True)
class RefreshPlan:
    view: BoardView | None
    skip: str | None = None


@dataclass(frozen=True)
class AdminNotice:
    """Tell the admin who set the board up that it paused (returned once per pause)."""

    guild_id: int
    admin_id: int
    channel_id: int
    text: str


@dataclass(frozen=True)
class PrivacyView:
    show_on_board: bool
    share_pass: bool
    share_checkins: bool
    board_channel_id: int | None
    board_paused: bool


@dataclass(frozen=True)
class DigestSettings:
    enabled: bool
    day: str
    hour: int
    timezone: str
    next_at: datetime | None


PAUSE_TEXT = {
    "channel_deleted": "the board channel was deleted",
    "channel_missing": "I can't find the board channel any more",
    "missing_permissions": "I'm missing permissions in the board channel",
    "forbidden": "Discord refused my edit of the board",
}


class BoardService:
    def __init__(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.db = db
        self.clock = clock
        self.catalogues = catalogues

    # --- other features call this ------------------------------------------------------------------
    async def touch(self, guild_id: int) -> bool:
        """Something the board shows changed in this server; it is redrawn within about a minute."""
        async with self.db.read() as tx:
            board = await Boards(tx).get(guild_id)
        if board is None or board.paused:
            return False  # most servers have no board: no write lock for them
        async with self.db.transaction() as tx:
            return await touch_in(tx, guild_id, self.clock.now())

    # --- setup ---------------------------------------------------------------------------------------
    async def set_up(self, guild_id: int, user_id: int, channel_id: int, *, can_manage: bool) -> BoardView:
        if not can_manage:
            raise NotAllowed("Setting up the progress board needs the Manage Server permission.")
        now = self.clock.now()
        at = to_epoch(now)
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, at)
            boards = Boards(tx)
            await boards.set_up(guild_id, channel_id, user_id, at)
            board = await boards.get(guild_id)
            assert board is not None
            await ensure_schedules(tx, board, now)
            return await self._compose(tx, board, now)

    async def view(self, guild_id: int) -> BoardView:
        now = self.clock.now()
        async with self.db.read() as tx:
            board = await Boards(tx).get(guild_id)
            if board is None:
                raise NotFound(NO_BOARD, hint=NO_BOARD_HINT)
            return await self._compose(tx, board, now)

    async def set_window(self, guild_id: int, window: str, message_id: int | None = None) -> BoardView:
        """A window button was pressed on the board: show that window from now on."""
        chosen = parse_window(window)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            boards = Boards(tx)
            board = await boards.get(guild_id)
            if board is None:
                raise NotFound(NO_BOARD, hint=NO_BOARD_HINT)
            if board.paused:
                raise Conflict("The board is paused, so it can't change right now.",
                               hint="Someone with Manage Server can restart it with /board setup.")
            if message_id is not None and board.message_id not in (None, message_id):
                raise Conflict(f"This is an old board; the live one is in <#{board.channel_id}>.")
            await boards.set_window(guild_id, chosen.value, to_epoch(now))
            board = await boards.get(guild_id)
            assert board is not None
            return await self._compose(tx, board, now)

    # --- the refresh delivery -------------------------------------------------------------------------
    async def plan_refresh(self, delivery: Delivery) -> RefreshPlan:
        guild_id = int(delivery.guild_id or 0)
        now = self.clock.now()
        at = to_epoch(now)
        reason = delivery.payload.get("reason", "touch")
        async with self.db.transaction() as tx:
            boards = Boards(tx)
            board = await boards.get(guild_id)
            if board is None:
                return RefreshPlan(None, "no board in this server")
            if board.paused:
                return RefreshPlan(None, "the board is paused")
            if await left_server(tx, guild_id):
                return RefreshPlan(None, "the bot left this server")
            if reason == "hourly":
                await ensure_schedules(tx, board, now)
            elif reason == "touch" and board.dirty_since is None and board.message_id is not None:
                return RefreshPlan(None, "nothing changed since the last edit")
            if board.last_edit_at is not None and at - board.last_edit_at < EDIT_INTERVAL_SECONDS:
                # Another refresh (or a button) edited within the minute: fold this one into the next slot.
                due = next_refresh_at(at, board.last_edit_at)
                await Deliveries(tx).schedule(kind=BOARD_REFRESH, due_at=due, key=refresh_key(guild_id, due),
                                              now=at, guild_id=guild_id, payload={"reason": "recheck"})
                return RefreshPlan(None, "edited less than a minute ago; moved to the next minute")
        # Composing only reads: it runs in its own read unit, so commands are not held behind the write lock.
        async with self.db.read() as tx:
            return RefreshPlan(await self._compose(tx, board, now))

    async def record_published(self, view: BoardView, message_id: int) -> None:
        """The board message now shows ``view`` (posted or edited)."""
        async with self.db.transaction() as tx:
            await Boards(tx).record_edit(view.guild_id, message_id=message_id, content_hash=view.content_hash,
                                         composed_at=view.composed_at, now=to_epoch(self.clock.now()))

    async def record_unchanged(self, view: BoardView) -> None:
        async with self.db.transaction() as tx:
            await Boards(tx).record_unchanged(view.guild_id, view.composed_at)

    async def forget_members(self, guild_id: int, user_ids: list[int]) -> int:
        """Members who left the server come off the board (they can opt in again if they return)."""
        if not user_ids:
            return 0
        async with self.db.transaction() as tx:
            return await BoardPrivacy(tx).hide(guild_id, sorted(user_ids), to_epoch(self.clock.now()))

    async def pause(self, guild_id: int, reason: str, detail: str | None = None) -> AdminNotice | None:
        """Pause the board; returns the notice for its admin the first time only."""
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            boards = Boards(tx)
            board = await boards.get(guild_id)
            if board is None:
                return None
            await boards.pause(guild_id, reason, now)
            if not await boards.claim_admin_notice(guild_id, now):
                return None
        what = PAUSE_TEXT.get(reason, reason)
        if detail:
            what = f"{what} ({detail})"
        text = (
            f"The progress board in <#{board.channel_id}> is paused: {what}. Nothing is lost; when the "
            "channel and my permissions (View Channel, Send Messages, Embed Links, Attach Files) are back, "
            "run /board setup again and it picks up where it left off."
        )
        return AdminNotice(guild_id, board.admin_id, board.channel_id, text)

    async def channel_deleted(self, guild_id: int, channel_id: int) -> AdminNotice | None:
        async with self.db.read() as tx:
            board = await Boards(tx).get(guild_id)
        if board is None or board.channel_id != channel_id or board.paused:
            return None
        return await self.pause(guild_id, "channel_deleted")

    async def board_channel(self, guild_id: int) -> int | None:
        async with self.db.read() as tx:
            board = await Boards(tx).get(guild_id)
        return None if board is None or board.paused else board.channel_id

    # --- the weekly digest's settings ------------------------------------------------------------------
    async def configure_digest(
        self, guild_id: int, *, can_manage: bool, enabled: bool | None = None, day: str | None = None,
        hour: int | None = None,
    ) -> DigestSettings:
        if not can_manage:
            raise NotAllowed("Changing the weekly digest needs the Manage Server permission.")
        if day is not None and day.strip().lower()[:3] not in DIGEST_DAYS:
            raise InvalidInput(f"{day!r} isn't a day of the week.",
                               hint="Use mon, tue, wed, thu, fri, sat or sun.")
        if hour is not None and not 0 <= hour <= 23:
            raise InvalidInput("The hour goes from 0 to 23 (server time).")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            boards = Boards(tx)
            board = await boards.get(guild_id)
            if board is None:
                raise NotFound(NO_BOARD, hint=NO_BOARD_HINT)
            wanted = (board.digest_enabled if enabled is None else enabled,
                      board.digest_day if day is None else day.strip().lower()[:3],
                      board.digest_hour if hour is None else hour)
            # Without a change the pending digest stays as it is (one due this very minute is not lost).
            if wanted != (board.digest_enabled, board.digest_day, board.digest_hour):
                await boards.set_digest(guild_id, enabled=wanted[0], day=wanted[1], hour=wanted[2],
                                        now=to_epoch(now))
                await Deliveries(tx).cancel(key_prefix=digest_key_prefix(guild_id))
                board = await boards.get(guild_id)
                assert board is not None
                if not board.paused:
                    await ensure_schedules(tx, board, now)
            tz = await guild_zone(tx, guild_id)
        next_at = None
        if board.digest_enabled:
            next_at = next_occurrence(hour=board.digest_hour, minute=0, days=board.digest_day, timezone=tz,
                                      after=now)
        return DigestSettings(board.digest_enabled, board.digest_day, board.digest_hour, tz, next_at)

    # --- privacy ---------------------------------------------------------------------------------------
    async def privacy(self, guild_id: int, user_id: int) -> PrivacyView:
        async with self.db.read() as tx:
            return await self._privacy(tx, guild_id, user_id)

    async def set_on_board(self, guild_id: int, user_id: int, on: bool) -> PrivacyView:
        """Opt in to (or out of) the board; the board changes at its next edit."""
        return await self._set_privacy(guild_id, user_id, show_on_board=on)

    async def set_pass_sharing(self, guild_id: int, user_id: int, on: bool) -> PrivacyView:
        """Whether the weekly digest may say this member passed their retake."""
        return await self._set_privacy(guild_id, user_id, share_pass=on)

    async def _set_privacy(self, guild_id: int, user_id: int, *, show_on_board: bool | None = None,
                           share_pass: bool | None = None) -> PrivacyView:
        now = self.clock.now()
        at = to_epoch(now)
        async with self.db.transaction() as tx:
            await Members(tx).ensure(guild_id, user_id, at)
            privacy = BoardPrivacy(tx)
            current = await privacy.get(guild_id, user_id)
            updated = PrivacyChoice(
                current.show_on_board if show_on_board is None else show_on_board,
                current.share_pass if share_pass is None else share_pass,
            )
            await privacy.save(guild_id, user_id, updated, at)
            if updated.show_on_board != current.show_on_board:
                await touch_in(tx, guild_id, now)
            return await self._privacy(tx, guild_id, user_id)

    async def _privacy(self, tx: Tx, guild_id: int, user_id: int) -> PrivacyView:
        choice = await BoardPrivacy(tx).get(guild_id, user_id)
        _, share_checkins = await Checkins(tx).prefs(guild_id, user_id)
        board = await Boards(tx).get(guild_id)
        return PrivacyView(
            show_on_board=choice.show_on_board, share_pass=choice.share_pass, share_checkins=share_checkins,
            board_channel_id=board.channel_id if board else None, board_paused=bool(board and board.paused),
        )

    # --- composing -------------------------------------------------------------------------------------
    async def _compose(self, tx: Tx, board: BoardRecord, now: datetime) -> BoardView:
        guild_id = board.guild_id
        window = parse_window(board.shown_window)
        tz = await guild_zone(tx, guild_id)
        at = to_epoch(now)
        start = window_start(window, now, tz)
        stats = BoardStats(tx)
        activity = await stats.activity(guild_id, to_epoch(start) if start else None, at + 1)
        active_exams = await Exams(tx).active_in_guild(guild_id)
        exam_of = {record.user_id: record for record in active_exams}
        shown = await BoardPrivacy(tx).shown(guild_id)
        # The board ranks by minutes, then check-ins (both known from ``activity`` for everyone at once), then
        # streak. Only members who can reach a line (ahead of or tied with the last line) need the per-member
        # queries; the rest are only counted ("…and N more"), so a 10,000-member board stays cheap.
        def effort(user_id: int) -> tuple[int, int]:
            mine = activity.get(user_id)
            return (-(mine.minutes if mine else 0), -(mine.checkins if mine else 0))

        ordered = sorted(shown, key=lambda user_id: (effort(user_id), user_id))
        if len(ordered) > MAX_LINES:
            boundary = effort(ordered[MAX_LINES - 1])
            contenders = {user_id for user_id in ordered if effort(user_id) <= boundary}
        else:
            contenders = set(ordered)
        members = [
            await self._member(tx, guild_id, user_id, exam_of.get(user_id), activity, now)
            if user_id in contenders else _counted_only(user_id, exam_of.get(user_id), activity)
            for user_id in ordered
        ]
        counts = Counter(record.exam_code for record in active_exams)
        totals = GroupTotals(
            exams=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
            minutes=sum(a.minutes for a in activity.values()),
            checkins=sum(a.checkins for a in activity.values()),
            active_pairs=await stats.active_pairs(guild_id, at),
        )
        chart_from = now - timedelta(weeks=CHART_WEEKS + 1)
        entries = await stats.checkins_since(guild_id, to_epoch(chart_from), at + 1)
        chart = minutes_by_week(((m, from_epoch(t)) for m, t in entries), tz, now)
        return BoardView(
            guild_id=guild_id, channel_id=board.channel_id, message_id=board.message_id,
            board=compose_board(members, totals, window), chart=tuple(chart), timezone=tz, composed_at=at,
            last_hash=board.content_hash,
        )

    async def _member(self, tx: Tx, guild_id: int, user_id: int, exam_record: MemberExam | None,
                      activity: dict[int, MemberActivity], now: datetime) -> MemberProgress:
        tz = zone_name(await Members(tx).effective_timezone(guild_id, user_id))
        since = to_epoch(now - timedelta(days=STREAK_LOOKBACK_DAYS))
        rows = await Checkins(tx).for_member(guild_id, user_id, since=since)
        streak = compute_streak([from_epoch(r.checked_in_at) for r in rows], tz=tz, now=now,
                                away_periods=await away_days(tx, guild_id, user_id))
        mine = activity.get(user_id)
        scores: tuple[float, ...] = ()
        ready = False
        days = None
        code = None
        if exam_record is not None:
            code = exam_record.exam_code
            if exam_record.booked_date:
                days = days_until(date.fromisoformat(exam_record.booked_date), local_day(now, tz))
            finished = await MockAttempts(tx).finished_for_exam(guild_id, user_id, code)
            scores = tuple(m.raw_percent for m in finished)
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            exam = catalogue.exam(code)
            if exam is not None and finished:
                ready = (await readiness_in(tx, guild_id, user_id, exam, catalogue, now)).readiness.ready
        return MemberProgress(
            user_id=user_id, exam_code=code, days_to_retake=days, minutes=mine.minutes if mine else 0,
            checkins=mine.checkins if mine else 0, streak=streak.current, mock_scores=scores, ready=ready,
        )


def _counted_only(user_id: int, exam_record: MemberExam | None, activity: dict[int, MemberActivity]) -> MemberProgress:
    """A member who ranks below every line: counted in "…and N more", never shown, so no details needed."""
    mine = activity.get(user_id)
    return MemberProgress(
        user_id=user_id, exam_code=exam_record.exam_code if exam_record else None, days_to_retake=None,
        minutes=mine.minutes if mine else 0, checkins=mine.checkins if mine else 0, streak=0, mock_scores=(),
        ready=False,
    )
