"""The connection owner: transactions commit together or not at all."""

from __future__ import annotations

import asyncio

import pytest

from bot.db.connection import Database, DatabaseError


@pytest.fixture
async def db(tmp_path):
    database = Database(str(tmp_path / "t.db"))
    await database.connect()
    async with database.transaction() as tx:
        await tx.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    yield database
    await database.close()


async def count(db: Database) -> int:
    async with db.read() as tx:
        return await tx.scalar("SELECT COUNT(*) FROM items")


async def test_transaction_commits(db):
    """Writes inside a transaction are there afterwards."""
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO items (name) VALUES (?)", ("a",))
    assert await count(db) == 1


async def test_transaction_rolls_back_on_error(db):
    """An exception inside a transaction undoes every write in it."""
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO items (name) VALUES (?)", ("a",))
            await tx.execute("INSERT INTO items (name) VALUES (?)", ("b",))
            raise RuntimeError("boom")
    assert await count(db) == 0


async def test_nested_unit_of_work_is_refused(db):
    """Opening a unit of work inside another is a programming error, reported clearly."""
    with pytest.raises(DatabaseError, match="inside another"):
        async with db.transaction():  # noqa: SIM117 (the nesting is what is tested)
            async with db.read():
                pass


async def test_concurrent_transactions_do_not_interleave(db):
    """Two tasks writing at once each commit whole, never mixing into one another's transaction."""

    async def writer(name: str, fail: bool) -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO items (name) VALUES (?)", (name,))
            await asyncio.sleep(0)  # let the other task try to run in between
            if fail:
                raise ValueError(name)

    results = await asyncio.gather(writer("keep", False), writer("drop", True), return_exceptions=True)
    assert isinstance(results[1], ValueError)
    async with db.read() as tx:
        names = [r["name"] for r in await tx.fetchall("SELECT name FROM items")]
    assert names == ["keep"]


async def test_foreign_keys_and_wal_are_on(db):
    """The connection enforces foreign keys and uses WAL."""
    async with db.read() as tx:
        assert await tx.scalar("PRAGMA foreign_keys") == 1
        assert str(await tx.scalar("PRAGMA journal_mode")).lower() == "wal"
