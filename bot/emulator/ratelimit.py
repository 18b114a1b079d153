"""Token-bucket rate limits with Discord's headers.

Source: Discord developer docs "Rate Limits": per-route buckets reported in ``X-RateLimit-*`` headers,
a global limit of 50 requests per second that excludes interaction endpoints, and 429 bodies
``{"message", "retry_after", "global"}``. These limits are about throughput, so they use real time
(``time.monotonic`` through ``RateLimiter.now``, replaceable), not the emulator's rule clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """Limits for one emulator; ``enabled=False`` turns every bucket off."""

    enabled: bool = True
    global_per_second: int = 50
    global_window_seconds: float = 1.0
    messages_per_channel: int = 5
    message_window_seconds: float = 5.0

    @classmethod
    def disabled(cls) -> RateLimits:
        return cls(enabled=False)


@dataclass
class Bucket:
    """A bucket that refills completely at the end of each window, as Discord's buckets do."""

    limit: int
    window: float
    remaining: int = 0
    reset_at: float = 0.0

    def take(self, now: float) -> float:
        """Take one token; returns 0 when allowed, otherwise the seconds until the bucket resets."""
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + self.window
        if self.remaining <= 0:
            return max(self.reset_at - now, 0.001)
        self.remaining -= 1
        return 0.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False


class RateLimiter:
    def __init__(self, limits: RateLimits, now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.now = now
        self._global = Bucket(limit=limits.global_per_second, window=limits.global_window_seconds)
        self._buckets: dict[str, Bucket] = {}
        self.hits: list[tuple[str, bool]] = []

    def check(self, *, route_bucket: str | None, major: str, counts_globally: bool) -> Decision:
        if not self.limits.enabled:
            return Decision(True, {})
        now = self.now()
        bucket = None
        if route_bucket is not None:
            key = f"{route_bucket}:{major}"
            bucket = self._buckets.get(key)
            if bucket is None:
                limits = self.limits
                bucket = self._buckets[key] = Bucket(limits.messages_per_channel, limits.message_window_seconds)
        if counts_globally:
            wait = self._global.take(now)
            if wait:
                self.hits.append(("global", True))
                headers = {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
                return Decision(False, headers, retry_after=wait, is_global=True)
        if bucket is None:
            return Decision(True, {})
        wait = bucket.take(now)
        headers = _bucket_headers(bucket, route_bucket or "", now)
        if wait:
            self.hits.append((route_bucket or "", False))
            headers["X-RateLimit-Scope"] = "user"
            return Decision(False, headers, retry_after=wait)
        return Decision(True, headers)


def _bucket_headers(bucket: Bucket, name: str, now: float) -> dict[str, str]:
    reset_after = max(bucket.reset_at - now, 0.0)
    return {
        "X-RateLimit-Limit": str(bucket.limit),
        "X-RateLimit-Remaining": str(max(bucket.remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": name,
    }
