"""Draw a sample of each board and /progress chart into docs/images/ (python docs/images/make_samples.py).

The data is invented but typical: a group of six over eight weeks, and one member's retake preparation
for SY0-701 (pass mark 75 %, readiness target 85 %).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bot.services.progress import MasteryBar, MockPoint  # noqa: E402
from bot.ui.charts import (  # noqa: E402
    render_group_minutes,
    render_mastery,
    render_minutes_by_week,
    render_mock_scores,
)

FIRST_WEEK = date(2026, 4, 13)


def weeks(minutes: list[int]) -> list[tuple[date, int]]:
    return [(FIRST_WEEK + timedelta(weeks=i), m) for i, m in enumerate(minutes)]


def main() -> None:
    mocks = [
        MockPoint(datetime(2026, 5, 2, tzinfo=UTC), 58.0, True),
        MockPoint(datetime(2026, 5, 9, tzinfo=UTC), 64.0, False),
        MockPoint(datetime(2026, 5, 16, tzinfo=UTC), 71.0, True),
        MockPoint(datetime(2026, 5, 23, tzinfo=UTC), 79.0, True),
        MockPoint(datetime(2026, 5, 30, tzinfo=UTC), 86.0, True),
        MockPoint(datetime(2026, 6, 6, tzinfo=UTC), 88.0, True),
    ]
    mastery = [
        MasteryBar("1.0", "General Security Concepts", 88.0, 64),
        MasteryBar("2.0", "Threats, Vulnerabilities, and Mitigations", 79.5, 81),
        MasteryBar("3.0", "Security Architecture", 71.0, 52),
        MasteryBar("4.0", "Security Operations", 84.0, 97),
        MasteryBar("5.0", "Security Program Management and Oversight", None, 0),
    ]
    samples = {
        "board-group-minutes.png": render_group_minutes(weeks([540, 780, 610, 920, 1150, 870, 1320, 480])),
        "progress-mock-scores.png": render_mock_scores(mocks, 75.0, 85.0),
        "progress-domain-mastery.png": render_mastery(mastery, 85.0),
        "progress-study-minutes.png": render_minutes_by_week(weeks([90, 150, 0, 210, 240, 180, 300, 120])),
    }
    for name, png in samples.items():
        (HERE / name).write_bytes(png)
        print(f"wrote docs/images/{name} ({len(png):,} bytes)")


if __name__ == "__main__":
    main()
