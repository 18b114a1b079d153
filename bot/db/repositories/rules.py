"""Recurring per-member rules (e.g. a daily check-in reminder)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

_COLUMNS = "id, guild_id, user_id, kind, hour, minute, days, timezone, payload, active, created_at"


@dataclass(frozen=True)
class RecurringRule:
    id: int
    guild_id: int
    user_id: int
    kind: str
    hour: int
    minute: int
    days: str
    timezone: str
    payload: dict[str, Any]
    active: bool
    created_at: int

    @classmethod
    def from_row(cls, row: Any) -> RecurringRule:
        data = dict(row)
        data["payload"] = json.loads(data["payload"] or "{}")
        data["active"] = bool(data["active"])
        return cls(**data)


class Rules:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(
        self, *, guild_id: int, user_id: int, kind: str, hour: int, minute: int, days: str, timezone: str,
        payload: dict[str, Any], now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO recurring_rules (guild_id, user_id, kind, hour, minute, days, timezone, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, kind, hour, minute, days, timezone, json.dumps(payload, sort_keys=True), now),
        )

    async def get(self, rule_id: int) -> RecurringRule | None:
        row = await self.tx.fetchone(f"SELECT {_COLUMNS} FROM recurring_rules WHERE id = ?", (rule_id,))
        return RecurringRule.from_row(row) if row else None

    async def for_member(self, guild_id: int, user_id: int, kind: str | None = None) -> list[RecurringRule]:
        sql = f"SELECT {_COLUMNS} FROM recurring_rules WHERE guild_id = ? AND user_id = ? AND active = 1"
        params: list[Any] = [guild_id, user_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        rows = await self.tx.fetchall(sql + " ORDER BY id", params)
        return [RecurringRule.from_row(r) for r in rows]

    async def deactivate(self, rule_id: int) -> bool:
        changed = await self.tx.execute("UPDATE recurring_rules SET active = 0 WHERE id = ? AND active = 1", (rule_id,))
        return changed == 1

    async def set_timezone_for_member(self, guild_id: int, user_id: int, timezone: str) -> list[int]:
        await self.tx.execute(
            "UPDATE recurring_rules SET timezone = ? WHERE guild_id = ? AND user_id = ? AND active = 1",
            (timezone, guild_id, user_id),
        )
        rows = await self.tx.fetchall(
            "SELECT id FROM recurring_rules WHERE guild_id = ? AND user_id = ? AND active = 1", (guild_id, user_id)
        )
        return [r["id"] for r in rows]
