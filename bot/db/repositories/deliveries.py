"""The delivery ledger: every scheduled message, its state and its idempotency key.

Claiming is one atomic ``UPDATE … WHERE status = 'pending' … RETURNING``, so two dispatchers (or two
processes sharing a PostgreSQL database later) can never claim the same row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

_COLUMNS = (
    "id, kind, guild_id, user_id, target_id, payload, due_at, idempotency_key, status, attempts, "
    "last_error, claimed_at, finished_at, created_at"
)


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    guild_id: int | None
    user_id: int | None
    target_id: int | None
    payload: dict[str, Any]
    due_at: int
    idempotency_key: str
    status: str
    attempts: int
    last_error: str | None
    claimed_at: int | None
    finished_at: int | None
    created_at: int

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        data = dict(row)
        data["payload"] = json.loads(data["payload"] or "{}")
        return cls(**data)


class Deliveries:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def schedule(
        self,
        *,
        kind: str,
        due_at: int,
        key: str,
        now: int,
        guild_id: int | None = None,
        user_id: int | None = None,
        target_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Insert a delivery unless one with the same key exists. Returns True when inserted."""
        changed = await self.tx.execute(
            "INSERT INTO scheduled_deliveries "
            "(kind, guild_id, user_id, target_id, payload, due_at, idempotency_key, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            (kind, guild_id, user_id, target_id, json.dumps(payload or {}, sort_keys=True), due_at, key, now),
        )
        return changed == 1

    async def claim_due(self, now: int, limit: int) -> list[Delivery]:
        rows = await self.tx.fetchall(
            f"UPDATE scheduled_deliveries SET status = 'sending', attempts = attempts + 1, claimed_at = ? "
            f"WHERE id IN (SELECT id FROM scheduled_deliveries WHERE status = 'pending' AND due_at <= ? "
            f"ORDER BY due_at, id LIMIT ?) RETURNING {_COLUMNS}",
            (now, now, limit),
        )
        return sorted((Delivery.from_row(r) for r in rows), key=lambda d: (d.due_at, d.id))

    async def finish(self, delivery_id: int, status: str, now: int, error: str | None = None) -> bool:
        """Move a claimed row to its final state; False when it was not (or no longer) being sent."""
        changed = await self.tx.execute(
            "UPDATE scheduled_deliveries SET status = ?, finished_at = ?, last_error = ? "
            "WHERE id = ? AND status = 'sending'",
            (status, now, error, delivery_id),
        )
        return changed == 1

    async def retry_later(self, delivery_id: int, due_at: int, error: str) -> None:
        await self.tx.execute(
            "UPDATE scheduled_deliveries SET status = 'pending', due_at = ?, last_error = ? "
            "WHERE id = ? AND status = 'sending'",
            (due_at, error, delivery_id),
        )

    async def recover_interrupted(self) -> int:
        """Rows left 'sending' by a process that died go back to 'pending'.

        They are re-sent with the same deterministic message nonce, which Discord uses to drop a
        duplicate of a message that did go out just before the crash.
        """
        return await self.tx.execute("UPDATE scheduled_deliveries SET status = 'pending' WHERE status = 'sending'")

    async def next_due_at(self) -> int | None:
        return await self.tx.scalar("SELECT MIN(due_at) FROM scheduled_deliveries WHERE status = 'pending'")

    async def cancel(self, *, key_prefix: str) -> int:
        return await self.tx.execute(
            "UPDATE scheduled_deliveries SET status = 'cancelled' WHERE status = 'pending' "
            "AND idempotency_key LIKE ? ESCAPE '\\'",
            (_like_prefix(key_prefix),),
        )

    async def cancel_for_member(self, guild_id: int, user_id: int, kinds: tuple[str, ...] | None = None) -> int:
        sql = (
            "UPDATE scheduled_deliveries SET status = 'cancelled' "
            "WHERE status = 'pending' AND guild_id = ? AND user_id = ?"
        )
        params: list[Any] = [guild_id, user_id]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        return await self.tx.execute(sql, params)

    async def by_key(self, key: str) -> Delivery | None:
        row = await self.tx.fetchone(
            f"SELECT {_COLUMNS} FROM scheduled_deliveries WHERE idempotency_key = ?", (key,)
        )
        return Delivery.from_row(row) if row else None

    async def pending_for_member(self, guild_id: int, user_id: int) -> list[Delivery]:
        rows = await self.tx.fetchall(
            f"SELECT {_COLUMNS} FROM scheduled_deliveries WHERE guild_id = ? AND user_id = ? "
            "AND status = 'pending' ORDER BY due_at, id",
            (guild_id, user_id),
        )
        return [Delivery.from_row(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.tx.fetchall("SELECT status, COUNT(*) AS n FROM scheduled_deliveries GROUP BY status")
        return {r["status"]: r["n"] for r in rows}


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
