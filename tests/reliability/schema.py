"""The tables and columns the migrations create, read from the .sql files themselves."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

_CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\((.*?)\);", re.S | re.I)
_ADD = re.compile(r"ALTER\s+TABLE\s+(\w+)\s+ADD\s+(?:COLUMN\s+)?(\w+)", re.I)
_DROP_TABLE = re.compile(r"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I)
_NOT_COLUMNS = {"PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "CONSTRAINT"}
#: Columns that hold a Discord user id: ``user_id`` and the ones named for who did something.
USER_COLUMN = re.compile(r"^(user_id|\w+_by|admin_id|blocked_id|owner_id|member_id)$")


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _top_level_parts(body: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in body:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def schema() -> dict[str, list[str]]:
    """Table -> column names, after every migration in order."""
    tables: dict[str, list[str]] = {}
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        sql = _strip_comments(path.read_text(encoding="utf-8"))
        for name, body in _CREATE.findall(sql):
            columns = []
            for part in _top_level_parts(body):
                first = part.split()[0]
                if first.upper() not in _NOT_COLUMNS:
                    columns.append(first.strip('"'))
            tables[name] = columns
        for name, column in _ADD.findall(sql):
            tables.setdefault(name, []).append(column)
        for name in _DROP_TABLE.findall(sql):
            tables.pop(name, None)
    return tables


def user_columns() -> set[tuple[str, str]]:
    return {(table, column) for table, columns in schema().items() for column in columns if USER_COLUMN.match(column)}
