"""Privacy: the member-data registry covers the schema; export, delete and the purge of departed servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.members import Guilds
from bot.db.repositories.privacy import GUILD_DATA, MEMBER_DATA, NOT_GUILD_DATA, MemberData
from bot.scheduling.dispatcher import DeliveryDispatcher
from bot.services.container import Services
from bot.services.privacy import PARTNER_LEFT, PURGE_KIND, PrivacyService
from bot.services.reminders import Kinds
from bot.ui.privacy_commands import register_purge

from .schema import schema, user_columns
from .seed import seed_busy_member

GUILD, OTHER_GUILD = 1, 2
ALICE, BOB, CARO = 10, 20, 30
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(START)
    db = Database(str(tmp_path / "privacy.db"))
    await db.connect()
    await migrate(db, clock)
    services = Services.build(db, clock)
    yield SimpleNamespace(db=db, clock=clock, services=services, privacy=PrivacyService(db, clock))
    await db.close()


@pytest.fixture
async def busy(env):
    """Alice has used every feature in GUILD (Bob is her partner, Caro votes); she also uses OTHER_GUILD."""
    await seed_busy_member(env.db, env.clock, env.services, guild_id=GUILD, user_id=ALICE, partner_id=BOB,
                           voter_id=CARO)
    await env.services.exams.set_exam(OTHER_GUILD, ALICE, "AZ-900")
    await env.services.checkins.log(OTHER_GUILD, ALICE, minutes=15)
    return env


async def rows_by_entry(db: Database, guild_id: int, user_id: int) -> dict[str, list[dict]]:
    async with db.read() as tx:
        data = MemberData(tx)
        return {entry.key: await data.rows(entry, guild_id, user_id) for entry in MEMBER_DATA}


async def sanity(db: Database) -> tuple[str, list]:
    async with db.read() as tx:
        return await tx.scalar("PRAGMA integrity_check"), list(await tx.fetchall("PRAGMA foreign_key_check"))


# --- the registry against the schema --------------------------------------------------------------------
def test_every_column_holding_a_user_id_is_in_the_member_registry():
    """Each (table, column) holding a Discord user id in the migrations has an export/delete rule."""
    covered = {(e.table, e.column) for e in MEMBER_DATA}
    missing = sorted(user_columns() - covered)
    assert missing == [], f"add these to MEMBER_DATA in bot/db/repositories/privacy.py: {missing}"


def test_every_table_is_purged_with_its_server():
    """Each table of the migrations is in GUILD_DATA (or declared as holding nothing about a server)."""
    tables = set(schema()) | {"schema_migrations"}
    covered = {e.table for e in GUILD_DATA} | NOT_GUILD_DATA
    assert sorted(tables - covered) == []
    assert sorted(covered - tables) == []


def test_registries_name_only_real_tables_and_columns():
    """No entry points at a table or column the schema does not have."""
    tables = schema()
    wrong = [e.key for e in MEMBER_DATA if e.column not in tables.get(e.table, [])]
    wrong += [f"{e.key}:{c}" for e in MEMBER_DATA for c in e.columns if c != "*" and c not in tables.get(e.table, [])]
    assert wrong == []


async def test_every_registry_statement_runs_on_the_real_schema(env):
    """Each entry's SELECT and its DELETE/UPDATE are valid SQL on the migrated database."""
    async with env.db.transaction() as tx:
        data = MemberData(tx)
        for entry in MEMBER_DATA:
            assert await data.rows(entry, GUILD, ALICE) == []
            assert await data.erase(entry, GUILD, ALICE) == 0


# --- export ---------------------------------------------------------------------------------------------
async def test_export_of_a_busy_member_shows_every_table_that_holds_them(busy):
    """Every exported registry entry has the member's rows, and the whole document is JSON."""
    document = await busy.privacy.export(GUILD, ALICE)
    text = json.dumps(document)
    shown = set(document["tables"])
    expected = {e.export_name for e in MEMBER_DATA if e.exported}
    assert sorted(expected - shown) == []
    assert json.loads(text)["member_id"] == str(ALICE)


async def test_export_shows_only_the_members_own_rows(busy):
    """Rows keyed by user_id are the member's; another member's block of them is never shown."""
    document = await busy.privacy.export(GUILD, BOB)
    for name, table in document["tables"].items():
        for row in table["rows"]:
            if "user_id" in row:
                assert int(row["user_id"]) == BOB, name
    alice = await busy.privacy.export(GUILD, ALICE)
    assert "partner_blocks (blocked_id)" not in alice["tables"]
    blocks = alice["tables"]["partner_blocks"]["rows"]
    assert [int(r["blocked_id"]) for r in blocks] == [CARO]


async def test_export_is_per_server(busy):
    """The export of one server holds nothing from another server."""
    document = await busy.privacy.export(OTHER_GUILD, ALICE)
    exams = document["tables"]["member_exams"]["rows"]
    assert [r["exam_code"] for r in exams] == ["AZ-900"]
    assert "mock_attempts" not in document["tables"]


async def test_export_gives_snowflakes_as_text(env):
    """Ids too big for a 53-bit JSON number come out as strings."""
    big_guild, big_user = 1_234_567_890_123_456_789, 987_654_321_098_765_432
    await env.services.settings.set_timezone(big_guild, big_user, "Europe/Berlin")
    row = (await env.privacy.export(big_guild, big_user))["tables"]["members"]["rows"][0]
    assert row["guild_id"] == str(big_guild) and row["user_id"] == str(big_user)


# --- delete ---------------------------------------------------------------------------------------------
async def test_delete_leaves_nothing_about_the_member(busy):
    """After delete, no registry entry finds the member; the database is intact and has no orphans."""
    before = await rows_by_entry(busy.db, GUILD, ALICE)
    summary = await busy.privacy.delete(GUILD, ALICE)
    after = await rows_by_entry(busy.db, GUILD, ALICE)
    kept = {e.key for e in MEMBER_DATA if e.action == "keep"}
    left = {key: rows for key, rows in after.items() if rows and key not in kept}
    assert left == {}
    assert all(after[key] == before[key] for key in kept)
    assert summary.rows_deleted > 40 and summary.rows_anonymised >= 8
    assert (await busy.privacy.export(GUILD, ALICE))["tables"] == {}
    assert await sanity(busy.db) == ("ok", [])


async def test_delete_keeps_what_the_server_owns_without_the_members_id(busy):
    """Server content the member made (an exam, bank questions, the quiz round) stays, anonymised."""
    await busy.privacy.delete(GUILD, ALICE)
    async with busy.db.read() as tx:
        local = await tx.fetchall("SELECT exam_code, created_by FROM local_exams WHERE guild_id = ?", (GUILD,))
        added = await tx.fetchall("SELECT DISTINCT added_by FROM server_questions WHERE guild_id = ?", (GUILD,))
        rounds = await tx.fetchall("SELECT started_by FROM quiz_rounds WHERE guild_id = ?", (GUILD,))
    assert [(r["exam_code"], r["created_by"]) for r in local] == [("HALL-101", 0)]
    assert {r["added_by"] for r in added} == {0}
    assert [r["started_by"] for r in rounds] == [0]


async def test_delete_leaves_other_members_and_other_servers_alone(busy):
    """Caro's data and Alice's data in another server are exactly as before."""
    caro_before = await busy.privacy.export(GUILD, CARO)
    other_before = await busy.privacy.export(OTHER_GUILD, ALICE)
    await busy.privacy.delete(GUILD, ALICE)
    caro_after = await busy.privacy.export(GUILD, CARO)
    other_after = await busy.privacy.export(OTHER_GUILD, ALICE)
    for document in (caro_before, caro_after, other_before, other_after):
        document.pop("exported_at")
    # Her proposal stays approved; only the name of the reviewer (Alice) is gone from it.
    proposal = caro_before["tables"]["question_proposals"]["rows"][0]
    assert proposal["reviewed_by"] == ALICE
    proposal["reviewed_by"] = None
    caro_before["tables"].pop("resource_votes")  # her one vote was on Alice's resource, which went with Alice
    assert caro_after == caro_before
    assert other_after == other_before


async def test_delete_is_one_unit_of_work(busy, monkeypatch):
    """A failure half-way through deletes nothing at all."""
    before = await busy.privacy.export(GUILD, ALICE)
    calls = {"n": 0}
    original = MemberData.erase

    async def failing(self, entry, guild_id, user_id):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk went away")
        return await original(self, entry, guild_id, user_id)

    monkeypatch.setattr(MemberData, "erase", failing)
    with pytest.raises(RuntimeError):
        await busy.privacy.delete(GUILD, ALICE)
    after = await busy.privacy.export(GUILD, ALICE)
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


async def test_partner_is_told_neutrally_and_goes_first_in_line(busy):
    """Bob gets a kind notice that names no one and gives no reason, and waits first for the next round."""
    summary = await busy.privacy.delete(GUILD, ALICE)
    assert summary.partners_told == (BOB,)
    async with busy.db.read() as tx:
        notices = await tx.fetchall(
            "SELECT kind, payload, status FROM scheduled_deliveries WHERE user_id = ? AND idempotency_key LIKE ?",
            (BOB, "privacy:partner-left:%"))
        waited = await tx.scalar("SELECT waited_last_round FROM partner_pool WHERE guild_id = ? AND user_id = ?",
                                 (GUILD, BOB))
        mentioning = await tx.scalar("SELECT COUNT(*) FROM scheduled_deliveries WHERE payload LIKE ?",
                                     (f"%{ALICE}%",))
    assert [(n["kind"], n["status"]) for n in notices] == [(Kinds.NOTICE, "pending")]
    text = json.loads(notices[0]["payload"])["text"]
    assert text == PARTNER_LEFT and str(ALICE) not in text
    assert not any(word in text.lower() for word in ("delete", "data", "privacy", "removed"))
    assert waited == 1
    assert mentioning == 0
    status = await busy.services.partners.status(GUILD, BOB)
    assert status.in_pool and status.partners == ()


async def test_a_deleted_member_starts_from_a_clean_page(busy):
    """Using Rebound again after a deletion works and shows nothing from before."""
    await busy.privacy.delete(GUILD, ALICE)
    await busy.services.exams.set_exam(GUILD, ALICE, "N10-009")
    document = await busy.privacy.export(GUILD, ALICE)
    assert [r["exam_code"] for r in document["tables"]["member_exams"]["rows"]] == ["N10-009"]
    assert "checkins" not in document["tables"]


# --- servers the bot left -------------------------------------------------------------------------------
async def mark_left(db: Database, guild_id: int, when: datetime) -> None:
    async with db.transaction() as tx:
        await Guilds(tx).mark_left(guild_id, to_epoch(when))


async def server_rows(db: Database, guild_id: int) -> int:
    total = 0
    async with db.read() as tx:
        for entry in GUILD_DATA:
            total += await tx.scalar(f"SELECT COUNT(*) FROM {entry.table} WHERE {entry.where}",
                                     {"guild_id": guild_id})
    return total


@pytest.mark.parametrize(("days_gone", "purged"), [(29, False), (30, True), (45, True)])
async def test_a_server_is_purged_only_after_the_grace_period(busy, days_gone, purged):
    """30 days after the bot left (the default), everything of that server goes; before that, nothing does."""
    await mark_left(busy.db, GUILD, busy.clock.now())
    other_before = await server_rows(busy.db, OTHER_GUILD)
    busy.clock.advance(days=days_gone)
    summary = await busy.privacy.purge_departed_guilds()
    assert summary.guilds == ((GUILD,) if purged else ())
    assert (await server_rows(busy.db, GUILD) == 0) is purged
    assert await server_rows(busy.db, OTHER_GUILD) == other_before
    assert await sanity(busy.db) == ("ok", [])


async def test_a_server_that_invited_the_bot_back_is_kept(busy):
    """Rejoining within the grace period clears the departure, so nothing is purged later."""
    await mark_left(busy.db, GUILD, busy.clock.now())
    busy.clock.advance(days=5)
    async with busy.db.transaction() as tx:
        await Guilds(tx).ensure(GUILD, to_epoch(busy.clock.now()))
    busy.clock.advance(days=60)
    assert (await busy.privacy.purge_departed_guilds()).guilds == ()
    assert await server_rows(busy.db, GUILD) > 0


async def test_the_grace_period_is_configurable(busy):
    """With a 7-day grace period a server gone for 8 days is purged."""
    short = PrivacyService(busy.db, busy.clock, grace_days=7)
    await mark_left(busy.db, GUILD, busy.clock.now())
    busy.clock.advance(days=8)
    assert (await short.purge_departed_guilds()).guilds == (GUILD,)


async def purge_runs(db: Database) -> list[tuple[str, str]]:
    async with db.read() as tx:
        rows = await tx.fetchall("SELECT idempotency_key, status FROM scheduled_deliveries WHERE kind = ? "
                                 "ORDER BY due_at", (PURGE_KIND,))
    return [(r["idempotency_key"], r["status"]) for r in rows]


async def test_the_purge_runs_daily_through_the_ledger(busy):
    """Registered once, the purge falls due every day at 03:30 UTC, runs once per day, and queues the next."""
    dispatcher = DeliveryDispatcher(busy.db, busy.clock)
    bot = SimpleNamespace(dispatcher=dispatcher)
    await register_purge(bot, busy.privacy)
    await register_purge(bot, busy.privacy)  # a second start changes nothing
    await mark_left(busy.db, GUILD, busy.clock.now() - timedelta(days=31))
    await dispatcher.run_due()
    assert await purge_runs(busy.db) == [("privacy:purge:2026-06-02", "pending")]
    busy.clock.advance(hours=18, minutes=30)  # 2026-06-02 03:30
    await dispatcher.run_due()
    assert await server_rows(busy.db, GUILD) == 0
    assert await purge_runs(busy.db) == [("privacy:purge:2026-06-02", "sent"), ("privacy:purge:2026-06-03", "pending")]
    busy.clock.advance(days=1)
    await dispatcher.run_due()
    assert [status for _, status in await purge_runs(busy.db)] == ["sent", "sent", "pending"]
