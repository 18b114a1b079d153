"""The batch writes of answers, mastery and cards (a quiz round's reveal) store exactly what the single writes do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database, Tx
from bot.db.migrations import migrate
from bot.db.repositories.members import Members
from bot.db.repositories.practice import Answers, Cards, Mastery
from bot.domain.mastery import DomainMastery
from bot.domain.review import new_card_from_miss, review

GUILD, EXAM = 1, "SY0-701"
SINGLE, BATCH = 10, 20
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path):
    clock = FakeClock(T0)
    database = Database(str(tmp_path / "t.db"))
    await database.connect()
    await migrate(database, clock)
    async with database.transaction() as tx:
        for user in (SINGLE, BATCH):
            await Members(tx).ensure(GUILD, user, to_epoch(T0))
    yield database
    await database.close()


async def rows_by_user(db: Database, table: str) -> dict[int, list[dict]]:
    """Every row of ``table`` per member, without the member and the row id."""
    async with db.read() as tx:
        rows = await tx.fetchall(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608 - fixed table names
    found: dict[int, list[dict]] = {SINGLE: [], BATCH: []}
    for row in rows:
        data = {k: v for k, v in dict(row).items() if k not in ("id", "user_id")}
        found[row["user_id"]].append(data)
    return found


async def test_mastery_save_many_inserts_then_updates_like_save(db):
    """A first batch inserts and a second one updates each member's row, as ``save`` does one at a time."""
    for now, value in ((100, DomainMastery("2.0", 0.4, 1, 0)), (200, DomainMastery("2.0", 0.46, 2, 1))):
        async with db.transaction() as tx:
            await Mastery(tx).save(GUILD, SINGLE, EXAM, value, now)
            await Mastery(tx).save_many(GUILD, EXAM, [(BATCH, value)], now)
    rows = await rows_by_user(db, "domain_mastery")
    assert rows[BATCH] == rows[SINGLE]
    assert [(r["mastery"], r["answered"], r["correct"], r["updated_at"]) for r in rows[BATCH]] == [(0.46, 2, 1, 200)]


async def test_cards_save_many_inserts_then_updates_like_save(db):
    """A new card, then its review, are stored by the batch exactly as by ``save``."""
    missed = new_card_from_miss("q1", T0)
    reviewed, _ = review(missed, True, missed.due)
    for now, card in ((to_epoch(T0), missed), (to_epoch(T0 + timedelta(days=1)), reviewed)):
        async with db.transaction() as tx:
            await Cards(tx).save(GUILD, SINGLE, EXAM, card, now)
            await Cards(tx).save_many(GUILD, EXAM, [(BATCH, card)], now)
    rows = await rows_by_user(db, "review_cards")
    assert rows[BATCH] == rows[SINGLE]
    async with db.read() as tx:
        assert await Cards(tx).for_exam(GUILD, BATCH, EXAM) == [reviewed]


async def test_answers_add_many_stores_the_rows_add_does(db):
    """One batch of round answers gives the same rows as adding them one by one."""
    shared = {"guild_id": GUILD, "exam_code": EXAM, "question_id": "q1", "domain": "2.0", "position": 3,
              "now": 500, "round_id": 7}
    async with db.transaction() as tx:
        for chosen, correct in ((("b", "a"), True), (("c",), False)):
            await Answers(tx).add(user_id=SINGLE, chosen=chosen, correct=correct, **shared)
        await Answers(tx).add_many(answers=[(BATCH, ("b", "a"), True), (BATCH, ("c",), False)], **shared)
    rows = await rows_by_user(db, "practice_answers")
    assert rows[BATCH] == rows[SINGLE]
    assert [(r["chosen"], r["correct"], r["session_id"], r["round_id"]) for r in rows[BATCH]] == [
        ("a,b", 1, None, 7), ("c", 0, None, 7)]


async def test_an_empty_batch_sends_no_statement(db, monkeypatch):
    """A reveal where nobody earned a card costs no round trip for cards."""
    sent = []

    async def recording(self, sql, rows):
        sent.append(sql)

    monkeypatch.setattr(Tx, "executemany", recording)
    async with db.transaction() as tx:
        await Mastery(tx).save_many(GUILD, EXAM, [], 1)
        await Cards(tx).save_many(GUILD, EXAM, [], 1)
        await Answers(tx).add_many(guild_id=GUILD, exam_code=EXAM, question_id="q1", domain="2.0", position=0,
                                   answers=[], now=1, round_id=1)
    assert sent == []
