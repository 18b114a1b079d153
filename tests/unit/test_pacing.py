"""The REST pacer: at most N requests in any second under Discord's global limit, on a fake monotonic clock."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import pytest
from yarl import URL

from bot.config import Config
from bot.errors import ConfigError
from bot.pacing import (
    DEFAULT_PER_SECOND,
    MIN_GAP_SECONDS,
    PacingTrace,
    RestPacer,
    counts_toward_global_limit,
    with_rest_pacing,
)

API = "https://discord.com/api/v10"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def send_times(pacer: RestPacer, time: FakeTime, count: int) -> list[float]:
    """When ``count`` requests asked for at the same instant would be sent."""
    return [time.now + pacer.reserve() for _ in range(count)]


def busiest_second(times: list[float]) -> int:
    """The most requests in any one-second window that starts at a request (as Discord's windows do)."""
    # A nanosecond off the window's end: float sums of the gap land a hair either side of a whole second.
    return max(sum(1 for t in times if start <= t < start + 1.0 - 1e-9) for start in times)


def test_a_lone_request_goes_at_once():
    """With nothing sent in the last second, a request waits for nothing."""
    time = FakeTime()
    assert RestPacer(48, now=time).reserve() == 0.0


def test_queued_requests_are_spaced_by_discords_average_gap():
    """Requests asked for together leave one 1/50 s apart, not in a burst."""
    time = FakeTime()
    pacer = RestPacer(48, now=time)
    assert send_times(pacer, time, 4) == pytest.approx([100.0, 100.02, 100.04, 100.06])


@pytest.mark.parametrize("per_second", [DEFAULT_PER_SECOND, 49, 10])
def test_no_one_second_window_holds_more_than_the_rate(per_second):
    """However many requests queue up, no one-second window holds more than ``per_second``."""
    time = FakeTime()
    pacer = RestPacer(per_second, now=time)
    assert busiest_second(send_times(pacer, time, 1000)) == per_second


def test_sustained_throughput_is_the_rate():
    """960 queued requests take 20 seconds at 48 a second (the last leaves at the start of the 20th)."""
    time = FakeTime()
    pacer = RestPacer(48, now=time)
    times = send_times(pacer, time, 960)
    assert times[-1] - times[0] == pytest.approx(19 + 47 * MIN_GAP_SECONDS)


def test_a_pause_shorter_than_a_second_costs_no_throughput():
    """After the bot pauses, it catches up at 50 a second until the second's share is used."""
    time = FakeTime()
    pacer = RestPacer(48, now=time)
    send_times(pacer, time, 10)
    time.now += 0.5
    assert send_times(pacer, time, 38) == pytest.approx([100.5 + i * MIN_GAP_SECONDS for i in range(38)])


def test_requests_leave_in_the_order_they_asked():
    """Each caller's slot is later than the previous caller's, so nobody is overtaken."""
    time = FakeTime()
    pacer = RestPacer(48, now=time)
    times = []
    for _ in range(200):
        times.append(time.now + pacer.reserve())
        time.now += 0.005
    assert times == sorted(times)


async def test_wait_sleeps_only_for_the_reserved_delay():
    """``wait`` sleeps for the slot's delay, and not at all when the slot is free."""
    time = FakeTime()
    pacer = RestPacer(48, now=time, sleep=time.sleep)
    await pacer.wait()
    await pacer.wait()
    assert time.slept == [pytest.approx(MIN_GAP_SECONDS)]
    assert pacer.paced == 2


@pytest.mark.parametrize("per_second", [0, -1, 51, 1000])
def test_a_rate_outside_discords_limit_is_refused(per_second):
    """A rate of zero or above Discord's 50 a second is a mistake, refused at construction."""
    with pytest.raises(ValueError):
        RestPacer(per_second)


@pytest.mark.parametrize(
    "url,counts",
    [
        (f"{API}/channels/1/messages", True),
        (f"{API}/users/@me/channels", True),
        (f"{API}/applications/5/guilds/9/commands", True),
        (f"{API}/gateway/bot", True),
        (f"{API}/interactions/123/aW50ZXJhY3Rpb24/callback", False),
        (f"{API}/interactions/123/aW50ZXJhY3Rpb24/callback?with_response=true", False),
        (f"{API}/webhooks/5/aW50ZXJhY3Rpb24", False),
        (f"{API}/webhooks/5/aW50ZXJhY3Rpb24/messages/@original", False),
        (f"{API}/webhooks/5/aW50ZXJhY3Rpb24/messages/77?thread_id=3", False),
        ("wss://gateway.discord.gg/?v=10&encoding=json", False),
    ],
)
def test_interaction_endpoints_and_the_gateway_are_not_paced(url, counts):
    """Interaction callbacks and follow-ups are outside the global limit (Discord's docs); so is the gateway."""
    assert counts_toward_global_limit(url) is counts


async def test_the_trace_paces_a_channel_message_but_not_an_interaction_callback():
    """aiohttp's request-start signal waits for a slot only for requests that count toward the limit."""
    time = FakeTime()
    trace = RestPacer(48, now=time, sleep=time.sleep).trace_config()
    for url in (f"{API}/interactions/1/t/callback", f"{API}/channels/1/messages", f"{API}/channels/1/messages"):
        params = aiohttp.TraceRequestStartParams("POST", URL(url), {})  # type: ignore[arg-type]
        for receiver in trace.on_request_start:
            await receiver(None, SimpleNamespace(), params)
    assert trace.pacer.paced == 2
    assert time.slept == [pytest.approx(MIN_GAP_SECONDS)]


def test_client_options_get_the_pacer_at_the_configured_rate():
    """``rest_per_second`` becomes the pacer's rate and is not passed on to discord.py."""
    options = with_rest_pacing({"rest_per_second": 20, "guild_ready_timeout": 0.01})
    assert "rest_per_second" not in options
    assert options["guild_ready_timeout"] == 0.01
    assert isinstance(options["http_trace"], PacingTrace)
    assert options["http_trace"].pacer.per_second == 20


def test_a_callers_trace_is_kept_and_paced_too():
    """A trace passed in by the caller keeps its own hooks and gains the pacer's."""
    trace = aiohttp.TraceConfig()

    async def mine(*_args: object) -> None:
        return None

    trace.on_request_start.append(mine)
    options = with_rest_pacing({"http_trace": trace})
    assert options["http_trace"] is trace
    assert len(trace.on_request_start) == 2


def test_the_rate_comes_from_the_environment():
    """REBOUND_REST_PER_SECOND sets the pacer's rate; without it the default applies."""
    assert Config.from_env({}, env_file=None).rest_per_second == DEFAULT_PER_SECOND
    assert Config.from_env({"REBOUND_REST_PER_SECOND": "40"}, env_file=None).rest_per_second == 40


@pytest.mark.parametrize("raw", ["fast", "0", "51", "47.5"])
def test_a_rate_outside_discords_limit_is_a_config_error(raw):
    """A rate that is not a whole number from 1 to 50 is reported with the limit it must stay under."""
    with pytest.raises(ConfigError, match="REBOUND_REST_PER_SECOND"):
        Config.from_env({"REBOUND_REST_PER_SECOND": raw}, env_file=None)
