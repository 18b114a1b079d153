"""Board, digest and progress services on a real SQLite database with a fake clock.

Data is seeded through the other features' services and repositories, as members would create it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_epoch
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.board import Boards
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Guilds, Members
from bot.db.repositories.mocks import MockAttempts, ReadinessNotices
from bot.db.repositories.practice import Mastery
from bot.domain.mastery import DomainMastery
from bot.errors import Conflict, NotAllowed, NotFound
from bot.services.board import BOARD_DIGEST, BOARD_REFRESH, BoardService, hourly_key
from bot.services.catalogue_service import CatalogueService
from bot.services.checkins import CheckinService
from bot.services.digest import DigestService
from bot.services.progress import ProgressService
from bot.services.reminders import ReminderService

G, ADMIN, ANN, BEN, CAL = 1, 5, 10, 11, 12
CHANNEL = 500
EXAM = "SY0-701"


class Env:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db, self.clock = db, clock
        catalogues = CatalogueService(load_catalogue)
        self.board = BoardService(db, clock, catalogues)
        self.digest = DigestService(db, clock)
        self.progress = ProgressService(db, clock, catalogues)
        self.checkins = CheckinService(db, clock)

    def now(self) -> int:
        return to_epoch(self.clock.now())

    async def pending(self, kind: str = BOARD_REFRESH) -> list:
        async with self.db.read() as tx:
            rows = await tx.fetchall(
                "SELECT idempotency_key FROM scheduled_deliveries WHERE kind = ? AND status = 'pending' "
                "ORDER BY due_at", (kind,))
            found = [await Deliveries(tx).by_key(r["idempotency_key"]) for r in rows]
        return found

    async def exam(self, user_id: int, code: str = EXAM, booked: str | None = None) -> None:
        async with self.db.transaction() as tx:
            await Members(tx).ensure(G, user_id, self.now())
            await Exams(tx).set_active(G, user_id, code, self.now())
            if booked:
                await Exams(tx).set_booking(G, user_id, code, booked, None, self.now())

    async def mock(self, user_id: int, percent: float, *, length: str = "full",
                   at: datetime | None = None) -> int:
        finished = to_epoch(at or self.clock.now())
        async with self.db.transaction() as tx:
            mocks = MockAttempts(tx)
            attempt = await mocks.create(guild_id=G, user_id=user_id, exam_code=EXAM, length=length,
                                         mode="exam", question_ids=["q1"], duration_minutes=60,
                                         started_at=finished - 3600, deadline_at=finished,
                                         now=finished - 3600)
            await mocks.finish(attempt, status="submitted", finished_at=finished, raw_percent=percent,
                               result={"per_domain": {}}, now=finished)
        return attempt

    async def setup_board(self):
        return await self.board.set_up(G, ADMIN, CHANNEL, can_manage=True)

    async def publish(self, view, message_id: int = 900) -> None:
        await self.board.record_published(view, message_id)

    async def refresh(self):
        due = await self.pending()
        assert due, "no refresh scheduled"
        return await self.board.plan_refresh(due[0])


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 6, 3, 9, 0, 15, tzinfo=UTC))  # a Wednesday
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    yield Env(db, clock)
    await db.close()


async def test_setup_needs_manage_server(env):
    """Only members with Manage Server can set the board up."""
    with pytest.raises(NotAllowed):
        await env.board.set_up(G, ANN, CHANNEL, can_manage=False)


async def test_touch_without_a_board_schedules_nothing(env):
    """Touching a server without a board is a no-op."""
    assert not await env.board.touch(G)
    assert await env.pending() == []


async def test_touches_in_one_minute_become_one_refresh(env):
    """Many changes within a minute schedule a single refresh, due at the next minute."""
    await env.publish(await env.setup_board())
    env.clock.advance(minutes=2)
    for _ in range(5):
        assert await env.board.touch(G)
        env.clock.advance(seconds=5)
    touches = [d for d in await env.pending() if d.payload["reason"] == "touch"]
    assert len(touches) == 1
    assert touches[0].due_at % 60 == 0 and touches[0].due_at > to_epoch(env.clock.now()) - 25


async def test_check_in_touches_the_board_in_its_own_unit(env):
    """/checkin log marks the board dirty and schedules its refresh itself, with no separate touch."""
    await env.publish(await env.setup_board())
    env.clock.advance(minutes=2)
    await env.checkins.log(G, ANN, minutes=30)
    touches = [d for d in await env.pending() if d.payload["reason"] == "touch"]
    assert len(touches) == 1
    async with env.db.read() as tx:
        board = await Boards(tx).get(G)
    assert board is not None and board.dirty_since == env.now()


async def test_touch_right_after_an_edit_waits_a_full_minute(env):
    """A refresh is never due sooner than a minute after the last edit."""
    view = await env.setup_board()
    await env.publish(view)
    edited = env.now()
    await env.board.touch(G)
    due = [d for d in await env.pending() if d.payload["reason"] == "touch"][0].due_at
    assert due >= edited + 60


async def test_refresh_within_the_minute_is_moved_not_sent(env):
    """A refresh that fires less than a minute after an edit reschedules itself and draws nothing."""
    await env.publish(await env.setup_board())
    env.clock.advance(seconds=70)
    await env.board.touch(G)
    delivery = [d for d in await env.pending() if d.payload["reason"] == "touch"][0]
    await env.publish(await env.board.view(G))  # a window button edited the board meanwhile
    env.clock.advance(seconds=10)
    await env.board.touch(G)  # and something changed after that edit
    env.clock.set(datetime.fromtimestamp(delivery.due_at, UTC))
    plan = await env.board.plan_refresh(delivery)
    assert plan.view is None and "moved" in plan.skip
    assert any(d.payload["reason"] == "recheck" for d in await env.pending())


async def test_touch_refresh_with_nothing_dirty_is_skipped(env):
    """A refresh finding the board already current does nothing."""
    view = await env.setup_board()
    await env.publish(view)
    env.clock.advance(minutes=2)
    await env.board.touch(G)
    env.clock.advance(minutes=1)
    first = await env.refresh()
    await env.publish(first.view)
    env.clock.advance(minutes=1)
    async with env.db.transaction() as tx:  # a second row for the same minute, as a crash could leave
        await Deliveries(tx).schedule(kind=BOARD_REFRESH, due_at=env.now(), key="extra", now=env.now(),
                                      guild_id=G, payload={"reason": "touch"})
        extra = await Deliveries(tx).by_key("extra")
    assert (await env.board.plan_refresh(extra)).skip == "nothing changed since the last edit"


async def test_board_shows_only_opted_in_members(env):
    """Members appear after /privacy board on and disappear after off; others only count in sums."""
    await env.setup_board()
    for user in (ANN, BEN):
        await env.exam(user)
        await env.checkins.log(G, user, minutes=40)
    await env.board.set_on_board(G, ANN, True)
    view = await env.board.view(G)
    assert view.shown_user_ids == (ANN,)
    assert "80 minutes studied over 2 check-ins" in view.board.group_lines[1]
    await env.board.set_on_board(G, ANN, False)
    assert (await env.board.view(G)).shown_user_ids == ()


async def test_opting_in_touches_the_board(env):
    """Changing one's board choice schedules a refresh, so the board follows within a minute."""
    await env.publish(await env.setup_board())
    env.clock.advance(minutes=3)
    await env.board.set_on_board(G, ANN, True)
    assert any(d.payload["reason"] == "touch" for d in await env.pending())


async def test_member_line_has_effort_improvement_and_ready_badge(env):
    """Minutes, check-ins, streak, days to the retake, the mock gain and the ready badge."""
    await env.setup_board()
    await env.exam(ANN, booked="2026-06-15")
    await env.board.set_on_board(G, ANN, True)
    for score in (70.0, 86.0, 88.0):
        await env.checkins.log(G, ANN, minutes=30)
        await env.mock(ANN, score)
        env.clock.advance(days=1)
    await env.mock(ANN, 90.0)
    line = (await env.board.view(G)).board.lines[0]
    assert (line.minutes, line.checkins, line.streak) == (90, 3, 3)
    assert line.retake_text == "retake in 9 days"
    assert line.improvement_text == "+20 pts since first mock"
    assert line.ready


@pytest.mark.parametrize(("window", "minutes"), [("week", 30), ("month", 75), ("all", 95)])
async def test_window_changes_what_is_summed(env, window, minutes):
    """Week, month and all time sum different check-ins."""
    env.clock.set(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    await env.checkins.log(G, ANN, minutes=20)
    env.clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    await env.checkins.log(G, ANN, minutes=45)
    env.clock.set(datetime(2026, 6, 8, 9, 0, tzinfo=UTC))
    await env.checkins.log(G, ANN, minutes=30)
    await env.board.set_on_board(G, ANN, True)
    view = await env.setup_board()
    view = await env.board.set_window(G, window)
    assert view.board.lines[0].minutes == minutes


async def test_window_button_on_an_old_board_is_refused(env):
    """A button on a board message that is no longer the live one is told where the board is."""
    await env.publish(await env.setup_board(), message_id=900)
    with pytest.raises(Conflict):
        await env.board.set_window(G, "month", message_id=123)


async def test_pause_tells_the_admin_once_and_setup_resumes(env):
    """The first pause returns a notice for the admin; later ones don't; setup makes it live again."""
    await env.publish(await env.setup_board())
    notice = await env.board.pause(G, "missing_permissions", "Send Messages")
    assert notice.admin_id == ADMIN and "Send Messages" in notice.text
    assert await env.board.pause(G, "missing_permissions") is None
    assert not await env.board.touch(G)
    assert await env.board.channel_deleted(G, CHANNEL) is None
    await env.setup_board()
    assert await env.board.touch(G)
    assert (await env.board.pause(G, "channel_deleted")) is not None


async def test_deleted_board_channel_pauses_only_that_board(env):
    """Deleting another channel changes nothing; deleting the board's channel pauses it."""
    await env.setup_board()
    assert await env.board.channel_deleted(G, 12345) is None
    assert (await env.board.channel_deleted(G, CHANNEL)).channel_id == CHANNEL
    assert await env.board.board_channel(G) is None


async def test_setup_again_in_the_same_channel_keeps_the_message(env):
    """Re-running setup in the same channel edits the board; a new channel forgets the old message."""
    await env.publish(await env.setup_board(), message_id=900)
    assert (await env.setup_board()).message_id == 900
    assert (await env.board.set_up(G, ADMIN, CHANNEL + 1, can_manage=True)).message_id is None


async def test_members_who_left_come_off_the_board(env):
    """forget_members takes members off; they are not on the board until they opt in again."""
    await env.setup_board()
    for user in (ANN, BEN):
        await env.board.set_on_board(G, user, True)
    assert await env.board.forget_members(G, [BEN]) == 1
    assert (await env.board.view(G)).shown_user_ids == (ANN,)
    assert not (await env.board.privacy(G, BEN)).show_on_board


async def test_hourly_refresh_schedules_the_next_hour(env):
    """The hourly refresh keeps its chain going."""
    await env.setup_board()
    hourly = [d for d in await env.pending() if d.payload["reason"] == "hourly"]
    assert len(hourly) == 1
    env.clock.set(datetime(2026, 6, 3, 10, 0, tzinfo=UTC))
    plan = await env.board.plan_refresh(hourly[0])
    assert plan.view is not None
    async with env.db.read() as tx:
        assert await Deliveries(tx).by_key(hourly_key(G, hourly[0].due_at + 3600)) is not None


async def test_unchanged_board_is_recognised(env):
    """A recomposed board with nothing new has the same content hash as the one published."""
    view = await env.setup_board()
    await env.publish(view)
    assert (await env.board.view(G)).unchanged
    await env.board.set_on_board(G, ANN, True)
    assert not (await env.board.view(G)).unchanged


async def test_digest_is_scheduled_in_the_server_time_zone(env):
    """The weekly digest is due Sunday 18:00 on the server's wall clock."""
    async with env.db.transaction() as tx:
        await Guilds(tx).ensure(G, env.now())
        await Guilds(tx).set_timezone(G, "Europe/Berlin")
    await env.setup_board()
    (digest,) = await env.pending(BOARD_DIGEST)
    assert digest.due_at == to_epoch(datetime(2026, 6, 7, 16, 0, tzinfo=UTC))  # 18:00 CEST


async def test_digest_names_only_consenting_members(env):
    """Ready and improved only for opted-in members; a pass only with permission; sums for all."""
    await env.setup_board()
    for user in (ANN, BEN, CAL):
        await env.exam(user)
        await env.checkins.log(G, user, minutes=60)
    await env.board.set_on_board(G, ANN, True)
    await env.board.set_pass_sharing(G, BEN, True)
    await env.mock(ANN, 60.0, at=env.clock.now() - timedelta(days=10))
    await env.mock(ANN, 72.0)
    await env.mock(CAL, 50.0, at=env.clock.now() - timedelta(days=10))
    await env.mock(CAL, 80.0)
    async with env.db.transaction() as tx:
        for user in (ANN, CAL):
            await ReadinessNotices(tx).record(G, user, EXAM, 1, env.now())
        for user in (BEN, CAL):
            await Exams(tx).add_attempt(G, user, EXAM, "2026-06-02", env.now() - 86400, True, 800, env.now())
    (digest,) = await env.pending(BOARD_DIGEST)
    env.clock.set(datetime(2026, 6, 7, 18, 0, tzinfo=UTC))
    plan = await env.digest.plan(digest)
    text = "\n".join(plan.lines)
    assert plan.channel_id == CHANNEL and plan.week == "2026-W23"
    assert "180 minutes studied over 3 check-ins by 3 members" in text
    assert f"Ready to book their retake: <@{ANN}>" in text
    assert f"Passed their retake: <@{BEN}>." in text
    assert f"Most improved: <@{ANN}>, mocks up 12 points" in text
    assert f"<@{CAL}>" not in text


async def test_digest_posts_once_a_week_and_schedules_the_next(env):
    """After posting, the same week is not posted again and next week's digest is in the ledger."""
    await env.setup_board()
    await env.checkins.log(G, ANN, minutes=25)
    (digest,) = await env.pending(BOARD_DIGEST)
    env.clock.set(datetime(2026, 6, 7, 18, 0, tzinfo=UTC))
    plan = await env.digest.plan(digest)
    assert plan.skip is None
    await env.digest.record_posted(G, plan.week)
    assert "already posted" in (await env.digest.plan(digest)).skip
    later = [d.due_at for d in await env.pending(BOARD_DIGEST)]
    assert to_epoch(datetime(2026, 6, 14, 18, 0, tzinfo=UTC)) in later


async def test_quiet_week_posts_no_digest(env):
    """A week without any activity is skipped, not posted."""
    await env.setup_board()
    (digest,) = await env.pending(BOARD_DIGEST)
    env.clock.set(datetime(2026, 6, 7, 18, 0, tzinfo=UTC))
    assert "quiet" in (await env.digest.plan(digest)).skip


async def test_digest_settings_move_the_schedule(env):
    """Changing the digest day replaces the pending digest; turning it off leaves none."""
    with pytest.raises(NotFound):
        await env.board.configure_digest(G, can_manage=True, day="mon")
    await env.setup_board()
    settings = await env.board.configure_digest(G, can_manage=True, day="mon", hour=8)
    assert settings.next_at == datetime(2026, 6, 8, 8, 0, tzinfo=UTC)
    assert [d.due_at for d in await env.pending(BOARD_DIGEST)] == [to_epoch(settings.next_at)]
    await env.board.configure_digest(G, can_manage=True, enabled=False)
    assert await env.pending(BOARD_DIGEST) == []


async def test_progress_is_empty_without_data(env):
    """A member with nothing recorded gets the empty view."""
    view = await env.progress.progress(G, ANN)
    assert view.empty and view.exam_code is None


async def test_progress_gathers_mocks_mastery_and_minutes(env):
    """Mocks with the pass mark and readiness target, mastery per domain, minutes per week."""
    await env.exam(ANN)
    await env.checkins.log(G, ANN, minutes=50)
    await env.mock(ANN, 64.0, length="half")
    await env.mock(ANN, 71.5)
    async with env.db.transaction() as tx:
        await Mastery(tx).save(G, ANN, EXAM, DomainMastery("2.0", 0.62, 12, 8), env.now())
    view = await env.progress.progress(G, ANN)
    assert [m.percent for m in view.mocks] == [64.0, 71.5] and [m.full for m in view.mocks] == [False, True]
    assert (view.pass_percent, view.target_percent) == (75.0, 85.0)
    bars = {b.number: b.percent for b in view.mastery}
    assert bars["2.0"] == 62.0 and bars["1.0"] is None
    assert view.weeks[-1][1] == 50 and len(view.weeks) == 12
    assert not view.empty and view.has_mocks and view.has_mastery


async def test_privacy_view_reports_every_public_choice(env):
    """/privacy show lists the board choice, pass sharing, check-in sharing and the board channel."""
    await env.setup_board()
    await env.checkins.set_goal(G, ANN, share=True)
    await env.board.set_pass_sharing(G, ANN, True)
    view = await env.board.privacy(G, ANN)
    assert (view.show_on_board, view.share_pass, view.share_checkins) == (False, True, True)
    assert view.board_channel_id == CHANNEL and not view.board_paused


async def test_refresh_and_digest_stop_after_the_bot_left(env):
    """Once the bot was removed from the server, neither chain goes on."""
    await env.setup_board()
    hourly = [d for d in await env.pending() if d.payload["reason"] == "hourly"][0]
    (digest,) = await env.pending(BOARD_DIGEST)
    async with env.db.transaction() as tx:
        await Guilds(tx).mark_left(G, env.now())
    assert (await env.board.plan_refresh(hourly)).skip == "the bot left this server"
    assert (await env.digest.plan(digest)).skip == "the bot left this server"


async def test_large_board_shows_the_top_fifteen_with_streak_deciding_ties_at_the_last_line(env):
    """With 20 members opted in, the 15 most active are shown; at the last line a tie on effort goes to the
    longer streak, and the rest are only counted."""
    await env.setup_board()
    users = list(range(500, 520))
    tied = users[14:17]
    for user in users:
        await env.exam(user)
        await env.board.set_on_board(G, user, True)
    env.clock.set(datetime(2026, 6, 7, 12, 0, tzinfo=UTC))  # Sunday: last week on the board
    await env.checkins.log(G, tied[2], minutes=0)
    env.clock.set(datetime(2026, 6, 8, 12, 0, tzinfo=UTC))  # Monday: a new board week
    for rank, user in enumerate(users[:14]):
        await env.checkins.log(G, user, minutes=200 - rank)
    for user in tied:  # the same effort this week; only tied[2] has a two-day streak
        await env.checkins.log(G, user, minutes=30)
    env.clock.advance(minutes=2)
    await env.board.touch(G)
    env.clock.advance(minutes=2)
    plan = await env.refresh()
    board = plan.view.board
    assert [line.user_id for line in board.lines][:14] == users[:14]
    assert board.lines[14].user_id == tied[2]
    assert board.hidden == 5


@pytest.mark.parametrize("away", [False, True])
async def test_streak_longer_than_recent_weeks_is_counted_in_full(env, away):
    """A 40-day streak shows as 40 days on the board, also when an /away period bridges a gap in it."""
    await env.setup_board()
    await env.board.set_on_board(G, ANN, True)
    for day in range(40):
        env.clock.set(datetime(2026, 5, 1, 12, 0, tzinfo=UTC) + timedelta(days=day))
        if away and day == 30:
            await ReminderService(env.db, env.clock).set_away(G, ANN, 2)  # days 30 and 31: nothing logged
        if not (away and day in (30, 31)):
            await env.checkins.log(G, ANN, minutes=10)
    view = await env.board.view(G)
    assert view.board.lines[0].streak == (38 if away else 40)
