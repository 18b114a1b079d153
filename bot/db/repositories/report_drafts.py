"""Score-report drafts held until the member confirms them, and server-local exams with their dates."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.db.connection import Tx


@dataclass(frozen=True)
class ReportDraft:
    id: int
    guild_id: int
    user_id: int
    exam_code: str
    kind: str  # "pages" | "paste"
    entries: dict[str, str]
    pasted: str
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class LocalExamRow:
    exam_code: str
    document: dict
    created_by: int
    created_at: int


class ReportDrafts:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(
        self, guild_id: int, user_id: int, exam_code: str, kind: str, entries: dict[str, str], pasted: str,
        now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO report_drafts (guild_id, user_id, exam_code, kind, entries, pasted, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, kind, json.dumps(entries, sort_keys=True), pasted, now, now),
        )

    async def get(self, draft_id: int) -> ReportDraft | None:
        row = await self.tx.fetchone(
            "SELECT id, guild_id, user_id, exam_code, kind, entries, pasted, created_at, updated_at "
            "FROM report_drafts WHERE id = ?",
            (draft_id,),
        )
        if row is None:
            return None
        data = dict(row)
        data["entries"] = json.loads(data["entries"])
        return ReportDraft(**data)

    async def set_entries(self, draft_id: int, entries: dict[str, str], now: int) -> None:
        await self.tx.execute(
            "UPDATE report_drafts SET entries = ?, updated_at = ? WHERE id = ?",
            (json.dumps(entries, sort_keys=True), now, draft_id),
        )

    async def delete(self, draft_id: int) -> None:
        await self.tx.execute("DELETE FROM report_drafts WHERE id = ?", (draft_id,))

    async def delete_older_than(self, guild_id: int, user_id: int, cutoff: int) -> None:
        await self.tx.execute(
            "DELETE FROM report_drafts WHERE guild_id = ? AND user_id = ? AND updated_at < ?",
            (guild_id, user_id, cutoff),
        )

    async def count_for(self, guild_id: int, user_id: int) -> int:
        return int(await self.tx.scalar(
            "SELECT COUNT(*) FROM report_drafts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ))


class LocalExamRows:
    """Reads ``local_exams`` (0002) with the date each exam was defined, which its 'as of' falls back to."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def for_guild(self, guild_id: int) -> list[LocalExamRow]:
        rows = await self.tx.fetchall(
            "SELECT exam_code, document, created_by, created_at FROM local_exams WHERE guild_id = ? "
            "ORDER BY exam_code",
            (guild_id,),
        )
        return [LocalExamRow(r["exam_code"], json.loads(r["document"]), r["created_by"], r["created_at"])
                for r in rows]
