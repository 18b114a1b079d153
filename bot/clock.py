"""The one place that reads the current time.

Everything that needs "now" receives a ``Clock``. Production uses ``SystemClock``; tests, the
sandbox and the benchmarks use ``FakeClock`` and move it forward explicitly, so nothing sleeps.
All instants are aware UTC datetimes; storage uses UTC epoch seconds (``to_epoch``/``from_epoch``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to. Listeners hear every move (the scheduler uses this)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[datetime], object]] = []

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = when.astimezone(UTC)
        for listener in list(self._listeners):
            listener(self._now)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta if delta is not None else timedelta(**kwargs)))
        return self._now

    def on_change(self, listener: Callable[[datetime], object]) -> None:
        self._listeners.append(listener)


def host_now() -> datetime:
    """The host's own time, for comparing with Discord's snowflakes (which carry Discord's time).

    Never for the study clock: tests and the sandbox move the bot's ``Clock`` by hand while the local Discord
    keeps stamping ids with the host's time.
    """
    return datetime.now(UTC)


def to_epoch(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return int(when.timestamp())


def from_epoch(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
