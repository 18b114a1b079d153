"""Shared helpers: timing, results as JSON, and the pass/fail rule (correctness only fails a run)."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


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
