"""Choosing a time zone by its IANA name, forgivingly."""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.text import suggestions
from bot.errors import InvalidInput

#: Shown when a member opens the time-zone autocomplete without typing: where most study servers are.
POPULAR = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "America/Toronto", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Asia/Manila", "Asia/Dubai",
    "Africa/Lagos", "Africa/Johannesburg", "Australia/Sydney", "Pacific/Auckland",
)


def resolve_timezone(typed: str, known: Collection[str]) -> str:
    """Return the IANA name the member meant (case-insensitive), or raise with suggestions."""
    cleaned = typed.strip().replace(" ", "_")
    if cleaned in known:
        return cleaned
    by_lower = {k.lower(): k for k in known}
    if cleaned.lower() in by_lower:
        return by_lower[cleaned.lower()]
    close = suggestions(known, typed, limit=3)
    hint = (
        f"Did you mean {', '.join(close)}?" if close
        else "Use a name like Europe/Berlin or America/New_York (start typing and pick from the list)."
    )
    raise InvalidInput(f"I don't know the time zone {typed.strip()[:60]!r}.", hint=hint)


def timezone_choices(typed: str, known: Collection[str], limit: int = 25) -> list[str]:
    """Autocomplete: popular zones when nothing is typed, else names containing what was typed."""
    typed = typed.strip().lower().replace(" ", "_")
    if not typed:
        return [z for z in POPULAR if z in known][:limit]
    starts = sorted(k for k in known if k.lower().startswith(typed))
    contains = sorted(k for k in known if typed in k.lower() and not k.lower().startswith(typed))
    return (starts + contains)[:limit]
