"""Reliability fixtures: the end-to-end world with every log record captured, and the figures' summary."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import discord
import pytest

from bot.local import LocalWorld
from tests.e2e.conftest import World

from . import figures


class Captured(logging.Handler):
    """Every log record of the run (all loggers, all levels), for the error and the secrets checks."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def errors(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records if r.levelno >= logging.ERROR]

    def unexpected(self) -> list[str]:
        return [r.getMessage() for r in self.records
                if r.name == "rebound.errors" and r.getMessage().startswith("unexpected error")]


class ReliableWorld(World):
    """The e2e world plus the log records of the run; ``errors_expected`` lifts the no-error check."""

    def __init__(self, local: LocalWorld, log: Captured) -> None:
        super().__init__(local)
        self.log = log
        self.errors_expected = False

    def admin(self, name: str = "admin"):
        return self.member(name, manage_guild=True)


@pytest.fixture
def captured_logs():
    """Records of INFO and above from every logger (the secrets test lowers the level to DEBUG)."""
    handler = Captured()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
async def world(tmp_path, captured_logs):
    local = LocalWorld(database=str(tmp_path / "rebound-reliability.db"))
    await local.start()
    reliable = ReliableWorld(local, captured_logs)
    # The setup guide goes out when the server becomes available; a test that ends before it is posted would
    # close the bot under it.
    await local.emu.wait_for(lambda: reliable.guild.general.messages, message="the setup guide")
    try:
        yield reliable
    finally:
        await local.stop()
    unknown = list(local.emu.unknown_routes)
    violations = list(local.emu.violations)
    pings = [(m.id, m.content[:60]) for m in local.emu.state.messages.values()
             if m.pinged_users or m.pinged_roles or m.pinged_everyone]
    assert unknown == [], f"the bot called routes the emulator does not know: {unknown}"
    assert violations == [], f"the bot sent requests Discord's spec would reject: {violations}"
    assert pings == [], f"the bot's messages pinged someone: {pings}"
    if not reliable.errors_expected:
        assert captured_logs.errors() == [], "errors were logged"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    text = figures.tables()
    if not text:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(text)
    written = figures.write_report()
    if written is not None:
        terminalreporter.write_line(f"(written to {written})")


_real_sleep = asyncio.sleep


async def _short_sleep(delay: float, *args, **kwargs):
    return await _real_sleep(min(delay, 0.05), *args, **kwargs)


@pytest.fixture
def quick_retries(monkeypatch):
    """discord.py waits 1 + 2n seconds before retrying a 5xx; the retries stay real, the wait is shortened."""
    for module in (discord.http, discord.webhook.async_):
        fast = SimpleNamespace(**vars(asyncio))
        fast.sleep = _short_sleep
        monkeypatch.setattr(module, "asyncio", fast)
