"""Fault injection for REST routes: added latency, failures and forced 429s.

A route pattern is a regular expression searched in ``"METHOD /path"`` where the path is the part
after ``/api/v10`` (for example ``"POST /channels/\\d+/messages"`` or just ``"/messages"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    kind: str
    times: int | None = None
    seconds: float = 0.0
    status: int = 500
    code: int = 0
    message: str = ""
    retry_after: float = 0.01
    is_global: bool = False
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        return bool(self.pattern.search(f"{method} {path}"))


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 500
    code: int = 0
    message: str = ""
    retry_after: float = 0.0
    is_global: bool = False


@dataclass
class Faults:
    _rules: list[_Rule] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)

    def latency(self, route_pattern: str, seconds: float, *, times: int | None = None) -> None:
        """Delay matching requests by ``seconds`` of real time (every time unless ``times`` is given)."""
        self._rules.append(_Rule(re.compile(route_pattern), "latency", times=times, seconds=seconds))

    def fail(self, route_pattern: str, status: int = 500, times: int = 1, *, code: int = 0, message: str = "") -> None:
        """Answer matching requests with ``status`` (a JSON error body) ``times`` times."""
        text = message or {500: "500: Internal Server Error", 502: "502: Bad Gateway"}.get(status, f"{status}")
        self._rules.append(
            _Rule(re.compile(route_pattern), "fail", times=times, status=status, code=code, message=text)
        )

    def rate_limit(
        self, route_pattern: str, times: int = 1, retry_after: float = 0.01, *, is_global: bool = False
    ) -> None:
        """Answer matching requests with a Via-marked 429 ``times`` times."""
        self._rules.append(
            _Rule(re.compile(route_pattern), "rate_limit", times=times, retry_after=retry_after, is_global=is_global)
        )

    def clear(self) -> None:
        self._rules.clear()

    def delay_for(self, method: str, path: str) -> float:
        total = 0.0
        for rule in self._rules:
            if rule.kind == "latency" and rule.matches(method, path):
                rule.fired += 1
                total += rule.seconds
        return total

    def failure_for(self, method: str, path: str) -> Fault | None:
        for rule in self._rules:
            if rule.kind in ("fail", "rate_limit") and rule.matches(method, path):
                rule.fired += 1
                self.log.append((rule.kind, method, path))
                return Fault(rule.kind, rule.status, rule.code, rule.message, rule.retry_after, rule.is_global)
        return None
