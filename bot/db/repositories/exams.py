"""A member's exams, attempts, score reports, diagnoses and booked retakes; server-local exams."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx


@dataclass(frozen=True)
class MemberExam:
    guild_id: int
    user_id: int
    exam_code: str
    active: bool
    booked_date: str | None
    booked_at: int | None
    hours_per_week: float | None
    added_at: int
    updated_at: int


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    exam_code: str
    taken_on: str
    taken_at: int
    passed: bool
    score: float | None


@dataclass(frozen=True)
class ReportDomainRecord:
    domain_number: str
    kind: str
    percent: float | None
    level: str | None
    missed_objectives: tuple[str, ...]
    estimated_percent: float | None


@dataclass(frozen=True)
class ReportRecord:
    id: int
    exam_code: str
    attempt_id: int | None
    overall: float | None
    created_at: int
    domains: tuple[ReportDomainRecord, ...]

    def estimated_percents(self) -> dict[str, float]:
        return {d.domain_number: d.estimated_percent for d in self.domains if d.estimated_percent is not None}


@dataclass(frozen=True)
class DiagnosisRecord:
    id: int
    exam_code: str
    answers: dict[str, list[str]]
    causes: list[str]
    remedies: list[str]
    created_at: int


_ME_COLUMNS = "guild_id, user_id, exam_code, active, booked_date, booked_at, hours_per_week, added_at, updated_at"


def _member_exam(row: Any) -> MemberExam:
    data = dict(row)
    data["active"] = bool(data["active"])
    return MemberExam(**data)


class Exams:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # --- the exams a member prepares for -------------------------------------------------------
    async def set_active(self, guild_id: int, user_id: int, exam_code: str, now: int) -> None:
        """Add the exam if new and make it the one active exam (others stay, inactive)."""
        await self.tx.execute(
            "UPDATE member_exams SET active = 0, updated_at = ? WHERE guild_id = ? AND user_id = ? AND active = 1",
            (now, guild_id, user_id),
        )
        await self.tx.execute(
            "INSERT INTO member_exams (guild_id, user_id, exam_code, active, added_at, updated_at) "
            "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (guild_id, user_id, exam_code) "
            "DO UPDATE SET active = 1, updated_at = excluded.updated_at",
            (guild_id, user_id, exam_code, now, now),
        )

    async def active(self, guild_id: int, user_id: int) -> MemberExam | None:
        row = await self.tx.fetchone(
            f"SELECT {_ME_COLUMNS} FROM member_exams WHERE guild_id = ? AND user_id = ? AND active = 1",
            (guild_id, user_id),
        )
        return _member_exam(row) if row else None

    async def get(self, guild_id: int, user_id: int, exam_code: str) -> MemberExam | None:
        row = await self.tx.fetchone(
            f"SELECT {_ME_COLUMNS} FROM member_exams WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (guild_id, user_id, exam_code),
        )
        return _member_exam(row) if row else None

    async def for_member(self, guild_id: int, user_id: int) -> list[MemberExam]:
        rows = await self.tx.fetchall(
            f"SELECT {_ME_COLUMNS} FROM member_exams WHERE guild_id = ? AND user_id = ? ORDER BY added_at",
            (guild_id, user_id),
        )
        return [_member_exam(r) for r in rows]

    async def active_in_guild(self, guild_id: int) -> list[MemberExam]:
        rows = await self.tx.fetchall(
            f"SELECT {_ME_COLUMNS} FROM member_exams WHERE guild_id = ? AND active = 1 ORDER BY user_id",
            (guild_id,),
        )
        return [_member_exam(r) for r in rows]

    async def set_booking(
        self, guild_id: int, user_id: int, exam_code: str, booked_date: str | None, booked_at: int | None, now: int
    ) -> None:
        await self.tx.execute(
            "UPDATE member_exams SET booked_date = ?, booked_at = ?, updated_at = ? "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (booked_date, booked_at, now, guild_id, user_id, exam_code),
        )

    async def set_hours_per_week(self, guild_id: int, user_id: int, exam_code: str, hours: float, now: int) -> None:
        await self.tx.execute(
            "UPDATE member_exams SET hours_per_week = ?, updated_at = ? "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (hours, now, guild_id, user_id, exam_code),
        )

    # --- attempts --------------------------------------------------------------------------------
    async def add_attempt(
        self, guild_id: int, user_id: int, exam_code: str, taken_on: str, taken_at: int, passed: bool,
        score: float | None, now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO exam_attempts (guild_id, user_id, exam_code, taken_on, taken_at, passed, score, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, taken_on, taken_at, int(passed), score, now),
        )

    async def attempts(self, guild_id: int, user_id: int, exam_codes: tuple[str, ...]) -> list[AttemptRecord]:
        if not exam_codes:
            return []
        marks = ", ".join("?" for _ in exam_codes)
        rows = await self.tx.fetchall(
            f"SELECT id, exam_code, taken_on, taken_at, passed, score FROM exam_attempts "
            f"WHERE guild_id = ? AND user_id = ? AND exam_code IN ({marks}) ORDER BY taken_at, id",
            (guild_id, user_id, *exam_codes),
        )
        return [AttemptRecord(r["id"], r["exam_code"], r["taken_on"], r["taken_at"], bool(r["passed"]), r["score"])
                for r in rows]

    # --- score reports ---------------------------------------------------------------------------
    async def add_report(
        self, guild_id: int, user_id: int, exam_code: str, attempt_id: int | None, overall: float | None,
        domains: list[ReportDomainRecord], now: int,
    ) -> int:
        report_id = await self.tx.insert(
            "INSERT INTO score_reports (guild_id, user_id, exam_code, attempt_id, overall, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, attempt_id, overall, now),
        )
        await self.tx.executemany(
            "INSERT INTO score_report_domains "
            "(report_id, domain_number, kind, percent, level, missed_objectives, estimated_percent) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(report_id, d.domain_number, d.kind, d.percent, d.level, ",".join(d.missed_objectives),
              d.estimated_percent) for d in domains],
        )
        return report_id

    async def latest_report(self, guild_id: int, user_id: int, exam_code: str) -> ReportRecord | None:
        row = await self.tx.fetchone(
            "SELECT id, exam_code, attempt_id, overall, created_at FROM score_reports "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (guild_id, user_id, exam_code),
        )
        if row is None:
            return None
        domains = await self.tx.fetchall(
            "SELECT domain_number, kind, percent, level, missed_objectives, estimated_percent "
            "FROM score_report_domains WHERE report_id = ? ORDER BY domain_number",
            (row["id"],),
        )
        return ReportRecord(
            row["id"], row["exam_code"], row["attempt_id"], row["overall"], row["created_at"],
            tuple(
                ReportDomainRecord(
                    d["domain_number"], d["kind"], d["percent"], d["level"],
                    tuple(x for x in d["missed_objectives"].split(",") if x), d["estimated_percent"],
                )
                for d in domains
            ),
        )

    # --- diagnoses -------------------------------------------------------------------------------
    async def add_diagnosis(
        self, guild_id: int, user_id: int, exam_code: str, answers: dict[str, list[str]], causes: list[str],
        remedies: list[str], now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO diagnoses (guild_id, user_id, exam_code, answers, causes, remedies, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, json.dumps(answers, sort_keys=True), json.dumps(causes),
             json.dumps(remedies), now),
        )

    async def latest_diagnosis(self, guild_id: int, user_id: int, exam_code: str) -> DiagnosisRecord | None:
        row = await self.tx.fetchone(
            "SELECT id, exam_code, answers, causes, remedies, created_at FROM diagnoses "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (guild_id, user_id, exam_code),
        )
        if row is None:
            return None
        return DiagnosisRecord(row["id"], row["exam_code"], json.loads(row["answers"]), json.loads(row["causes"]),
                               json.loads(row["remedies"]), row["created_at"])

    # --- server-local exams ----------------------------------------------------------------------
    async def save_local_exam(self, guild_id: int, exam_code: str, document: dict, created_by: int, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO local_exams (guild_id, exam_code, document, created_by, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, exam_code) DO UPDATE SET document = excluded.document, "
            "created_by = excluded.created_by, created_at = excluded.created_at",
            (guild_id, exam_code, json.dumps(document, sort_keys=True, default=str), created_by, now),
        )

    async def local_exam_documents(self, guild_id: int) -> list[dict]:
        rows = await self.tx.fetchall(
            "SELECT document FROM local_exams WHERE guild_id = ? ORDER BY exam_code", (guild_id,)
        )
        return [json.loads(r["document"]) for r in rows]
