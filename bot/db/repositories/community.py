"""Onboarding progress, exam cohorts, and the shared resource library with its votes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx


def _keys(text: str | None) -> tuple[str, ...]:
    return tuple(k for k in (text or "").split(",") if k)


# --- onboarding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingRow:
    guild_id: int
    user_id: int
    step: str
    done_steps: tuple[str, ...]
    skipped_steps: tuple[str, ...]
    started_at: int
    updated_at: int
    finished_at: int | None


class OnboardingRepo:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int, user_id: int) -> OnboardingRow | None:
        row = await self.tx.fetchone(
            "SELECT guild_id, user_id, step, done_steps, skipped_steps, started_at, updated_at, finished_at "
            "FROM onboarding_progress WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return None
        data = dict(row)
        data["done_steps"] = _keys(data["done_steps"])
        data["skipped_steps"] = _keys(data["skipped_steps"])
        return OnboardingRow(**data)

    async def save(
        self, guild_id: int, user_id: int, *, step: str, done: tuple[str, ...], skipped: tuple[str, ...],
        finished_at: int | None, now: int,
    ) -> None:
        await self.tx.execute(
            "INSERT INTO onboarding_progress (guild_id, user_id, step, done_steps, skipped_steps, started_at, "
            "updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "step = excluded.step, done_steps = excluded.done_steps, skipped_steps = excluded.skipped_steps, "
            "updated_at = excluded.updated_at, finished_at = excluded.finished_at",
            (guild_id, user_id, step, ",".join(done), ",".join(skipped), now, now, finished_at),
        )

    async def delete(self, guild_id: int, user_id: int) -> None:
        await self.tx.execute(
            "DELETE FROM onboarding_progress WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )


# --- cohorts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRow:
    guild_id: int
    exam_code: str
    role_id: int | None
    thread_id: int | None
    created_at: int


@dataclass(frozen=True)
class CohortMemberRow:
    user_id: int
    joined_at: int


class CohortRepo:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int, exam_code: str) -> CohortRow | None:
        row = await self.tx.fetchone(
            "SELECT guild_id, exam_code, role_id, thread_id, created_at FROM cohorts "
            "WHERE guild_id = ? AND exam_code = ?",
            (guild_id, exam_code),
        )
        return CohortRow(**dict(row)) if row else None

    async def ensure(self, guild_id: int, exam_code: str, now: int) -> CohortRow:
        await self.tx.execute(
            "INSERT INTO cohorts (guild_id, exam_code, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id, exam_code) DO NOTHING",
            (guild_id, exam_code, now),
        )
        found = await self.get(guild_id, exam_code)
        assert found is not None
        return found

    async def set_role(self, guild_id: int, exam_code: str, role_id: int | None) -> None:
        await self.tx.execute(
            "UPDATE cohorts SET role_id = ? WHERE guild_id = ? AND exam_code = ?", (role_id, guild_id, exam_code)
        )

    async def set_thread(self, guild_id: int, exam_code: str, thread_id: int | None) -> None:
        await self.tx.execute(
            "UPDATE cohorts SET thread_id = ? WHERE guild_id = ? AND exam_code = ?", (thread_id, guild_id, exam_code)
        )

    async def join(self, guild_id: int, user_id: int, exam_code: str, now: int) -> bool:
        """True when the member was not listed yet."""
        changed = await self.tx.execute(
            "INSERT INTO cohort_members (guild_id, user_id, exam_code, joined_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, exam_code) DO NOTHING",
            (guild_id, user_id, exam_code, now),
        )
        return changed > 0

    async def leave(self, guild_id: int, user_id: int, exam_code: str) -> bool:
        changed = await self.tx.execute(
            "DELETE FROM cohort_members WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (guild_id, user_id, exam_code),
        )
        return changed > 0

    async def is_member(self, guild_id: int, user_id: int, exam_code: str) -> bool:
        found = await self.tx.scalar(
            "SELECT 1 FROM cohort_members WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (guild_id, user_id, exam_code),
        )
        return found is not None

    async def members(self, guild_id: int, exam_code: str) -> list[CohortMemberRow]:
        rows = await self.tx.fetchall(
            "SELECT user_id, joined_at FROM cohort_members WHERE guild_id = ? AND exam_code = ? "
            "ORDER BY joined_at, user_id",
            (guild_id, exam_code),
        )
        return [CohortMemberRow(**dict(r)) for r in rows]


# --- resources -----------------------------------------------------------------------------------

_RESOURCE_COLUMNS = (
    "r.id, r.guild_id, r.exam_code, r.title, r.url, r.url_key, r.resource_type, r.domains, r.why, r.added_by, "
    "r.added_at, r.removed"
)
_VOTES = "(SELECT COUNT(*) FROM resource_votes v WHERE v.resource_id = r.id)"


@dataclass(frozen=True)
class ResourceRow:
    id: int
    guild_id: int
    exam_code: str | None
    title: str
    url: str
    url_key: str
    resource_type: str
    domains: tuple[str, ...]
    why: str
    added_by: int
    added_at: int
    removed: bool
    votes: int

    @classmethod
    def from_row(cls, row: Any) -> ResourceRow:
        data = dict(row)
        data["domains"] = _keys(data["domains"])
        data["removed"] = bool(data["removed"])
        return cls(**data)


class ResourceRepo:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(
        self, *, guild_id: int, exam_code: str | None, title: str, url: str, url_key: str, resource_type: str,
        domains: tuple[str, ...], why: str, added_by: int, now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO resources (guild_id, exam_code, title, url, url_key, resource_type, domains, why, added_by, "
            "added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, exam_code, title, url, url_key, resource_type, ",".join(domains), why, added_by, now),
        )

    async def get(self, guild_id: int, resource_id: int) -> ResourceRow | None:
        row = await self.tx.fetchone(
            f"SELECT {_RESOURCE_COLUMNS}, {_VOTES} AS votes FROM resources r WHERE r.guild_id = ? AND r.id = ?",
            (guild_id, resource_id),
        )
        return ResourceRow.from_row(row) if row else None

    async def live_by_key(self, guild_id: int, url_key: str) -> ResourceRow | None:
        row = await self.tx.fetchone(
            f"SELECT {_RESOURCE_COLUMNS}, {_VOTES} AS votes FROM resources r "
            "WHERE r.guild_id = ? AND r.url_key = ? AND r.removed = 0",
            (guild_id, url_key),
        )
        return ResourceRow.from_row(row) if row else None

    async def added_times_since(self, guild_id: int, user_id: int, since: int) -> list[int]:
        """When the member added resources after ``since`` (removed ones included), oldest first."""
        rows = await self.tx.fetchall(
            "SELECT added_at FROM resources WHERE guild_id = ? AND added_by = ? AND added_at > ? ORDER BY added_at",
            (guild_id, user_id, since),
        )
        return [int(r["added_at"]) for r in rows]

    async def ranked(
        self, guild_id: int, *, exam_code: str | None, resource_type: str | None = None,
        include_general: bool = True,
    ) -> list[ResourceRow]:
        """Live resources, most helpful votes first (older first among equals: they had to earn them)."""
        clauses = ["r.guild_id = ?", "r.removed = 0"]
        params: list[Any] = [guild_id]
        if exam_code is not None:
            clauses.append("(r.exam_code = ? OR r.exam_code IS NULL)" if include_general else "r.exam_code = ?")
            params.append(exam_code)
        if resource_type is not None:
            clauses.append("r.resource_type = ?")
            params.append(resource_type)
        rows = await self.tx.fetchall(
            f"SELECT {_RESOURCE_COLUMNS}, {_VOTES} AS votes FROM resources r WHERE {' AND '.join(clauses)} "
            "ORDER BY votes DESC, r.added_at, r.id",
            params,
        )
        return [ResourceRow.from_row(r) for r in rows]

    async def remove(self, guild_id: int, resource_id: int, by: int, reason: str | None, now: int) -> bool:
        changed = await self.tx.execute(
            "UPDATE resources SET removed = 1, removed_by = ?, removed_at = ?, removed_reason = ? "
            "WHERE guild_id = ? AND id = ? AND removed = 0",
            (by, now, reason, guild_id, resource_id),
        )
        return changed > 0

    async def has_vote(self, resource_id: int, user_id: int) -> bool:
        found = await self.tx.scalar(
            "SELECT 1 FROM resource_votes WHERE resource_id = ? AND user_id = ?", (resource_id, user_id)
        )
        return found is not None

    async def add_vote(self, resource_id: int, guild_id: int, user_id: int, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO resource_votes (resource_id, guild_id, user_id, voted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (resource_id, user_id) DO NOTHING",
            (resource_id, guild_id, user_id, now),
        )

    async def remove_vote(self, resource_id: int, user_id: int) -> None:
        await self.tx.execute(
            "DELETE FROM resource_votes WHERE resource_id = ? AND user_id = ?", (resource_id, user_id)
        )

    async def votes(self, resource_id: int) -> int:
        return int(await self.tx.scalar("SELECT COUNT(*) FROM resource_votes WHERE resource_id = ?", (resource_id,)))
