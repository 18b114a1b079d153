"""The test's side of ``tests.reliability.botproc``: start the bot in its own process, move its clock, kill it."""

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

from bot.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90.0
STEP_TIMEOUT = 30.0


class BotProcessError(RuntimeError):
    pass


class BotProcess:
    """One bot process on ``db``, connected to ``emu``, its fake clock at ``now``."""

    def __init__(self, emu: Emulator, db: str, now: datetime, log_path: Path) -> None:
        self.emu, self.db, self.now, self.log_path = emu, db, now, log_path
        self.proc: asyncio.subprocess.Process | None = None
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._log: Any = None

    async def start(self) -> BotProcess:
        self._log = await asyncio.to_thread(self.log_path.open, "ab")  # closed in _finish
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability.botproc", "--api", self.emu.api_base,
            "--gateway", self.emu.gateway_url, "--db", self.db, "--now", self.now.isoformat(),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "REBOUND_TEST_TOKEN": self.emu.application.token},
        )
        self._reader = asyncio.create_task(self._read())
        await self.wait("ready", READY_TIMEOUT)
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
            if event["event"] in ("exited", "failed"):
                raise BotProcessError(f"the bot process said {event} while waiting for {name!r} (log {self.log_path})")

    async def set_clock(self, now: datetime, *, wait_delivered: bool = True) -> int | None:
        """Move the bot's clock; with ``wait_delivered`` wait until what fell due has been handled."""
        assert self.proc is not None and self.proc.stdin is not None
        self.now = now
        self.proc.stdin.write((json.dumps({"cmd": "set", "now": now.isoformat()}) + "\n").encode())
        await self.wait("clock")
        if not wait_delivered:
            return None
        return int((await self.wait("delivered"))["handled"])

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
                assert self.proc.stdin is not None
                self.proc.stdin.write(b'{"cmd": "stop"}\n')
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
        """ERROR lines (and tracebacks) the process wrote, for the test to report."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")]
