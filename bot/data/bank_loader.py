"""Reads the shipped question banks (``bot/data/banks/*.yaml``) once per process, validated."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from bot.data.loader import load_catalogue
from bot.domain.banks import Bank, BankError, parse_bank

_FOLDER = "banks"
# libyaml's safe loader reads the banks about nine times faster than the pure-Python one, when it is there.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_shipped_banks() -> dict[str, Bank]:
    """Every shipped bank by exam code; raises ``BankError`` listing every problem in every file."""
    catalogue = load_catalogue()
    folder = resources.files("bot.data").joinpath(_FOLDER)
    banks: dict[str, Bank] = {}
    errors: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            doc = yaml.load(entry.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}  # noqa: S506 (safe loader)
        except yaml.YAMLError as exc:
            errors.append(f"{entry.name}: not valid YAML: {exc}")
            continue
        code = str((doc.get("bank") or {}).get("exam", "")) if isinstance(doc, dict) else ""
        exam = catalogue.exam(code) if code else None
        if exam is None:
            errors.append(f"{entry.name}: bank.exam {code!r} is not an exam in the catalogue")
            continue
        try:
            banks[exam.code] = parse_bank(doc, exam=exam, source_name=entry.name)
        except BankError as exc:
            errors.extend(exc.errors)
    if errors:
        raise BankError(errors)
    return banks
