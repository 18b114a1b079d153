"""Every chart is a phone-sized PNG with something drawn on it, rendered off the event loop."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import matplotlib.image as mpimg
import pytest

from bot.services.progress import MasteryBar, MockPoint, ProgressView
from bot.ui import charts
from bot.ui.charts import (
    HEIGHT_PX,
    WIDTH_PX,
    render_group_minutes,
    render_mastery,
    render_minutes_by_week,
    render_mock_scores,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# The plain background alone has a standard deviation of 0; drawn bars, lines and text lift it well above.
MIN_SPREAD = 0.03

WEEKS = [(date(2026, 4, 6) + timedelta(weeks=i), m)
         for i, m in enumerate([120, 300, 0, 450, 600, 380, 720, 240])]
MOCKS = [MockPoint(datetime(2026, 5, 1 + i, tzinfo=UTC), p, i % 2 == 0)
         for i, p in enumerate([52, 61, 70, 83])]
BARS = [MasteryBar("1.0", "General Security Concepts", 72.5, 20), MasteryBar("2.0", "Threats", None, 0),
        MasteryBar("3.0", "Security Architecture", 88.0, 31),
        MasteryBar("4.0", "Security Operations", 9.0, 4)]


def pixels(png: bytes):
    assert png.startswith(PNG_MAGIC)
    return mpimg.imread(io.BytesIO(png))


@pytest.mark.parametrize(
    "draw",
    [
        lambda: render_group_minutes(WEEKS),
        lambda: render_group_minutes([(start, 0) for start, _ in WEEKS]),
        lambda: render_minutes_by_week(WEEKS),
        lambda: render_mock_scores(MOCKS, 75.0, 85.0),
        lambda: render_mock_scores(MOCKS[:1], 75.0, 85.0),
        lambda: render_mastery(BARS, 85.0),
    ],
    ids=["group-minutes", "group-minutes-empty", "study-minutes", "mock-scores", "one-mock", "mastery"],
)
def test_chart_is_phone_sized_and_not_blank(draw):
    """800×450 px, and far from a single flat colour."""
    image = pixels(draw())
    assert image.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert float(image[..., :3].std()) > MIN_SPREAD


def test_background_is_dark_and_text_is_light():
    """The corner is the dark theme's background and the brightest pixels are near white."""
    image = pixels(render_group_minutes(WEEKS))
    corner = image[2, 2, :3]
    assert float(corner.mean()) < 0.25
    assert float(image[..., :3].mean(axis=2).max()) > 0.9


def view(**changes) -> ProgressView:
    values = {
        "exam_code": "SY0-701", "exam_name": "Security+", "timezone": "UTC", "mocks": tuple(MOCKS),
        "pass_percent": 75.0, "target_percent": 85.0, "ready": False, "readiness_text": None,
        "mastery": tuple(BARS), "weeks": tuple(WEEKS), "streak": 2, "week_minutes": 240,
    }
    return ProgressView(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "files"),
    [
        ({}, [charts.MOCKS_FILE, charts.MASTERY_FILE, charts.MINUTES_FILE]),
        ({"mocks": ()}, [charts.MASTERY_FILE, charts.MINUTES_FILE]),
        ({"mastery": (MasteryBar("1.0", "General", None, 0),)}, [charts.MOCKS_FILE, charts.MINUTES_FILE]),
        ({"weeks": tuple((s, 0) for s, _ in WEEKS), "mocks": ()}, [charts.MASTERY_FILE]),
    ],
)
def test_progress_draws_only_charts_with_data(changes, files):
    """/progress leaves out a chart it has no data for."""
    assert [name for name, _ in charts.render_progress(view(**changes))] == files


async def test_rendering_runs_in_a_worker_thread(monkeypatch):
    """The async helpers draw outside the event loop's thread."""
    loop_thread = threading.get_ident()
    seen: list[int] = []
    original = charts.render_group_minutes

    def spy(weeks):
        seen.append(threading.get_ident())
        return original(weeks)

    monkeypatch.setattr(charts, "render_group_minutes", spy)
    png = await charts.group_minutes_png(WEEKS)
    assert png.startswith(PNG_MAGIC) and seen and seen[0] != loop_thread
