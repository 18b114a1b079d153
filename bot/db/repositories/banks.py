"""A server's own question banks (imported files and approved proposals) and the proposals queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx


@dataclass(frozen=True)
class ServerBankRecord:
    guild_id: int
    exam_code: str
    version: int
    title: str
    author: str
    licence: str
    as_of: str | None
    updated_by: int
    updated_at: int
    question_count: int


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    guild_id: int
    user_id: int
    exam_code: str
    document: dict[str, Any]
    status: str
    reviewed_by: int | None
    reviewed_at: int | None
    created_at: int


_PROPOSAL_COLUMNS = "id, guild_id, user_id, exam_code, document, status, reviewed_by, reviewed_at, created_at"


def _proposal(row: Any) -> ProposalRecord:
    data = dict(row)
    data["document"] = json.loads(data["document"])
    return ProposalRecord(**data)


class ServerBanks:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def save_meta(
        self, guild_id: int, exam_code: str, *, version: int, title: str, author: str, licence: str,
        as_of: str | None, updated_by: int, now: int,
    ) -> None:
        await self.tx.execute(
            "INSERT INTO server_banks (guild_id, exam_code, version, title, author, licence, as_of, updated_by, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, exam_code) DO UPDATE SET "
            "version = excluded.version, title = excluded.title, author = excluded.author, "
            "licence = excluded.licence, as_of = excluded.as_of, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (guild_id, exam_code, version, title, author, licence, as_of, updated_by, now),
        )

    async def ensure_meta(self, guild_id: int, exam_code: str, *, title: str, updated_by: int, now: int) -> None:
        """A bank row for approved proposals when the server never imported a file for the exam."""
        await self.tx.execute(
            "INSERT INTO server_banks (guild_id, exam_code, version, title, author, licence, updated_by, updated_at) "
            "VALUES (?, ?, 1, ?, 'server members', 'CC-BY-SA-4.0', ?, ?) ON CONFLICT (guild_id, exam_code) DO NOTHING",
            (guild_id, exam_code, title, updated_by, now),
        )

    async def get(self, guild_id: int, exam_code: str) -> ServerBankRecord | None:
        banks = await self._select("WHERE b.guild_id = ? AND b.exam_code = ?", (guild_id, exam_code))
        return banks[0] if banks else None

    async def for_guild(self, guild_id: int) -> list[ServerBankRecord]:
        return await self._select("WHERE b.guild_id = ?", (guild_id,))

    async def _select(self, where: str, params: tuple[Any, ...]) -> list[ServerBankRecord]:
        rows = await self.tx.fetchall(
            "SELECT b.guild_id, b.exam_code, b.version, b.title, b.author, b.licence, b.as_of, b.updated_by, "
            "b.updated_at, (SELECT COUNT(*) FROM server_questions q WHERE q.guild_id = b.guild_id "
            f"AND q.exam_code = b.exam_code) AS question_count FROM server_banks b {where} ORDER BY b.exam_code",
            params,
        )
        return [ServerBankRecord(**dict(r)) for r in rows]

    async def question_ids(self, guild_id: int, exam_code: str) -> set[str]:
        rows = await self.tx.fetchall(
            "SELECT question_id FROM server_questions WHERE guild_id = ? AND exam_code = ?", (guild_id, exam_code)
        )
        return {r["question_id"] for r in rows}

    async def question_documents(self, guild_id: int, exam_code: str) -> list[dict[str, Any]]:
        rows = await self.tx.fetchall(
            "SELECT document FROM server_questions WHERE guild_id = ? AND exam_code = ? ORDER BY added_at, question_id",
            (guild_id, exam_code),
        )
        return [json.loads(r["document"]) for r in rows]

    async def upsert_questions(
        self, guild_id: int, exam_code: str, documents: list[dict[str, Any]], *, origin: str, added_by: int, now: int
    ) -> None:
        await self.tx.executemany(
            "INSERT INTO server_questions (guild_id, exam_code, question_id, domain, document, origin, added_by, "
            "added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, exam_code, question_id) DO UPDATE SET "
            "domain = excluded.domain, document = excluded.document, origin = excluded.origin, "
            "added_by = excluded.added_by",
            [(guild_id, exam_code, d["id"], d["domain"], json.dumps(d, sort_keys=True), origin, added_by, now)
             for d in documents],
        )


class Proposals:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(self, guild_id: int, user_id: int, exam_code: str, document: dict[str, Any], now: int) -> int:
        return await self.tx.insert(
            "INSERT INTO question_proposals (guild_id, user_id, exam_code, document, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, json.dumps(document, sort_keys=True), now),
        )

    async def get(self, proposal_id: int) -> ProposalRecord | None:
        row = await self.tx.fetchone(
            f"SELECT {_PROPOSAL_COLUMNS} FROM question_proposals WHERE id = ?", (proposal_id,)
        )
        return _proposal(row) if row else None

    async def pending(self, guild_id: int, limit: int = 25) -> list[ProposalRecord]:
        rows = await self.tx.fetchall(
            f"SELECT {_PROPOSAL_COLUMNS} FROM question_proposals WHERE guild_id = ? AND status = 'pending' "
            "ORDER BY created_at, id LIMIT ?",
            (guild_id, limit),
        )
        return [_proposal(r) for r in rows]

    async def pending_count(self, guild_id: int) -> int:
        return int(await self.tx.scalar(
            "SELECT COUNT(*) FROM question_proposals WHERE guild_id = ? AND status = 'pending'", (guild_id,)
        ))

    async def pending_ids(self, guild_id: int, exam_code: str) -> set[str]:
        """Question ids held by proposals still waiting, so a new proposal takes the next free one."""
        rows = await self.tx.fetchall(
            "SELECT document FROM question_proposals WHERE guild_id = ? AND exam_code = ? AND status = 'pending'",
            (guild_id, exam_code),
        )
        return {json.loads(r["document"]).get("id", "") for r in rows}

    async def decide(
        self, proposal_id: int, *, status: str, reviewer: int, now: int, document: dict[str, Any] | None = None
    ) -> bool:
        """Approve or reject a pending proposal; False when someone decided it already."""
        sql = "UPDATE question_proposals SET status = ?, reviewed_by = ?, reviewed_at = ?"
        params: list[Any] = [status, reviewer, now]
        if document is not None:
            sql += ", document = ?"
            params.append(json.dumps(document, sort_keys=True))
        changed = await self.tx.execute(sql + " WHERE id = ? AND status = 'pending'", (*params, proposal_id))
        return changed == 1
