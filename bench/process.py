"""The benchmark side of `bench.botproc`: start a bot in its own process, drive it, kill it, read its memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.emulator import Emulator, RateLimits

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 90.0
#: The bot's token goes to the process in its environment, not on the command line where ps shows it.
TOKEN_ENV = "REBOUND_BENCH_TOKEN"
#: Set to a folder to have every bot process write a pyinstrument profile there when it stops cleanly.
PROFILE_ENV = "REBOUND_BENCH_PROFILE"


class BotProcessError(RuntimeError):
    pass


def emulator(rate_limits: RateLimits | None = None) -> Emulator:
    # Request validation against the OpenAPI spec is for the tests; here it would only add emulator
    # CPU to every request on a 2-core machine that also runs the bot.
    return Emulator(rate_limits=rate_limits or RateLimits(), validate_spec=False)


class BotProcess:
    """One bot process (Rebound or the bare reference) connected to ``emu``."""

    def __init__(self, emu: Emulator, *, bare: bool = False, db: str | None = None, now: str | None = None,
                 extra: list[str] | None = None, log_dir: str | None = None) -> None:
        self.emu = emu
        self.bare = bare
        self.db = db
        self.now = now
        self.extra = list(extra or [])
        self.log_dir = log_dir or tempfile.gettempdir()
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

    async def start(self) -> BotProcess:
        args = [sys.executable, "-m", "bench.botproc", "--api", self.emu.api_base, "--gateway", self.emu.gateway_url]
        if self.bare:
            args.append("--bare")
        if self.db:
            args += ["--db", self.db]
        if self.now:
            args += ["--now", self.now]
        args += self.extra + self._prepare_files()
        started = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log,
            env={**os.environ, "PYTHONUNBUFFERED": "1", TOKEN_ENV: self.emu.application.token},
        )
        self._reader = asyncio.create_task(self._read())
        try:
            event = await self.wait("ready", timeout=READY_TIMEOUT)
        except BaseException:
            await self.kill()
            raise
        self.ready_seconds = time.perf_counter() - started
        self.ready_info = event
        if event.get("pid") != self.proc.pid:
            raise BotProcessError("the ready message came from another process")
        return self

    def _prepare_files(self) -> list[str]:
        """Open the process's log (its stderr); returns the profile arguments when profiling is asked for."""
        name = f"{'bare' if self.bare else 'rebound'}-{time.monotonic_ns()}"
        self._log = open(Path(self.log_dir) / f"{name}.log", "wb")  # noqa: SIM115 - closed in _finish
        profiles = os.environ.get(PROFILE_ENV)
        if not profiles:
            return []
        Path(profiles).mkdir(parents=True, exist_ok=True)
        return ["--profile", str(Path(profiles) / f"{name}.txt")]

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                await self._events.put({"event": "exited"})
                return
            await self._events.put(json.loads(line))

    async def wait(self, name: str, timeout: float) -> dict[str, Any]:
        """The next event called ``name``; fails on an exit or a failure report first."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BotProcessError(f"no {name!r} from the bot process within {timeout} s (log: {self._log.name})")
            try:
                event = await asyncio.wait_for(self._events.get(), remaining)
            except TimeoutError:
                continue
            if event["event"] == name:
                return event
            if event["event"] in ("exited", "failed", "error"):
                raise BotProcessError(f"the bot process reported {event} while waiting for {name!r} "
                                      f"(log: {self._log.name})")

    def send(self, **command: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())

    async def advance(self, seconds: float) -> None:
        """Move the bot's fake clock; what falls due is delivered in the background (see ``wait``)."""
        self.send(cmd="advance", seconds=seconds)
        await self.wait("advanced", timeout=30)

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, as when the host dies or the OOM killer steps in."""
        if self.proc is None:
            return
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
        if self._log is not None:
            self._log.close()
        self.proc = None

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
