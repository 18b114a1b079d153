"""The migration runner: fresh, idempotent, refusing edited files, atomic per file."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.db.connection import Database
from bot.db.migrations import Migration, MigrationError, migrate, shipped_migrations, split_statements, status


@pytest.fixture
async def db(tmp_path):
    database = Database(str(tmp_path / "t.db"))
    await database.connect()
    yield database
    await database.close()


async def test_fresh_database_gets_every_shipped_migration(db):
    """A new database ends with every shipped migration recorded."""
    applied = await migrate(db, FakeClock())
    assert [m.version for m in applied] == [m.version for m in shipped_migrations()]
    states = await status(db)
    assert states and all(s.applied for s in states)


async def test_rerun_applies_nothing(db):
    """Running the migrations a second time is a no-op."""
    await migrate(db, FakeClock())
    assert await migrate(db, FakeClock()) == []


async def test_changed_applied_file_is_refused(db):
    """An applied migration whose text changed is refused with a clear error."""
    original = [Migration(1, "first", "CREATE TABLE a (x INTEGER);")]
    await migrate(db, FakeClock(), original)
    edited = [Migration(1, "first", "CREATE TABLE a (x INTEGER, y TEXT);")]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(db, FakeClock(), edited)


async def test_failing_migration_leaves_nothing_behind(db):
    """A file that fails half-way is rolled back entirely and not recorded."""
    bad = [Migration(1, "bad", "CREATE TABLE ok_table (x INTEGER);\nCREATE TABLE broken (;")]
    with pytest.raises(MigrationError, match="rolled back"):
        await migrate(db, FakeClock(), bad)
    async with db.read() as tx:
        tables = {r[0] for r in await tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        recorded = await tx.scalar("SELECT COUNT(*) FROM schema_migrations")
    assert "ok_table" not in tables
    assert recorded == 0


def test_split_statements_keeps_triggers_whole():
    """A trigger body with inner semicolons stays one statement."""
    sql = (
        "-- header\nCREATE TABLE t (x INTEGER);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 1;\n  UPDATE t SET x = 2;\nEND;\n"
    )
    parts = split_statements(sql)
    assert len(parts) == 2
    assert parts[1].startswith("CREATE TRIGGER") and parts[1].endswith("END;")


def test_shipped_files_are_numbered_uniquely_from_one():
    """Shipped migrations start at 1 and no two share a number (they apply in number order)."""
    versions = [m.version for m in shipped_migrations()]
    assert versions[0] == 1
    assert versions == sorted(set(versions))
