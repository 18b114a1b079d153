"""The `rebound` command line: clear refusals, migrations, doctor, and the token never printed."""

from __future__ import annotations

import pytest

from bot.cli import main

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("DISCORD_TOKEN", "REBOUND_DEV_GUILD", "DISCORD_API_BASE", "REBOUND_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REBOUND_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_run_without_token_exits_with_one_clear_sentence(clean_env, capsys):
    """`rebound run` with no token exits non-zero, says how to get one, and names the sandbox."""
    assert main(["run"]) != 0
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN is not set" in err
    assert "rebound sandbox" in err


def test_migrate_then_status(clean_env, capsys):
    """`rebound migrate` applies the migrations and `--status` lists them as applied."""
    assert main(["migrate"]) == 0
    assert "applied 0001_initial" in capsys.readouterr().out
    assert main(["migrate", "--status"]) == 0
    out = capsys.readouterr().out
    assert "0001_initial: applied" in out
    assert "pending" not in out


def test_doctor_never_prints_the_token(clean_env, monkeypatch, capsys):
    """`rebound doctor` reports the token as set without ever showing it."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    main(["doctor"])
    out = capsys.readouterr().out
    assert TOKEN not in out
    assert "Discord token" in out and "set" in out


def test_bad_configuration_is_reported_not_raised(clean_env, monkeypatch, capsys):
    """A bad variable gives exit code 2 and a sentence, not a traceback."""
    monkeypatch.setenv("REBOUND_LOG_LEVEL", "SHOUTY")
    assert main(["migrate"]) == 2
    assert "REBOUND_LOG_LEVEL" in capsys.readouterr().err
