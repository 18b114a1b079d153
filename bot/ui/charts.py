"""Charts for the progress board and /progress, as PNG bytes sized for a phone (800×450 px).

Drawn on matplotlib's Agg canvas with a plain ``Figure`` (pyplot's global state is not safe across
threads), in a worker thread via ``asyncio.to_thread`` so drawing never blocks the event loop. The
colours sit on Discord's dark theme: its embed background, light text, and saturated lines and bars
that keep their contrast there (and on the light theme).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bot.services.progress import MasteryBar, MockPoint, ProgressView  # noqa: E402

WIDTH_PX, HEIGHT_PX, DPI = 800, 450, 100
BACKGROUND = "#2b2d31"  # Discord's dark embed background, so the image sits in the chat without a box
TEXT = "#f2f3f5"
MUTED = "#b5bac1"
GRID = "#4e5058"
BAR = "#5865f2"
CURRENT = "#57f287"
LINE = "#fee75c"
MARK_LINE = "#ed4245"
BAND = "#57f287"
UNKNOWN = "#80848e"

# Room for the title, the tick labels (five characters at most, see _count_formatter) and the axis label, at
# 800x450 px.
WEEK_BAR_MARGINS = {"left": 0.095, "right": 0.985, "top": 0.86, "bottom": 0.085}

GROUP_MINUTES_FILE = "group-minutes.png"
MOCKS_FILE = "mock-scores.png"
MASTERY_FILE = "domain-mastery.png"
MINUTES_FILE = "study-minutes.png"


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(BACKGROUND)
    ax.tick_params(colors=TEXT, labelsize=11)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    return fig, ax


def _title(ax, text: str) -> None:
    ax.set_title(text, color=TEXT, fontsize=15, loc="left", pad=12)


def _legend(ax) -> None:
    legend = ax.legend(loc="best", facecolor=BACKGROUND, edgecolor=GRID, fontsize=10, framealpha=0.9)
    for entry in legend.get_texts():
        entry.set_color(TEXT)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;:") + "…"


def _png(fig: Figure, *, margins: dict[str, float] | None = None) -> bytes:
    if margins is None:
        fig.tight_layout()
    else:
        # Fixed margins where the labels' extent is known: tight_layout measures every text first, about a
        # quarter of the drawing time, and the board's chart is drawn on every refresh.
        fig.subplots_adjust(**margins)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND, dpi=DPI)
    return buffer.getvalue()


def _count_formatter(top: float) -> FuncFormatter:
    """Tick labels of at most five characters in one unit for the whole axis (a server's week can reach a
    million minutes)."""
    if top >= 1_000_000:
        return FuncFormatter(lambda value, _: f"{value / 1_000_000:g}M" if value else "0")
    if top >= 10_000:
        return FuncFormatter(lambda value, _: f"{value / 1_000:g}k" if value else "0")
    return FuncFormatter(lambda value, _: f"{value:,.0f}")


def _week_bars(weeks: Sequence[tuple[date, int]], title: str, ylabel: str) -> bytes:
    fig, ax = _figure()
    labels = [f"{start:%d %b}" for start, _ in weeks]
    values = [minutes for _, minutes in weeks]
    colours = [BAR] * len(values)
    if colours:
        colours[-1] = CURRENT  # the week still running
    bars = ax.bar(range(len(values)), values, color=colours, width=0.7)
    top = max(values, default=0)
    for bar, value in zip(bars, values, strict=True):
        if value:
            ax.text(bar.get_x() + bar.get_width() / 2, value + max(top, 1) * 0.02, f"{value:,}", ha="center",
                    va="bottom", color=TEXT, fontsize=10)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, rotation=0, fontsize=10)
    ax.set_ylim(0, max(top, 60) * 1.18)
    ax.yaxis.set_major_formatter(_count_formatter(max(top, 60) * 1.18))
    ax.set_ylabel(ylabel, color=MUTED, fontsize=11)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    _title(ax, title)
    if not top:
        ax.text(0.5, 0.5, "No check-ins yet", transform=ax.transAxes, ha="center", va="center", color=MUTED,
                fontsize=14)
    return _png(fig, margins=WEEK_BAR_MARGINS)


def render_group_minutes(weeks: Sequence[tuple[date, int]]) -> bytes:
    """The whole group's study minutes per week (weeks start Monday; the current one in green)."""
    return _week_bars(weeks, "Our study minutes per week", "minutes (everyone)")


def render_minutes_by_week(weeks: Sequence[tuple[date, int]]) -> bytes:
    """One member's study minutes per week."""
    return _week_bars(weeks, "Your study minutes per week", "minutes")


def render_mock_scores(mocks: Sequence[MockPoint], pass_percent: float, target_percent: float) -> bytes:
    """Mock scores in order against the pass mark, with the readiness band shaded above the target."""
    fig, ax = _figure()
    xs = list(range(1, len(mocks) + 1))
    ax.axhspan(target_percent, 100, color=BAND, alpha=0.15, label=f"readiness band ({target_percent:g}%+)")
    ax.axhline(pass_percent, color=MARK_LINE, linestyle="--", linewidth=2,
               label=f"pass mark {pass_percent:g}%")
    ax.plot(xs, [m.percent for m in mocks], color=LINE, linewidth=2.5, zorder=3)
    full = [(x, m.percent) for x, m in zip(xs, mocks, strict=True) if m.full]
    half = [(x, m.percent) for x, m in zip(xs, mocks, strict=True) if not m.full]
    if full:
        ax.scatter(*zip(*full, strict=True), s=70, color=LINE, zorder=4, label="full mock")
    if half:
        ax.scatter(*zip(*half, strict=True), s=70, facecolors=BACKGROUND, edgecolors=LINE, linewidths=2,
                   zorder=4, label="half mock")
    for x, m in zip(xs, mocks, strict=True):
        ax.annotate(f"{m.percent:g}", (x, m.percent), textcoords="offset points", xytext=(0, 9), ha="center",
                    color=TEXT, fontsize=10)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{m.finished_at:%d %b}" for m in mocks], fontsize=10)
    ax.set_xlim(0.5, max(len(mocks), 1) + 0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("score (%)", color=MUTED, fontsize=11)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    _title(ax, "Your mock scores")
    _legend(ax)
    return _png(fig)


def render_mastery(bars: Sequence[MasteryBar], target_percent: float) -> bytes:
    """Estimated mastery per exam domain against the target; domains not practised yet are marked."""
    fig, ax = _figure()
    rows = list(reversed(bars))
    labels = [_short(f"{b.number} {b.name}", 30) for b in rows]
    values = [b.percent if b.percent is not None else 0.0 for b in rows]
    colours = [UNKNOWN if b.percent is None else (CURRENT if b.percent >= target_percent else BAR)
               for b in rows]
    ax.barh(range(len(rows)), values, color=colours, height=0.6)
    for y, bar in enumerate(rows):
        if bar.percent is None:
            ax.text(1.5, y, "not practised yet", va="center", color=MUTED, fontsize=10)
        elif bar.percent >= 15:
            # Inside the bar's end, so it never collides with the target line; dark on green, light on blue.
            ink = BACKGROUND if colours[y] == CURRENT else TEXT
            ax.text(bar.percent - 1.5, y, f"{bar.percent:g}%", va="center", ha="right", color=ink,
                    fontsize=10, fontweight="bold")
        else:
            ax.text(bar.percent + 1.5, y, f"{bar.percent:g}%", va="center", color=TEXT, fontsize=10)
    ax.axvline(target_percent, color=LINE, linewidth=2, linestyle="--")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=10)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"estimated mastery (%) · dashed line: target {target_percent:g}%", color=MUTED,
                  fontsize=11)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    _title(ax, "Your domains against the target")
    return _png(fig)


def render_progress(view: ProgressView) -> list[tuple[str, bytes]]:
    """Every /progress chart the member has data for, as (file name, PNG)."""
    charts: list[tuple[str, bytes]] = []
    if view.has_mocks and view.pass_percent is not None:
        target = view.target_percent if view.target_percent is not None else view.pass_percent
        charts.append((MOCKS_FILE, render_mock_scores(view.mocks, view.pass_percent, target)))
    if view.has_mastery and view.target_percent is not None:
        charts.append((MASTERY_FILE, render_mastery(view.mastery, view.target_percent)))
    if view.has_minutes:
        charts.append((MINUTES_FILE, render_minutes_by_week(view.weeks)))
    return charts


async def group_minutes_png(weeks: Sequence[tuple[date, int]]) -> bytes:
    return await asyncio.to_thread(render_group_minutes, weeks)


async def progress_pngs(view: ProgressView) -> list[tuple[str, bytes]]:
    return await asyncio.to_thread(render_progress, view)
