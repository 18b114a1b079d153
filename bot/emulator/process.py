"""The parent's side of ``bot.emulator.botproc``: start a bot in its own process, move its clock, kill it.

Used by the benchmarks (which also read its CPU time and memory) and the reliability tests (which SIGKILL it
in the middle of a delivery and start another on the same database).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .botproc import TOKEN_ENV
from .server import Emulator

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90.0
STEP_TIMEOUT = 30.0


class BotProcessError(RuntimeError):
    pass


class BotProcess:
    """One bot process (Rebound on ``db``, its fake clock at ``now``, or with ``bare`` the reference bot).

    Its stderr (logging) is appended to ``log_path``; ``options`` are more ``botproc`` arguments
    (``log_level``, ``concurrency``, ``fallback_reminders``, ``profile``, ...).
    """

    def __init__(self, emu: Emulator, db: str | None = None, now: datetime | str | None = None,
                 log_path: Path | str | None = None, *, bare: bool = False, **options: Any) -> None:
        self.emu = emu
        self.db = db
        self.now = now
        self.log_path = Path(log_path) if log_path is not None else Path(os.devnull)
        self.bare = bare
        self.options = options
        self.proc: asyncio.subprocess.Process | None = None
        self.ready_seconds = float("nan")
        self.ready_info: dict[str, Any] = {}
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._log: Any = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise BotProcessError("the bot process is not running")
        return self.proc.pid

    def arguments(self) -> list[str]:
        args = ["--api", self.emu.api_base, "--gateway", self.emu.gateway_url]
        if self.bare:
            args.append("--bare")
        if self.db:
            args += ["--db", self.db]
        if self.now is not None:
            args += ["--now", self.now if isinstance(self.now, str) else self.now.isoformat()]
        for name, value in self.options.items():
            flag = "--" + name.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value is not None and value is not False:
                args += [flag, str(value)]
        return args

    async def start(self) -> BotProcess:
        self._log = await asyncio.to_thread(self.log_path.open, "ab")  # closed in _finish
        started = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.emulator.botproc", *self.arguments(),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log,
            env={**os.environ, "PYTHONUNBUFFERED": "1", TOKEN_ENV: self.emu.application.token},
        )
        self._reader = asyncio.create_task(self._read())
        try:
            event = await self.wait("ready", READY_TIMEOUT)
        except BaseException:
            await self.kill()
            raise
        self.ready_seconds = time.perf_counter() - started
        self.ready_info = event
        if event.get("pid") != self.proc.pid:
            raise BotProcessError("the ready message came from another process")
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                await self._events.put({"event": "exited"})
                return
            await self._events.put(json.loads(line))

    async def wait(self, name: str, timeout: float = STEP_TIMEOUT) -> dict[str, Any]:
        """The next event called ``name``; fails on an exit or a failure report first."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BotProcessError(f"no {name!r} from the bot process within {timeout} s (log {self.log_path})")
            try:
                event = await asyncio.wait_for(self._events.get(), remaining)
            except TimeoutError:
                continue
            if event["event"] == name:
                return event
            if event["event"] in ("exited", "failed", "error"):
                raise BotProcessError(f"the bot process said {event} while waiting for {name!r} (log {self.log_path})")

    def send(self, **command: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())

    async def advance(self, seconds: float) -> None:
        """Move the bot's fake clock; what falls due is delivered in the background (``wait("delivered")``)."""
        self.send(cmd="advance", seconds=seconds)
        await self.wait("clock")

    async def set_clock(self, now: datetime, *, wait_delivered: bool = True) -> int | None:
        """Set the bot's clock; with ``wait_delivered`` wait until what fell due has been handled."""
        self.now = now
        self.send(cmd="set", now=now.isoformat())
        await self.wait("clock")
        if not wait_delivered:
            return None
        return int((await self.wait("delivered"))["handled"])

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, as when the host dies or the OOM killer steps in."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        await self._finish()

    async def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send(cmd="stop")
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
        await self._finish()

    async def _finish(self) -> None:
        if self.proc is not None:
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self.proc = None

    def log_errors(self) -> list[str]:
        """ERROR lines (and tracebacks) the process wrote, for a test to report."""
        if not self.log_path.is_file():
            return []
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")]

    async def __aenter__(self) -> BotProcess:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BotProcessError(f"no VmRSS for process {pid}")
