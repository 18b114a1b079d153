"""Forgiving matching of what members type against names we know."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.errors import InvalidInput

if TYPE_CHECKING:
    from bot.domain.exams import Domain, Exam

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case, punctuation and spacing folded: 'Network-Security ' -> 'network security'."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def _number_key(text: str) -> str | None:
    text = text.strip().lower().removeprefix("domain").strip()
    m = re.fullmatch(r"d?(\d+)(?:\.0+)?", text)
    return m.group(1) if m else None


def match_domain(domains: Sequence[Domain], key: str) -> Domain | None:
    """Find a domain by number ('2', '2.0', 'D2', 'domain 2') or by name, ignoring case and punctuation.

    A name prefixed by its number ('2.0 Security Operations') also matches.
    """
    if not key or not key.strip():
        return None
    wanted_number = _number_key(key)
    if wanted_number is not None:
        for d in domains:
            if _number_key(d.number) == wanted_number:
                return d
    wanted = normalise(key)
    for d in domains:
        if normalise(d.name) == wanted or normalise(f"{d.number} {d.name}") == wanted:
            return d
    return None


def domain_numbers(exam: Exam, typed: str | None) -> tuple[str, ...]:
    """The numbers of the domains named in a comma-separated list ('2, network security'), each once, in order.

    Raises ``InvalidInput`` naming the first part that is no domain of the exam, with the exam's domains.
    """
    numbers: list[str] = []
    for part in (typed or "").split(","):
        if not part.strip():
            continue
        found = match_domain(exam.domains, part)
        if found is None:
            raise InvalidInput(f"{part.strip()[:60]!r} isn't a domain of {exam.code}.",
                               hint="Domains: " + "; ".join(f"{d.number} {d.name}" for d in exam.domains))
        if found.number not in numbers:
            numbers.append(found.number)
    return tuple(numbers)


def suggestions(known: Iterable[str], typed: str, limit: int = 3) -> list[str]:
    """Closest known names to what was typed, for 'did you mean …?' replies."""
    known = list(known)
    by_norm = {normalise(k): k for k in known}
    close = difflib.get_close_matches(normalise(typed), list(by_norm), n=limit, cutoff=0.5)
    out = [by_norm[c] for c in close]
    if len(out) < limit:
        t = normalise(typed)
        for k in known:
            if t and t in normalise(k) and k not in out:
                out.append(k)
            if len(out) >= limit:
                break
    return out
