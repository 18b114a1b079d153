"""Configuration from the environment, with clear errors and the token never shown."""

from __future__ import annotations

import logging

import pytest

from bot.config import Config, RedactingFilter
from bot.errors import ConfigError

TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_without_anything_set(tmp_path, monkeypatch):
    """With nothing set, Rebound starts without a token and picks a database path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    config = Config.from_env({}, env_file=None)
    assert config.token is None
    assert config.database.endswith("rebound.db")
    assert config.log_level == "INFO"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISCORD_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"REBOUND_DEV_GUILD": "my server"}, "server id"),
        ({"DISCORD_API_BASE": "discord.local"}, "http://"),
        ({"REBOUND_LOG_LEVEL": "LOUD"}, "REBOUND_LOG_LEVEL"),
        ({"REBOUND_GUILD_DATA_GRACE_DAYS": "-1"}, "whole number"),
    ],
)
def test_bad_values_are_refused_with_a_reason(env, message):
    """Each bad value is refused with a sentence saying what to change."""
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env, env_file=None)


def test_missing_token_says_how_to_get_one_and_mentions_the_sandbox():
    """Asking for the token when none is set explains where to get it and offers the sandbox."""
    with pytest.raises(ConfigError) as caught:
        Config.from_env({}, env_file=None).require_token()
    assert "developers/applications" in str(caught.value)
    assert "rebound sandbox" in str(caught.value)


def test_env_file_is_read_and_environment_wins(tmp_path):
    """Values come from .env, and real environment variables override them."""
    env_file = tmp_path / ".env"
    env_file.write_text('REBOUND_LOG_LEVEL="debug"\nREBOUND_DEV_GUILD=123456789012345678\n# comment\n')
    config = Config.from_env({"REBOUND_LOG_LEVEL": "warning"}, env_file=env_file)
    assert config.log_level == "WARNING"
    assert config.dev_guild == 123456789012345678


def test_token_never_in_repr_or_describe():
    """The token appears neither in the config's repr nor in what doctor prints."""
    config = Config.from_env({"DISCORD_TOKEN": TOKEN}, env_file=None)
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config.describe())


def test_log_records_are_redacted():
    """A log line that contains the token is rewritten before it is emitted."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "connecting with %s", (TOKEN,), None)
    RedactingFilter(TOKEN).filter(record)
    assert TOKEN not in record.getMessage()
    assert "[redacted token]" in record.getMessage()
