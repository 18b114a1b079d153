"""The layering the style guide promises, checked: domain, services and db never touch discord."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def imports_of(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files_under(folder: str) -> list[pathlib.Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["bot/domain", "bot/services", "bot/db"])
def test_core_layers_never_import_discord(folder):
    """Domain, services and repositories stay free of discord.py."""
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files_under(folder)
        for name in imports_of(p)
        if name == "discord" or name.startswith("discord.")
    ]
    assert offenders == []


def test_domain_does_no_io_and_reads_no_clock():
    """The domain imports no database, network, scheduler or file-reading module."""
    banned = ("aiosqlite", "sqlite3", "aiohttp", "asyncio", "apscheduler", "bot.db", "bot.services", "requests")
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files_under("bot/domain")
        for name in imports_of(p)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]
    assert offenders == []


def test_cogs_never_import_the_database():
    """Cogs reach data only through services."""
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files_under("cogs")
        for name in imports_of(p)
        if name == "bot.db" or name.startswith("bot.db.")
    ]
    assert offenders == []


def test_sql_lives_only_in_repositories_and_migrations():
    """No SQL statement text outside bot/db (a cheap guard against SQL creeping into services or cogs)."""
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM")
    offenders = []
    for folder in ("bot/domain", "bot/services", "cogs"):
        for p in files_under(folder):
            text = p.read_text(encoding="utf-8")
            offenders += [f"{p.relative_to(ROOT)}: {k.strip()}" for k in keywords if f'"{k}' in text]
    assert offenders == []


def test_no_naive_now_outside_the_clock():
    """Only bot/clock.py reads the current time."""
    offenders = []
    for folder in ("bot", "cogs"):
        for p in files_under(folder):
            if p.name == "clock.py" or "emulator" in p.parts:
                continue
            text = p.read_text(encoding="utf-8")
            for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "utils.utcnow("):
                if needle in text:
                    offenders.append(f"{p.relative_to(ROOT)}: {needle}")
    assert offenders == []
