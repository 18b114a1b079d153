"""Forward-only numbered migrations: ``migrations/0001_initial.sql``, ``0002_<reason>.sql`` …

Each file runs in one transaction together with its row in ``schema_migrations`` (version, name,
sha256 checksum), so a crash never leaves a half-applied file recorded as done. A file whose checksum
changed after it was applied is refused: migrations are never edited after they land.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from bot.clock import Clock, to_epoch
from bot.db.connection import Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    name: str
    applied: bool
    applied_at: int | None


def shipped_migrations() -> list[Migration]:
    """The migrations shipped in the ``migrations`` package, in order (works from a wheel too)."""
    found: list[Migration] = []
    for entry in resources.files("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"Two migration files share a number: {versions}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into statements without ``executescript`` (which commits the open transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip().strip(";").strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise MigrationError(f"Unterminated statement at the end of a migration: {buffer.strip()[:80]!r}")
    return statements


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)
"""


async def _applied(db: Database) -> dict[int, tuple[str, str, int]]:
    async with db.transaction() as tx:
        await tx.execute(_CREATE_TABLE)
    async with db.read() as tx:
        rows = await tx.fetchall("SELECT version, name, checksum, applied_at FROM schema_migrations")
    return {r["version"]: (r["name"], r["checksum"], r["applied_at"]) for r in rows}


def _check_unchanged(migrations: list[Migration], applied: dict[int, tuple[str, str, int]]) -> None:
    for m in migrations:
        if m.version in applied and applied[m.version][1] != m.checksum:
            raise MigrationError(
                f"Migration {m.version:04d}_{m.name}.sql was changed after it was applied to this database. "
                "Applied migrations must never be edited: restore the original file and add a new, "
                "higher-numbered migration for the change."
            )


async def migrate(db: Database, clock: Clock, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply pending migrations in order; returns the ones applied now."""
    migrations = shipped_migrations() if migrations is None else migrations
    applied = await _applied(db)
    _check_unchanged(migrations, applied)
    done: list[Migration] = []
    for m in migrations:
        if m.version in applied:
            continue
        try:
            async with db.transaction() as tx:
                for statement in split_statements(m.sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    (m.version, m.name, m.checksum, to_epoch(clock.now())),
                )
        except sqlite3.Error as exc:
            raise MigrationError(f"Migration {m.version:04d}_{m.name}.sql failed and was rolled back: {exc}") from exc
        done.append(m)
    return done


async def status(db: Database, migrations: list[Migration] | None = None) -> list[MigrationStatus]:
    migrations = shipped_migrations() if migrations is None else migrations
    applied = await _applied(db)
    _check_unchanged(migrations, applied)
    return [
        MigrationStatus(m.version, m.name, m.version in applied, applied.get(m.version, (None, None, None))[2])
        for m in migrations
    ]
