"""The bot token never appears in logs (DEBUG included), error messages, tracebacks or `rebound doctor`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.client import all_extensions
from bot.config import Config, RedactingFilter
from bot.emulator import Emulator, RateLimits
from bot.endpoints import apply_endpoints
from bot.errors import ConfigError
from bot.local import LocalWorld
from tests.e2e.conftest import World

# Shaped like a real token (three base64url parts), and distinctive enough that any echo is found.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GzSeCr.eT-ToKeN_never-to-be-seen-anywhere0123"
PIECES = [TOKEN, TOKEN.split(".")[2], TOKEN.split(".")[0]]
ROOT = Path(__file__).resolve().parents[2]


def leaks(text: str) -> list[str]:
    return [piece for piece in PIECES if piece in text]


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as a handler would write it, traceback and stack included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in records)


async def emulator_with_token() -> Emulator:
    emu = Emulator(rate_limits=RateLimits.disabled())
    emu.application = dataclasses.replace(emu.application, token=TOKEN)
    await emu.start()
    return emu


async def test_no_log_record_at_debug_level_contains_the_token(tmp_path, captured_logs):
    """A session at DEBUG (login, gateway, commands, an unexpected error, a restart): no record shows the token."""
    logging.getLogger().setLevel(logging.DEBUG)
    local = LocalWorld(database=str(tmp_path / "secrets.db"),
                       bot_options={"extensions": [*all_extensions(), "tests.e2e.boom_ext"]})
    local.emu = await emulator_with_token()
    apply_endpoints(local.emu.api_base, local.emu.gateway_url)
    await local.start_bot()
    try:
        world = World(local)
        alice = world.member("alice")
        await alice.slash("exam set", code="SY0-701")
        await alice.slash("checkin log", minutes=30, note="subnetting")
        boom = await alice.slash("boom")
        await world.emu.drop_gateway()
        await alice.slash("settings show")
        await local.restart()
        await alice.slash("settings show")
    finally:
        await local.stop()
    records = list(captured_logs.records)
    text = everything_logged(records)
    found = leaks(text)
    assert "Sorry, something went wrong" in boom.content and not leaks(boom.content)
    assert len(records) > 100
    assert found == []


def test_the_redacting_filter_hides_the_token_in_any_message():
    """Should anything format the token into a log line, the handler's filter replaces it."""
    record = logging.LogRecord("discord.http", logging.DEBUG, __file__, 1, "header was Bot %s", (TOKEN,), None)
    assert RedactingFilter(TOKEN).filter(record)
    assert leaks(record.getMessage()) == []
    assert "[redacted token]" in record.getMessage()


def test_configuration_errors_and_reprs_never_show_the_token():
    """A malformed token is refused without echoing it; the Config's repr and description leave it out."""
    broken = TOKEN.replace(".", "-")
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"DISCORD_TOKEN": broken}, env_file=None)
    config = Config.from_env({"DISCORD_TOKEN": TOKEN}, env_file=None)
    shown = " ".join([str(refused.value), repr(config), str(config.describe())])
    assert broken not in shown
    assert leaks(shown) == []


@pytest.fixture
def token_env(monkeypatch, tmp_path):
    for name in ("REBOUND_DEV_GUILD", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "REBOUND_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("database", ["fine.db", "folder-not-a-file"])
def test_doctor_output_never_shows_the_token(token_env, monkeypatch, capsys, database):
    """`rebound doctor` with a working database and with a broken one: the token is never printed."""
    path = token_env / database
    if database.startswith("folder"):
        path.mkdir()
    monkeypatch.setenv("REBOUND_DATABASE", str(path))
    main(["doctor"])
    captured = capsys.readouterr()
    assert "Discord token" in captured.out
    assert leaks(captured.out + captured.err) == []


async def test_rebound_run_at_debug_level_never_writes_the_token(tmp_path):
    """The real `rebound run` process, at DEBUG, against the emulator: its whole output has no token."""
    emu = await emulator_with_token()
    guild = emu.add_guild("Study Hall")
    log_path = tmp_path / "run.log"
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": emu.api_base,
           "DISCORD_GATEWAY_URL": emu.gateway_url, "REBOUND_LOG_LEVEL": "DEBUG",
           "REBOUND_DATABASE": str(tmp_path / "run.db"), "PYTHONUNBUFFERED": "1"}
    log = await asyncio.to_thread(log_path.open, "wb")
    with log:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "--env-file", "/nonexistent",
                                                    "run", cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            await emu.wait_for(lambda: emu.gateway.is_connected(0) and emu.state.global_commands, timeout=60,
                               message="`rebound run` connected and synced")
            reply = await guild.add_member("alice").slash("settings show", timeout=20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            await emu.stop()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Your settings" in reply.content
    assert "DEBUG" in output
    assert leaks(output) == []
