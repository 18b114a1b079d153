"""The one owner of the SQLite connection.

All access goes through ``Database.transaction()`` (a write unit of work: ``BEGIN IMMEDIATE`` …
``COMMIT``, rolled back on any error) or ``Database.read()`` (a consistent read). Both hold one
asyncio lock, so statements from different tasks never interleave inside someone else's transaction
on the shared connection. SQL itself lives only in ``bot.db.repositories``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_in_unit: contextvars.ContextVar[bool] = contextvars.ContextVar("rebound_db_in_unit", default=False)

Params = Sequence[Any] | dict[str, Any]

#: How long SQLite waits on a lock held by another process before "database is locked".
BUSY_TIMEOUT_MS = 5000
#: Extra attempts for a unit of work that still hits "database is locked"/"busy" after the timeout.
LOCKED_RETRIES = 3


class DatabaseError(Exception):
    """The database could not do what was asked; the message says why in plain words."""


class Tx:
    """A handle on the connection for the duration of one unit of work."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        cursor = await self._conn.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row id."""
        row = await self._conn.execute_insert(sql, params)
        return int(row[0] or 0) if row is not None else 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    # Reads go to aiosqlite's worker thread once (execute, fetch and close together) instead of three times:
    # each hop costs more than a small indexed query, and every command makes several.
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class Database:
    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def connect(self) -> Database:
        if self._conn is not None:
            return self
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"Could not open the database at {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path != ":memory:":
            await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        self._conn = conn
        return self

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                await self._conn.close()
                self._conn = None

    async def __aenter__(self) -> Database:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("The database is not connected yet.")
        return self._conn

    def _enter_unit(self) -> contextvars.Token[bool]:
        if _in_unit.get():
            # A nested unit of work on the same connection would deadlock on the lock or commit
            # the outer work early; services must pass the open Tx down instead.
            raise DatabaseError("A unit of work was opened inside another one; pass the open Tx down instead.")
        return _in_unit.set(True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write unit of work. Everything inside commits together or not at all."""
        token = self._enter_unit()
        try:
            async with self._lock:
                conn = self._connection()
                await self._begin(conn)
                try:
                    yield Tx(conn)
                except BaseException:
                    await conn.rollback()
                    raise
                else:
                    try:
                        await conn.commit()
                    except sqlite3.Error:
                        await conn.rollback()
                        raise
        finally:
            _in_unit.reset(token)

    async def _begin(self, conn: aiosqlite.Connection) -> None:
        for attempt in range(LOCKED_RETRIES + 1):
            try:
                await conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or attempt == LOCKED_RETRIES:
                    raise
                log.warning("database busy, retrying BEGIN (attempt %d)", attempt + 1)
                await asyncio.sleep(0.05 * (attempt + 1))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A consistent read: one snapshot for every statement inside."""
        token = self._enter_unit()
        try:
            async with self._lock:
                conn = self._connection()
                await conn.execute("BEGIN")
                try:
                    yield Tx(conn)
                finally:
                    await conn.rollback()
        finally:
            _in_unit.reset(token)

    async def integrity_check(self) -> str:
        async with self.read() as tx:
            return str(await tx.scalar("PRAGMA integrity_check"))
