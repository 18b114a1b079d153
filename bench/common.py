"""Shared helpers: the emulator and bot process as benchmarks run them, timing, results as JSON, and the
pass/fail rule (correctness only fails a run)."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator import Emulator, RateLimits
from bot.emulator.process import BotProcess

RESULTS = Path(__file__).resolve().parent / "results"
#: Set to a folder to have every bot process write a pyinstrument profile there when it stops cleanly.
PROFILE_ENV = "REBOUND_BENCH_PROFILE"


def emulator(rate_limits: RateLimits | None = None) -> Emulator:
    # Request validation against the OpenAPI spec is for the tests; here it would only add emulator
    # CPU to every request on a 2-core machine that also runs the bot.
    return Emulator(rate_limits=rate_limits or RateLimits(), validate_spec=False)


def bot_process(emu: Emulator, *, log_dir: str | Path, bare: bool = False, db: str | None = None,
                now: str | None = None) -> BotProcess:
    """A bot process as the benchmarks run it: a log file of its own in ``log_dir``, warnings only (logging
    costs the bot CPU under load), and a profile when ``REBOUND_BENCH_PROFILE`` names a folder."""
    name = f"{'bare' if bare else 'rebound'}-{time.monotonic_ns()}"
    profile = None
    folder = os.environ.get(PROFILE_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile = str(Path(folder) / f"{name}.txt")
    return BotProcess(emu, db, now, Path(log_dir) / f"{name}.log", bare=bare, log_level="WARNING",
                      fallback_reminders=not bare, profile=profile)


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str | None = None
    met: bool | None = None  # None: no target; a timing miss is reported, never a failure
    correctness: bool = False  # a correctness figure that misses its target fails the run


@dataclass
class Result:
    benchmark: str
    quick: bool
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str, *, target: str | None = None, met: bool | None = None,
            correctness: bool = False) -> None:
        self.figures.append(Figure(name, value, unit, target, met, correctness))

    @property
    def failed(self) -> list[Figure]:
        return [f for f in self.figures if f.correctness and f.met is False]

    def print(self) -> None:
        print(f"\n== {self.benchmark}{' (quick)' if self.quick else ''} ==")
        for f in self.figures:
            verdict = "" if f.met is None else ("  ok" if f.met else "  MISSED")
            target = f"  (target {f.target})" if f.target else ""
            print(f"  {f.name:<48} {f.value:>12.4g} {f.unit}{target}{verdict}")
        for note in self.notes:
            print(f"  note: {note}")

    def save(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.benchmark}{'-quick' if self.quick else ''}.json"
        payload: dict[str, Any] = asdict(self)
        payload["machine"] = machine()
        path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        return path


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
