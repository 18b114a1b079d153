"""The `rebound` command: run, sandbox, migrate, doctor."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.clock import SystemClock
from bot.config import Config
from bot.errors import ConfigError
from bot.logging_setup import setup_logging


def _config(args: argparse.Namespace) -> Config:
    return Config.from_env(env_file=getattr(args, "env_file", ".env"))


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    token = config.require_token()
    setup_logging(config.log_level, token)
    from bot.client import ReboundBot
    from bot.db.connection import Database
    from bot.endpoints import apply_endpoints

    apply_endpoints(config.api_base, config.gateway_url)

    async def main() -> None:
        bot = ReboundBot(db=Database(config.database), clock=SystemClock(), dev_guild=config.dev_guild,
                         guild_data_grace_days=config.guild_data_grace_days,
                         rest_per_second=config.rest_per_second)
        async with bot:
            await bot.start(token)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    config = _config(args)
    setup_logging(config.log_level, config.token)
    from bot.db.connection import Database
    from bot.db.migrations import migrate, status

    async def main() -> int:
        async with Database(config.database) as db:
            if args.status:
                for s in await status(db):
                    print(f"{s.version:04d}_{s.name}: {'applied' if s.applied else 'pending'}")
                return 0
            applied = await migrate(db, SystemClock())
            if applied:
                for m in applied:
                    print(f"applied {m.version:04d}_{m.name}")
            else:
                print("The database is up to date.")
            return 0

    return asyncio.run(main())


def cmd_doctor(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.doctor import run_checks

    checks = asyncio.run(run_checks(config))
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{'ok ' if c.ok else 'BAD'}  {c.name.ljust(width)}  {c.detail}")
    bad = [c for c in checks if not c.ok and c.name != "Discord token"]
    print("\nEverything Rebound needs is in place." if not bad else f"\n{len(bad)} problem(s) to fix (see BAD above).")
    return 1 if bad else 0


def cmd_start(args: argparse.Namespace) -> int:
    """`rebound` alone: connect to Discord when a token is set, otherwise open the sandbox."""
    config = _config(args)
    if config.token:
        return cmd_run(args)
    print("No DISCORD_TOKEN is set, so Rebound opens the sandbox: a local practice server on this machine.\n"
          "(Set DISCORD_TOKEN and run `rebound run` to connect to Discord.)\n")
    return cmd_sandbox(args)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return run_sandbox(database=args.database, script=args.script, files_dir=args.files)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rebound", description="Rebound: a study-group bot for your exam retake.")
    parser.add_argument("--env-file", default=".env", help="read settings from this file too (default: .env)")
    parser.set_defaults(func=cmd_start, database="rebound-sandbox.db", script=None, files="sandbox-files")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord (needs DISCORD_TOKEN)").set_defaults(func=cmd_run)
    sandbox = sub.add_parser("sandbox", help="try Rebound on a local practice server, no token needed")
    sandbox.add_argument("--database", default="rebound-sandbox.db", help="default: ./rebound-sandbox.db")
    sandbox.add_argument("--script", help="run sandbox commands from a file and exit (non-zero on any error)")
    sandbox.add_argument("--files", default="sandbox-files", help="where attachments are saved")
    sandbox.set_defaults(func=cmd_sandbox)
    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--status", action="store_true", help="list applied and pending migrations")
    migrate.set_defaults(func=cmd_migrate)
    sub.add_parser("doctor", help="check configuration, database and data files").set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"rebound: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
