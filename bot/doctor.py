"""`rebound doctor`: checks what Rebound needs and says what is wrong in plain words."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.config import Config
from bot.db.connection import Database
from bot.db.migrations import MigrationError, status


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


async def run_checks(config: Config) -> list[Check]:
    checks: list[Check] = []
    checks.append(Check(
        "configuration", True,
        "; ".join(f"{k}={v}" for k, v in config.describe().items()),
    ))
    checks.append(Check(
        "Discord token", bool(config.token),
        "set" if config.token else "not set: `rebound run` needs it; `rebound sandbox` works without it",
    ))
    checks.append(await _database(config))
    checks.append(_timezones())
    for name, loader in _data_loaders():
        try:
            detail = loader()
            checks.append(Check(name, True, detail))
        except Exception as exc:  # doctor reports every failure instead of stopping at the first
            checks.append(Check(name, False, str(exc)))
    return checks


async def _database(config: Config) -> Check:
    db = Database(config.database)
    try:
        await db.connect()
        integrity = await db.integrity_check()
        if integrity != "ok":
            return Check("database", False, f"{config.database}: integrity check says {integrity}")
        states = await status(db)
        pending = [f"{s.version:04d}_{s.name}" for s in states if not s.applied]
        if pending:
            return Check("database", True, f"{config.database}: {len(pending)} migration(s) pending "
                                           f"({', '.join(pending)}); they are applied on the next start "
                                           "or with `rebound migrate`")
        return Check("database", True, f"{config.database}: all {len(states)} migrations applied")
    except MigrationError as exc:
        return Check("database", False, str(exc))
    except Exception as exc:
        return Check("database", False, f"{config.database}: {exc}")
    finally:
        await db.close()


def _timezones() -> Check:
    try:
        zoneinfo.ZoneInfo("Europe/Berlin")
        count = len(zoneinfo.available_timezones())
    except Exception as exc:
        return Check("time-zone data", False, f"missing ({exc}); install the tzdata package")
    if count < 300:
        return Check("time-zone data", False, f"only {count} zones found; install the tzdata package")
    return Check("time-zone data", True, f"{count} zones available (now {SystemClock().now():%Y-%m-%d %H:%M} UTC)")


def _data_loaders() -> list[tuple[str, Callable[[], str]]]:
    loaders: list[tuple[str, Callable[[], str]]] = []

    def catalogue() -> str:
        from bot.data.loader import load_catalogue

        cat = load_catalogue()
        return f"{len(cat.exams())} exams loaded and valid"

    loaders.append(("exam catalogue", catalogue))

    def banks() -> str:
        from bot.data.bank_loader import load_shipped_banks

        loaded = load_shipped_banks()
        return ", ".join(f"{code}: {len(bank.questions)} questions" for code, bank in sorted(loaded.items()))

    loaders.append(("question banks", banks))
    return loaders
