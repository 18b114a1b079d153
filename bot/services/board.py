"""The public progress board: set it up, keep it current (debounced), pause it when Discord says no,
and each member's say over what it shows about them.

Other features do not know about the board. They (or the cog watching finished commands) call
``BoardService.touch`` — or ``touch_in`` inside their own unit of work — which marks the board dirty and
schedules one ``board_refresh`` delivery per board and minute (the idempotency key makes every touch in
that minute the same row). An hourly refresh keeps the board right even when nobody touched it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.board import (
    ActiveExam,
    BoardPrivacy,
    BoardRecord,
    Boards,
    BoardStats,
    MemberActivity,
    PrivacyChoice,
)
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.members import Guilds, Members
from bot.domain.board import (
    CHART_WEEKS,
    MAX_LINES,
    Board,
    GroupTotals,
    MemberProgress,
    compose_board,
    days_until,
    parse_window,
    window_start,
)
from bot.domain.streaks import Streak, compute_streak, local_day, local_midnight_utc, week_bounds
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.scheduling.recurrence import next_occurrence
from bot.services.catalogue_service import CatalogueService
from bot.services.readiness import readiness_in

BOARD_REFRESH = "board_refresh"
BOARD_DIGEST = "board_digest"
EDIT_INTERVAL_SECONDS = 60  # at most one board edit a minute
HOUR = 3600
STREAK_LOOKBACK_DAYS = 400
SHORT_LOOKBACK_DAYS = 21
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


def chart_weeks(now: datetime, tz: str) -> list[date]:
    """The first local day of each week the group chart shows (Monday first), the current one last.

    The same weeks as ``minutes_by_week``; their minutes are summed in the database instead of in Python.
    """
    current, _ = week_bounds(now, tz)
    return [current - timedelta(weeks=CHART_WEEKS - 1 - i) for i in range(CHART_WEEKS)]


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
    at = to_epoch(now)
    board = await Boards(tx).mark_dirty(guild_id, at)
    if board is None:
        return False
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


async def _existing(boards: Boards, guild_id: int) -> BoardRecord:
    board = await boards.get(guild_id)
    if board is None:
        raise NotFound(NO_BOARD, hint=NO_BOARD_HINT)
    return board


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
    last_chart_hash: str | None = None
    chart_attachment_id: int | None = None  # the attachment on the message that shows ``last_chart_hash``
    content_hash: str = field(init=False)
    chart_hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(repr((self.board, self.chart)).encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)
        object.__setattr__(self, "chart_hash", hashlib.sha256(repr(self.chart).encode("utf-8")).hexdigest())

    @property
    def shown_user_ids(self) -> tuple[int, ...]:
        return tuple(line.user_id for line in self.board.lines)

    @property
    def unchanged(self) -> bool:
        return self.message_id is not None and self.content_hash == self.last_hash

    @property
    def chart_unchanged(self) -> bool:
        """The message already carries this chart: an edit can keep its attachment."""
        return (self.message_id is not None and self.chart_attachment_id is not None
                and self.chart_hash == self.last_chart_hash)


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
            board = await _existing(Boards(tx), guild_id)
            return await self._compose(tx, board, now)

    async def set_window(self, guild_id: int, window: str, message_id: int | None = None) -> BoardView:
        """A window button was pressed on the board: show that window from now on."""
        chosen = parse_window(window)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            boards = Boards(tx)
            board = await _existing(boards, guild_id)
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

    async def record_published(self, view: BoardView, message_id: int, chart_attachment_id: int | None = None) -> None:
        """The board message now shows ``view`` (posted or edited), its chart in ``chart_attachment_id``."""
        async with self.db.transaction() as tx:
            await Boards(tx).record_edit(view.guild_id, message_id=message_id, content_hash=view.content_hash,
                                         composed_at=view.composed_at, now=to_epoch(self.clock.now()),
                                         chart_hash=view.chart_hash, chart_attachment_id=chart_attachment_id)

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
            board = await _existing(boards, guild_id)
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
        # The board ranks by minutes, then check-ins, then streak. Only members who can reach a line (ahead of or
        # tied with the last line by minutes and check-ins) are read and built; the database counts the rest
        # ("…and N more"), so a 10,000-member board stays cheap.
        ranking = await stats.ranking(guild_id, to_epoch(start) if start else None, at + 1, lines=MAX_LINES,
                                      now=at)
        activity = ranking.contenders
        contenders = sorted(activity)
        exams = await stats.active_exams(guild_id, contenders)
        details = await self._details(tx, guild_id, contenders, exams, tz, now)
        members = [await self._member(tx, guild_id, user_id, exams.get(user_id), activity, details, now)
                   for user_id in contenders]
        counts = await stats.exam_counts(guild_id)
        totals = GroupTotals(
            exams=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
            minutes=ranking.minutes,
            checkins=ranking.checkins,
            active_pairs=await stats.active_pairs(guild_id, at),
        )
        composed = compose_board(members, totals, window)
        composed = replace(composed, hidden=composed.hidden + ranking.shown - len(contenders))
        weeks = chart_weeks(now, tz)
        bounds = [to_epoch(local_midnight_utc(first, tz)) for first in weeks] + [at + 1]
        minutes = await stats.minutes_in(guild_id, list(zip(bounds, bounds[1:], strict=False)), now=at)
        chart = list(zip(weeks, minutes, strict=True))
        return BoardView(
            guild_id=guild_id, channel_id=board.channel_id, message_id=board.message_id,
            board=composed, chart=tuple(chart), timezone=tz, composed_at=at,
            last_hash=board.content_hash, last_chart_hash=board.chart_hash,
            chart_attachment_id=board.chart_attachment_id,
        )

    async def _details(self, tx: Tx, guild_id: int, user_ids: list[int], exams: dict[int, ActiveExam],
                       guild_tz: str, now: datetime) -> MemberDetails:
        """What the lines need beyond the sums, read for every contender at once (a few statements, not a few
        per member)."""
        stats = BoardStats(tx)
        zones = {user_id: zone_name(tz) for user_id, tz in (await stats.member_zones(guild_id, user_ids)).items()}
        zones = {user_id: zones.get(user_id, guild_tz) for user_id in user_ids}
        away = {user_id: [(date.fromisoformat(first), date.fromisoformat(last)) for first, last in periods]
                for user_id, periods in (await stats.away_days(guild_id, user_ids)).items()}
        # When nobody has checked in yet this week, every member ties at the last line and the streak decides:
        # a few recent weeks settle almost every streak, and only the rest need the full look-back.
        since = now - timedelta(days=SHORT_LOOKBACK_DAYS)
        recent = await stats.checkin_times(guild_id, user_ids, to_epoch(since))
        streaks: dict[int, int] = {}
        unsettled: list[int] = []
        for user_id in user_ids:
            streak = _streak(recent.get(user_id, ()), zones[user_id], now, away.get(user_id, []))
            if _settled(streak, local_day(since, zones[user_id]) + timedelta(days=1), now, zones[user_id],
                        away.get(user_id, [])):
                streaks[user_id] = streak.current
            else:
                unsettled.append(user_id)
        if unsettled:
            full = await stats.checkin_times(guild_id, unsettled,
                                             to_epoch(now - timedelta(days=STREAK_LOOKBACK_DAYS)))
            for user_id in unsettled:
                streaks[user_id] = _streak(full.get(user_id, ()), zones[user_id], now, away.get(user_id, [])).current
        return MemberDetails(
            zones=zones, streaks=streaks,
            scores=await stats.mock_scores(
                guild_id, {user_id: exam.exam_code for user_id, exam in exams.items()}),
        )

    async def _member(self, tx: Tx, guild_id: int, user_id: int, exam_record: ActiveExam | None,
                      activity: dict[int, MemberActivity], details: MemberDetails, now: datetime) -> MemberProgress:
        tz = details.zones[user_id]
        mine = activity.get(user_id)
        scores: tuple[float, ...] = ()
        ready = False
        days = None
        code = None
        if exam_record is not None:
            code = exam_record.exam_code
            if exam_record.booked_date:
                days = days_until(date.fromisoformat(exam_record.booked_date), local_day(now, tz))
            scores = tuple(details.scores.get(user_id, ()))
            if scores:
                catalogue = await self.catalogues.for_guild(tx, guild_id)
                exam = catalogue.exam(code)
                if exam is not None:
                    ready = (await readiness_in(tx, guild_id, user_id, exam, catalogue, now)).readiness.ready
        return MemberProgress(
            user_id=user_id, exam_code=code, days_to_retake=days, minutes=mine.minutes if mine else 0,
            checkins=mine.checkins if mine else 0, streak=details.streaks[user_id], mock_scores=scores,
            ready=ready,
        )


@dataclass(frozen=True)
class MemberDetails:
    zones: dict[int, str]
    streaks: dict[int, int]  # current streak in days
    scores: dict[int, list[float]]


def _streak(instants: Iterable[int], tz: str, now: datetime, away: list[tuple[date, date]]) -> Streak:
    return compute_streak([from_epoch(t) for t in instants], tz=tz, now=now, away_periods=away)


def _settled(streak: Streak, first_full_day: date, now: datetime, tz: str, away: list[tuple[date, date]]) -> bool:
    """Whether a streak computed from check-ins since ``first_full_day`` (the first local day read whole) is the
    member's real one: the run starts after a day inside the read days that had no check-in, and no away
    period (which bridges gaps) touches those days."""
    today = local_day(now, tz)
    if any(last >= first_full_day - timedelta(days=1) and first <= today for first, last in away):
        return False
    if streak.current == 0 or streak.last_day is None:
        return True
    run_start = streak.last_day - timedelta(days=streak.current - 1)
    return run_start - timedelta(days=1) >= first_full_day
