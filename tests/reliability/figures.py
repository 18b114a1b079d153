"""What the reliability tests measured, gathered while they run and printed as tables at the end.

Each test records what it measured *before* asserting on it, so a failing run still reports its figures.
Set ``REBOUND_RELIABILITY_REPORT=docs/reliability.md`` to have the tables written into that file, between the
``<!-- figures:start -->`` and ``<!-- figures:end -->`` markers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPORT_ENV = "REBOUND_RELIABILITY_REPORT"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


@dataclass(frozen=True)
class FaultFigure:
    scenario: str
    injected: int
    survived: int
    lost: int
    note: str = ""


@dataclass(frozen=True)
class InputFigure:
    target: str
    tried: int
    rejected: int
    crashes: int
    note: str = ""


FAULTS: list[FaultFigure] = []
INPUTS: list[InputFigure] = []


def fault(scenario: str, *, injected: int, survived: int, lost: int, note: str = "") -> None:
    FAULTS.append(FaultFigure(scenario, injected, survived, lost, note))


def inputs(target: str, *, tried: int, rejected: int, crashes: int, note: str = "") -> None:
    INPUTS.append(InputFigure(target, tried, rejected, crashes, note))


def tables() -> str:
    lines = []
    if FAULTS:
        lines += ["| Fault | Injected | Survived | Data lost | Notes |", "|---|---:|---:|---:|---|"]
        lines += [f"| {f.scenario} | {f.injected} | {f.survived} | {f.lost} | {f.note} |" for f in FAULTS]
        total = FaultFigure("**total**", sum(f.injected for f in FAULTS), sum(f.survived for f in FAULTS),
                            sum(f.lost for f in FAULTS))
        lines.append(f"| {total.scenario} | {total.injected} | {total.survived} | {total.lost} | |")
        lines.append("")
    if INPUTS:
        lines += ["| Input | Tried | Rejected cleanly | Crashes | Notes |", "|---|---:|---:|---:|---|"]
        lines += [f"| {i.target} | {i.tried} | {i.rejected} | {i.crashes} | {i.note} |" for i in INPUTS]
        lines.append(f"| **total** | {sum(i.tried for i in INPUTS)} | {sum(i.rejected for i in INPUTS)} | "
                     f"{sum(i.crashes for i in INPUTS)} | |")
    return "\n".join(lines)


def write_report() -> Path | None:
    target = os.environ.get(REPORT_ENV)
    if not target or not (FAULTS or INPUTS):
        return None
    path = Path(target)
    text = path.read_text(encoding="utf-8") if path.exists() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text = f"{text.rstrip()}\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{tables()}\n{END}{tail}", encoding="utf-8")
    return path
