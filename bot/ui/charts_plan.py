"""The study plan as a timeline image: one bar per phase on a date axis, readable on a phone in dark mode.

Rendered with matplotlib's object API (no pyplot global state), so it is safe to call from a worker
thread: cogs call ``render_plan_timeline`` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
from datetime import timedelta

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.dates import DateFormatter, date2num  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.domain.plan import PhaseKind, StudyPlan  # noqa: E402

# Discord's dark theme background and text, so the image sits in the chat without a bright box.
BACKGROUND = "#2b2d31"
TEXT = "#f2f3f5"
GRID = "#4e5058"
PHASE_COLOURS = {
    PhaseKind.INTENSIVE: "#ed4245",
    PhaseKind.MIXED_REVIEW: "#fee75c",
    PhaseKind.SIMULATION: "#5865f2",
    PhaseKind.LIGHT_REVIEW: "#57f287",
}
# About 800 px wide: a phone shows it without zooming and a desktop without scaling it up.
WIDTH_IN, DPI = 8.0, 100


def render_plan_timeline(plan: StudyPlan) -> bytes:
    """A PNG of the plan's phases from its start to the exam day."""
    phases = list(plan.phases)
    height = 1.6 + 0.55 * max(1, len(phases))
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(BACKGROUND)
    span = max(1.0, date2num(plan.exam_date) - date2num(plan.start))
    for index, phase in enumerate(reversed(phases)):
        start = date2num(phase.start)
        width = date2num(phase.end + timedelta(days=1)) - start
        ax.barh(index, width, left=start, height=0.6, color=PHASE_COLOURS.get(phase.kind, "#99aab5"))
        label = f"{phase.hours:g} h"
        if width >= span * 0.12:
            ax.text(start + width / 2, index, label, ha="center", va="center", color="#111214",
                    fontsize=10, fontweight="bold")
        else:
            # Too narrow to hold its label: write it just before the bar, in the light text colour.
            ax.text(start - span * 0.01, index, label, ha="right", va="center", color=TEXT, fontsize=10,
                    fontweight="bold")
    ax.set_yticks(range(len(phases)))
    ax.set_yticklabels([p.title for p in reversed(phases)], color=TEXT, fontsize=10)
    exam_day = date2num(plan.exam_date)
    ax.axvline(exam_day, color=TEXT, linestyle="--", linewidth=1.2)
    top = max(0, len(phases) - 1) + 0.45
    ax.text(exam_day, top, " exam", color=TEXT, fontsize=10, va="bottom", ha="left")
    ax.set_xlim(date2num(plan.start) - 0.5, exam_day + max(1.5, (exam_day - date2num(plan.start)) * 0.08))
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    ax.tick_params(axis="x", colors=TEXT, labelsize=9)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for spine in ax.spines.values():
        spine.set_visible(False)
    booked = "booked" if plan.exam_date_booked else "proposed"
    ax.set_title(f"{plan.exam_code}: {plan.total_hours:g} h to the {booked} exam on {plan.exam_date.isoformat()}",
                 color=TEXT, fontsize=12, loc="left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()
