"""One chart per finished mock: each domain's score against the pass mark and the readiness target.

Rendered with matplotlib's Agg canvas on a plain ``Figure`` (pyplot's global state is not safe
across threads) in a worker thread, so drawing never blocks the event loop. Colours are chosen to
read on Discord's dark theme as well as the light one.
"""

from __future__ import annotations

import asyncio
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.mocks import MockResultView

BACKGROUND = "#2b2d31"  # Discord's dark message background
TEXT = "#f2f3f5"
GRID = "#4e5058"
MET = "#57f287"
UNDER_MARK_COLOUR = "#ed4245"
BETWEEN = "#fee75c"
MARK_LINE_COLOUR = "#b5bac1"
TARGET_LINE = "#5865f2"


def render_mock_chart(result: MockResultView) -> bytes:
    """A PNG of the domain scores; safe to call from a worker thread."""
    rows = list(reversed(result.per_domain))
    labels = [f"{d.number} {d.name}"[:38] for d in rows]
    values = [d.percent for d in rows]
    colours = [MET if d.met else (BETWEEN if d.percent >= result.pass_percent else UNDER_MARK_COLOUR) for d in rows]
    fig = Figure(figsize=(8, 1.2 + 0.6 * max(1, len(rows))), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    fig.patch.set_facecolor(BACKGROUND)
    ax.set_facecolor(BACKGROUND)
    ax.barh(labels, values, color=colours, height=0.6)
    for y, value in enumerate(values):
        ax.text(min(value + 1.5, 92), y, f"{value:g}%", va="center", color=TEXT, fontsize=9)
    ax.axvline(result.pass_percent, color=MARK_LINE_COLOUR, linestyle="--", linewidth=1.2,
               label=f"pass mark {result.pass_percent:g}%")
    ax.axvline(result.target, color=TARGET_LINE, linestyle="-", linewidth=1.5,
               label=f"readiness target {result.target:g}%")
    ax.set_xlim(0, 100)
    ax.set_xlabel("correct (%)", color=TEXT)
    ax.set_title(f"{result.exam_code} {result.length} mock: {result.raw_percent:g}% overall", color=TEXT)
    ax.tick_params(colors=TEXT, labelsize=9)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    legend = ax.legend(loc="lower right", facecolor=BACKGROUND, edgecolor=GRID, fontsize=8)
    for text in legend.get_texts():
        text.set_color(TEXT)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()


async def mock_chart(result: MockResultView) -> bytes:
    return await asyncio.to_thread(render_mock_chart, result)
