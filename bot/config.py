"""Configuration from environment variables (and an optional ``.env`` file), validated at start.

Nothing is read at import time: ``Config.from_env()`` is called by the CLI, so tests build a
``Config`` directly and never need a fake token in the environment.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError
from bot.pacing import DEFAULT_PER_SECOND, DISCORD_GLOBAL_PER_SECOND

# Discord bot tokens are three base64url segments separated by dots.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

DEVELOPER_PORTAL_HELP = (
    "Create an application at https://discord.com/developers/applications, open Bot, press "
    "'Reset Token' and set DISCORD_TOKEN to it (for example in a .env file). "
    "To try Rebound without a token, run `rebound sandbox`."
)


def default_database_path() -> Path:
    """``$XDG_DATA_HOME/rebound/rebound.db`` (or ``~/.local/share/...``) when that folder can be used,
    otherwise ``./rebound.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    folder = Path(base) / "rebound"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "rebound.db"
    except OSError:
        return Path("rebound.db")


@dataclass(frozen=True)
class Config:
    token: str | None = field(default=None, repr=False)
    database: str = "rebound.db"
    dev_guild: int | None = None
    api_base: str | None = None
    gateway_url: str | None = None
    log_level: str = "INFO"
    guild_data_grace_days: int = 30
    rest_per_second: int = DEFAULT_PER_SECOND
    env_file: str | None = None

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(f"DISCORD_TOKEN is not set. {DEVELOPER_PORTAL_HELP}")
        return self.token

    def describe(self) -> dict[str, str]:
        """What the configuration is, safe to print: the token is never included."""
        return {
            "DISCORD_TOKEN": "set" if self.token else "not set",
            "REBOUND_DATABASE": self.database,
            "REBOUND_DEV_GUILD": str(self.dev_guild) if self.dev_guild else "not set (global commands)",
            "DISCORD_API_BASE": self.api_base or "Discord (default)",
            "REBOUND_LOG_LEVEL": self.log_level,
            "REBOUND_GUILD_DATA_GRACE_DAYS": str(self.guild_data_grace_days),
            "REBOUND_REST_PER_SECOND": str(self.rest_per_second),
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env") -> Config:
        values: dict[str, str] = {}
        used_file = None
        if env_file is not None and Path(env_file).is_file():
            values.update(read_env_file(Path(env_file)))
            used_file = str(env_file)
        values.update(os.environ if environ is None else environ)

        errors: list[str] = []
        token = values.get("DISCORD_TOKEN", "").strip() or None
        if token is not None and not _TOKEN_SHAPE.match(token):
            errors.append(
                "DISCORD_TOKEN does not look like a bot token (three parts separated by dots). "
                "Copy it again from the Bot page of your application."
            )

        database = values.get("REBOUND_DATABASE", "").strip() or str(default_database_path())

        dev_guild = None
        raw_guild = values.get("REBOUND_DEV_GUILD", "").strip()
        if raw_guild:
            if raw_guild.isdigit() and 15 <= len(raw_guild) <= 21:
                dev_guild = int(raw_guild)
            else:
                errors.append(
                    f"REBOUND_DEV_GUILD must be a server id (a 17–20 digit number), not {raw_guild!r}. "
                    "Turn on Developer Mode in Discord, right-click the server and choose 'Copy Server ID'."
                )

        api_base = values.get("DISCORD_API_BASE", "").strip() or None
        if api_base and not re.match(r"^https?://", api_base):
            errors.append(f"DISCORD_API_BASE must start with http:// or https://, not {api_base!r}.")
        gateway_url = values.get("DISCORD_GATEWAY_URL", "").strip() or None
        if gateway_url and not re.match(r"^wss?://", gateway_url):
            errors.append(f"DISCORD_GATEWAY_URL must start with ws:// or wss://, not {gateway_url!r}.")

        level = values.get("REBOUND_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in _LEVELS:
            errors.append(f"REBOUND_LOG_LEVEL must be one of {', '.join(_LEVELS)}, not {level!r}.")

        grace_raw = values.get("REBOUND_GUILD_DATA_GRACE_DAYS", "30").strip() or "30"
        grace = 30
        if grace_raw.isdigit() and 0 <= int(grace_raw) <= 365:
            grace = int(grace_raw)
        else:
            errors.append(f"REBOUND_GUILD_DATA_GRACE_DAYS must be a whole number of days 0–365, not {grace_raw!r}.")

        rest_raw = values.get("REBOUND_REST_PER_SECOND", "").strip()
        rest_per_second = DEFAULT_PER_SECOND
        if rest_raw:
            if rest_raw.isdigit() and 1 <= int(rest_raw) <= DISCORD_GLOBAL_PER_SECOND:
                rest_per_second = int(rest_raw)
            else:
                errors.append(f"REBOUND_REST_PER_SECOND must be a whole number from 1 to {DISCORD_GLOBAL_PER_SECOND} "
                              f"(Discord's global limit is 50 requests a second), not {rest_raw!r}.")

        if errors:
            raise ConfigError("\n".join(errors))
        return cls(
            token=token,
            database=database,
            dev_guild=dev_guild,
            api_base=api_base,
            gateway_url=gateway_url,
            log_level=level,
            guild_data_grace_days=grace,
            rest_per_second=rest_per_second,
            env_file=used_file,
        )


def read_env_file(path: Path) -> dict[str, str]:
    """A minimal ``.env`` reader: ``KEY=value`` lines, ``#`` comments, optional quotes."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key] = value
    return out


class RedactingFilter(logging.Filter):
    """Replaces the bot token wherever it would appear in a log record."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secret:
            message = record.getMessage()
            if self._secret in message:
                record.msg = message.replace(self._secret, "[redacted token]")
                record.args = None
        return True
