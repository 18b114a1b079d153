"""Client-side pacing of the bot's REST requests under Discord's global rate limit.

Discord allows a bot 50 requests a second in all ("Rate Limits", Global Rate Limit). discord.py waits only
after Discord has answered 429 with ``global: true``, so a bot that always has a request ready (a reminder
fan-out) runs into the limit at the end of every second. The pacer spaces requests a little under the limit
before they are sent. It hooks into aiohttp's ``on_request_start``, which aiohttp awaits before each request
goes out, so every attempt is paced, discord.py's retries included, with no discord.py internals patched.

Interaction endpoints (the callback and the follow-up webhooks under the interaction token) are not bound to
the global limit (Discord's "Receiving and Responding", Endpoints), so a member's answer never queues behind a
fan-out.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from types import SimpleNamespace
from typing import Any

import aiohttp

DISCORD_GLOBAL_PER_SECOND = 50
#: Two under Discord's 50: the jitter between the moment a request leaves and the moment Discord counts it can
#: move a request or two of the next second into the one Discord is counting.
DEFAULT_PER_SECOND = 48
WINDOW_SECONDS = 1.0
#: Requests are never closer together than Discord's own average spacing, so no burst lands on a window's edge.
MIN_GAP_SECONDS = 1.0 / DISCORD_GLOBAL_PER_SECOND

_INTERACTION_ENDPOINT = re.compile(r"/interactions/\d+/[^/]+/callback$|/webhooks/\d+/[^/]+(/|$)")


def counts_toward_global_limit(url: str) -> bool:
    """Whether Discord counts this request toward the bot's global limit."""
    if url.startswith(("ws://", "wss://")):
        return False
    path = url.split("?", 1)[0]
    return _INTERACTION_ENDPOINT.search(path) is None


class RestPacer:
    """At most ``per_second`` requests in any one-second window, never two closer than ``MIN_GAP_SECONDS``.

    A token bucket with the small burst that keeps every window under 50 loses each slot the bot leaves unused
    (the dispatcher pauses between batches; a busy machine stalls the event loop). Counting the requests of the
    last second instead lets the bot catch up after a pause, at Discord's average spacing, without ever putting
    more than ``per_second`` into one window. ``reserve`` is pure arithmetic on ``now()``: each caller gets the
    next free slot, so requests leave in the order they asked.
    """

    def __init__(
        self,
        per_second: int = DEFAULT_PER_SECOND,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not 1 <= per_second <= DISCORD_GLOBAL_PER_SECOND:
            raise ValueError(f"per_second must be a whole number from 1 to {DISCORD_GLOBAL_PER_SECOND}")
        self.per_second = per_second
        self._now = now
        self._sleep = sleep
        self._recent: deque[float] = deque(maxlen=per_second)  # the send times of the last per_second requests
        self.paced = 0
        self.waited_seconds = 0.0

    def reserve(self) -> float:
        """Claim the next send slot; returns how many seconds to wait for it."""
        now = self._now()
        send_at = now
        if self._recent:
            send_at = max(send_at, self._recent[-1] + MIN_GAP_SECONDS)
        if len(self._recent) == self.per_second:
            send_at = max(send_at, self._recent[0] + WINDOW_SECONDS)
        self._recent.append(send_at)
        return send_at - now

    async def wait(self) -> None:
        """Wait for this request's slot."""
        delay = self.reserve()
        self.paced += 1
        if delay > 0:
            self.waited_seconds += delay
            await self._sleep(delay)

    def trace_config(self) -> PacingTrace:
        """An aiohttp trace that paces every request counting toward the global limit."""
        return PacingTrace(self)


class PacingTrace(aiohttp.TraceConfig):
    """The aiohttp trace of one pacer (kept on it, so a test or a benchmark can read what it paced)."""

    def __init__(self, pacer: RestPacer) -> None:
        super().__init__()
        self.pacer = pacer
        self.on_request_start.append(self._pace)

    async def _pace(self, _session: Any, _context: SimpleNamespace, params: Any) -> None:
        if counts_toward_global_limit(str(params.url)):
            await self.pacer.wait()


def with_rest_pacing(options: Mapping[str, Any]) -> dict[str, Any]:
    """discord.py client options with the pacer's trace; ``rest_per_second`` sets its rate.

    A trace the caller passes in (``http_trace``) is kept and the pacer is added to it, so both run.
    """
    rest = dict(options)
    pacer = RestPacer(int(rest.pop("rest_per_second", DEFAULT_PER_SECOND)))
    trace: aiohttp.TraceConfig | None = rest.get("http_trace")
    if trace is None:
        rest["http_trace"] = pacer.trace_config()
    else:
        trace.on_request_start.extend(pacer.trace_config().on_request_start)
    return rest
