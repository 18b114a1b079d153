"""Where member data lives, and how one member's rows are exported and deleted, or a whole server's.

Two explicit registries, kept next to the schema they describe (a test parses ``migrations/*.sql`` and fails
when a table or a column holding a Discord user id is missing here):

* ``MEMBER_DATA``: every (table, column) that holds a member's id, with what is shown in an export and what a
  deletion does: ``delete`` the rows, ``anonymise`` the column (server content the member created stays, without
  their id), or ``keep`` (another member's own choice that merely names them; never exported to them).
* ``GUILD_DATA``: every table, with the condition that selects one server's rows, for the purge after the bot
  has been removed from a server.

Entries are ordered children first, so the statements work with or without ``ON DELETE CASCADE``. The SQL is
plain and portable (named parameters ``:guild_id`` and ``:user_id``, subqueries, ``LIKE``); nothing here asks the
database for its own schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.db.connection import Tx

Action = Literal["delete", "anonymise", "keep"]

_MEMBER = "guild_id = :guild_id AND user_id = :user_id"


@dataclass(frozen=True)
class MemberTable:
    """One column that holds a member's id, and what export and deletion do with its rows."""

    table: str
    column: str
    why: str  # what Rebound keeps it for, in a member's words (shown in the export)
    where: str  # selects this member's rows; uses :guild_id and :user_id
    columns: tuple[str, ...] = ("*",)  # what an export shows ("*" = every column)
    action: Action = "delete"
    anonymised_to: int | None = None  # the value an anonymised column gets (NULL or 0 for NOT NULL columns)
    exported: bool = True

    @property
    def key(self) -> str:
        return f"{self.table}.{self.column}"

    @property
    def export_name(self) -> str:
        """The member's own rows of a table go under its name; rows that only mention them say how."""
        return self.table if self.action == "delete" else f"{self.table} ({self.column})"

    def select_sql(self) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {self.table} WHERE {self.where}"

    def erase_sql(self) -> str | None:
        if self.action == "delete":
            return f"DELETE FROM {self.table} WHERE {self.where}"
        if self.action == "anonymise":
            value = "NULL" if self.anonymised_to is None else str(int(self.anonymised_to))
            return f"UPDATE {self.table} SET {self.column} = {value} WHERE {self.where}"
        return None


def _by(column: str) -> str:
    return f"guild_id = :guild_id AND {column} = :user_id"


def _own(table: str, why: str, columns: tuple[str, ...] = ("*",)) -> MemberTable:
    return MemberTable(table, "user_id", why, _MEMBER, columns)


MEMBER_DATA: tuple[MemberTable, ...] = (
    # group quiz rounds
    MemberTable("quiz_answers", "user_id", "your answers in group quiz rounds, until the round's scoreboard",
                "round_id IN (SELECT id FROM quiz_rounds WHERE guild_id = :guild_id) AND user_id = :user_id"),
    _own("quiz_participants", "the group quiz rounds you joined and your score in each"),
    MemberTable("quiz_rounds", "started_by", "group quiz rounds you started (the round stays for the others)",
                _by("started_by"), ("id", "channel_id", "exam_code", "status", "created_at"),
                action="anonymise", anonymised_to=0),
    # solo practice and spaced review
    _own("practice_answers", "every practice answer, and why you missed it when you said, for your weak spots"),
    _own("practice_sessions", "your practice sessions, so one can continue where it stopped"),
    _own("domain_mastery", "how well you know each exam domain, to choose your next questions"),
    _own("review_cards", "questions you missed, scheduled for spaced review"),
    # mock exams and readiness
    MemberTable("mock_answers", "attempt_id", "your answers in mock exams",
                "attempt_id IN (SELECT id FROM mock_attempts WHERE guild_id = :guild_id AND user_id = :user_id)",
                ("attempt_id", "question_id", "position", "chosen", "changes", "flagged", "answered_at")),
    _own("mock_attempts", "your mock exams: when, how long, and the results"),
    _own("readiness_notices", "when we told you that your mocks say you're ready to book"),
    MemberTable("readiness_settings", "updated_by", "the server's readiness rule, if you last changed it",
                _by("updated_by"), ("required_mocks", "buffer_points", "updated_at"),
                action="anonymise", anonymised_to=0),
    # exams, attempts and score reports
    MemberTable("score_report_domains", "report_id", "the per-domain results of your score reports",
                "report_id IN (SELECT id FROM score_reports WHERE guild_id = :guild_id AND user_id = :user_id)"),
    _own("score_reports", "the score reports you entered, to find your weak domains"),
    _own("report_drafts", "a score report you started typing but haven't confirmed yet"),
    _own("diagnoses", "your answers to /diagnose and what they suggested"),
    _own("exam_attempts", "your exam attempts (date, pass or fail, score), for the retake date"),
    _own("member_exams", "the exams you prepare for, and your booked retake"),
    MemberTable("local_exams", "created_by", "server exams you defined (the exam stays for the server)",
                _by("created_by"), ("exam_code", "created_at"), action="anonymise", anonymised_to=0),
    # the server's question banks
    _own("question_proposals", "questions you proposed for this server's bank"),
    MemberTable("question_proposals", "reviewed_by", "proposals you reviewed (the decision stays)",
                _by("reviewed_by"), ("id", "exam_code", "status", "reviewed_at"), action="anonymise"),
    MemberTable("server_questions", "added_by", "questions you added to this server's bank (they stay)",
                _by("added_by"), ("exam_code", "question_id", "origin", "added_at"),
                action="anonymise", anonymised_to=0),
    MemberTable("server_banks", "updated_by", "server banks you last imported (they stay)",
                _by("updated_by"), ("exam_code", "title", "updated_at"), action="anonymise", anonymised_to=0),
    # accountability
    _own("checkin_weeks", "your study minutes and check-ins per week, summed from your check-ins for the board"),
    _own("checkin_totals", "your study minutes and check-ins in all, summed from your check-ins for the board"),
    _own("checkins", "your check-ins, for your streak and weekly summary"),
    _own("accountability_prefs", "your weekly goal and whether your check-ins are shared"),
    _own("away_periods", "the days you said you were away, so nothing pinged you and your streak waited"),
    _own("study_sessions", "study sessions you planned, and whether they happened"),
    _own("partner_group_members", "the study-partner groups you were in, and your 'did you connect?' answers"),
    _own("partner_pool", "your place in the study-partner pool and the hours you like"),
    _own("partner_blocks", "members you asked never to be paired with"),
    MemberTable("partner_blocks", "blocked_id", "another member's choice not to be paired with you",
                _by("blocked_id"), action="keep", exported=False),
    _own("delivery_problems", "messages Discord refused to deliver to you (closed DMs), so we stop trying"),
    _own("recurring_rules", "your recurring reminders"),
    MemberTable("scheduled_deliveries", "user_id", "messages scheduled for you, and the ones already sent",
                "user_id = :user_id AND (guild_id = :guild_id OR guild_id IS NULL)",
                ("kind", "due_at", "status", "payload", "created_at", "finished_at")),
    # community
    _own("onboarding_progress", "where you are in the welcome steps"),
    _own("cohort_members", "the exam cohorts you chose to be listed in"),
    MemberTable("resource_votes", "user_id", "the resources you voted helpful", _MEMBER,
                ("resource_id", "voted_at")),
    MemberTable("resource_votes", "resource_id", "others' votes on resources you shared (they go with them)",
                "resource_id IN (SELECT id FROM resources WHERE guild_id = :guild_id AND added_by = :user_id)",
                exported=False),
    MemberTable("resources", "added_by", "resources you shared with the server", _by("added_by"),
                ("id", "exam_code", "title", "url", "resource_type", "domains", "why", "added_at", "removed")),
    MemberTable("resources", "removed_by", "resources you removed as a moderator (the removal stays)",
                _by("removed_by"), ("id", "title", "removed_at", "removed_reason"), action="anonymise"),
    _own("board_privacy", "whether you appear on the progress board and whether passes are shared"),
    MemberTable("boards", "admin_id", "the progress board, if you set it up (it stays for the server)",
                _by("admin_id"), ("channel_id", "created_at"), action="anonymise", anonymised_to=0),
    MemberTable("guild_settings", "updated_by", "the server's Rebound settings, if you last changed them",
                _by("updated_by"), ("updated_at",), action="anonymise"),
    # last: the member row the other tables hang from
    _own("members", "your time zone and when you first used Rebound"),
)


@dataclass(frozen=True)
class GuildTable:
    table: str
    where: str  # selects one server's rows; uses :guild_id


def _in_guild(table: str) -> GuildTable:
    return GuildTable(table, "guild_id = :guild_id")


GUILD_DATA: tuple[GuildTable, ...] = (
    GuildTable("quiz_answers", "round_id IN (SELECT id FROM quiz_rounds WHERE guild_id = :guild_id)"),
    _in_guild("quiz_participants"),
    _in_guild("practice_answers"),
    _in_guild("quiz_rounds"),
    _in_guild("practice_sessions"),
    _in_guild("domain_mastery"),
    _in_guild("review_cards"),
    GuildTable("mock_answers", "attempt_id IN (SELECT id FROM mock_attempts WHERE guild_id = :guild_id)"),
    _in_guild("mock_attempts"),
    _in_guild("readiness_notices"),
    _in_guild("readiness_settings"),
    GuildTable("score_report_domains", "report_id IN (SELECT id FROM score_reports WHERE guild_id = :guild_id)"),
    _in_guild("score_reports"),
    _in_guild("report_drafts"),
    _in_guild("diagnoses"),
    _in_guild("exam_attempts"),
    _in_guild("member_exams"),
    _in_guild("local_exams"),
    _in_guild("question_proposals"),
    _in_guild("server_questions"),
    _in_guild("server_banks"),
    _in_guild("checkin_weeks"),
    _in_guild("checkin_totals"),
    _in_guild("checkins"),
    _in_guild("accountability_prefs"),
    _in_guild("away_periods"),
    _in_guild("study_sessions"),
    _in_guild("accountability_settings"),
    _in_guild("partner_group_members"),
    _in_guild("partner_groups"),
    _in_guild("partner_rounds"),
    _in_guild("partner_pool"),
    _in_guild("partner_blocks"),
    _in_guild("delivery_problems"),
    _in_guild("recurring_rules"),
    _in_guild("scheduled_deliveries"),
    _in_guild("onboarding_progress"),
    _in_guild("cohort_members"),
    _in_guild("cohorts"),
    _in_guild("resource_votes"),
    _in_guild("resources"),
    _in_guild("board_privacy"),
    _in_guild("boards"),
    _in_guild("guild_settings"),
    _in_guild("members"),
    _in_guild("guilds"),
)

#: Tables that hold nothing about a server or a member (the migration runner's own record).
NOT_GUILD_DATA = frozenset({"schema_migrations"})


def _plain(value: Any) -> Any:
    # Snowflakes do not fit a JSON reader's 53-bit numbers (JavaScript's); give them as text.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class MemberData:
    """Reads and erases one member's rows in one server, following ``MEMBER_DATA``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def rows(self, entry: MemberTable, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        found = await self.tx.fetchall(entry.select_sql(), {"guild_id": guild_id, "user_id": user_id})
        return [{k: _plain(row[k]) for k in row.keys()} for row in found]  # noqa: SIM118 - sqlite3.Row

    async def erase(self, entry: MemberTable, guild_id: int, user_id: int) -> int:
        sql = entry.erase_sql()
        if sql is None:
            return 0
        return await self.tx.execute(sql, {"guild_id": guild_id, "user_id": user_id})

    async def partner_groups(self, guild_id: int, user_id: int) -> list[tuple[int, tuple[int, ...]]]:
        """The member's groups in the server's latest pairing round, with every member of each."""
        rows = await self.tx.fetchall(
            "SELECT m.group_id, m.user_id FROM partner_group_members m "
            "WHERE m.group_id IN (SELECT g.id FROM partner_groups g JOIN partner_group_members mine "
            "ON mine.group_id = g.id WHERE g.guild_id = :guild_id AND mine.user_id = :user_id AND g.round_id = "
            "(SELECT id FROM partner_rounds WHERE guild_id = :guild_id ORDER BY number DESC LIMIT 1)) "
            "ORDER BY m.group_id, m.user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        groups: dict[int, list[int]] = {}
        for row in rows:
            groups.setdefault(row["group_id"], []).append(row["user_id"])
        return [(group_id, tuple(members)) for group_id, members in groups.items()]

    async def put_first_in_line(self, guild_id: int, user_id: int) -> None:
        """The matcher pairs members who waited last round first."""
        await self.tx.execute(
            "UPDATE partner_pool SET waited_last_round = 1 WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )

    async def drop_group_deliveries(self, group_id: int) -> int:
        """A group that no longer exists as a pair has nothing to introduce or ask about."""
        return await self.tx.execute(
            "DELETE FROM scheduled_deliveries WHERE status = 'pending' AND idempotency_key IN (:intro, :connect)",
            {"intro": f"partners:{group_id}:intro", "connect": f"partners:{group_id}:connect"},
        )

    async def erase_mentions(self, guild_id: int, user_id: int) -> int:
        """Scheduled or sent messages to others that name the member (a partner's check-in line, an intro)."""
        return await self.tx.execute(
            "DELETE FROM scheduled_deliveries WHERE guild_id = :guild_id AND status <> 'sending' "
            "AND (payload LIKE :plain OR payload LIKE :nick)",
            {"guild_id": guild_id, "plain": f"%<@{user_id}>%", "nick": f"%<@!{user_id}>%"},
        )


class GuildData:
    """Erases everything one server left behind, following ``GUILD_DATA``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def erase(self, guild_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in GUILD_DATA:
            counts[entry.table] = await self.tx.execute(
                f"DELETE FROM {entry.table} WHERE {entry.where}", {"guild_id": guild_id}
            )
        return counts
