"""Every slash command the bot registered, walked from the emulator's record of them, and how to call each.

Listing the commands starts the real bot once against the emulator (about a second), so the fuzzer and the
mention test follow whatever commands exist today, subcommands and option types included.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.emulator.harness import (
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_SUB_COMMAND,
    OPTION_SUB_COMMAND_GROUP,
    OPTION_USER,
    Reply,
)
from bot.local import LocalWorld

MANAGE_GUILD = 1 << 5
DM_CONTEXT = 1
STRING_LIMIT = 6000  # Discord's longest string option when a command sets no max_length


@dataclass(frozen=True)
class Command:
    path: str  # "exam set"
    options: tuple[dict[str, Any], ...]
    default_member_permissions: int | None
    contexts: tuple[int, ...] | None

    @property
    def admin_only(self) -> bool:
        return bool(self.default_member_permissions and self.default_member_permissions & MANAGE_GUILD)

    @property
    def allowed_in_dms(self) -> bool:
        return self.contexts is None or DM_CONTEXT in self.contexts

    def __str__(self) -> str:
        return f"/{self.path}"


def walk(registered: list[dict[str, Any]]) -> list[Command]:
    """Every runnable command path (``/top``, ``/top sub`` or ``/top group sub``) with its options."""
    found: list[Command] = []
    for top in registered:
        if top.get("type", 1) != 1:
            continue
        dmp = top.get("default_member_permissions")
        permissions = int(dmp) if dmp not in (None, "") else None
        contexts = tuple(top["contexts"]) if top.get("contexts") is not None else None

        def visit(node: dict[str, Any], path: str) -> None:
            options = node.get("options") or []
            subs = [o for o in options if o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)]
            if not subs:
                found.append(Command(path, tuple(options), permissions, contexts))  # noqa: B023
                return
            for sub in subs:
                visit(sub, f"{path} {sub['name']}")

        visit(top, top["name"])
    return sorted(found, key=lambda c: c.path)


async def _registered() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        world = LocalWorld(database=str(Path(folder) / "commands.db"))
        await world.start()
        try:
            return list(world.emu.state.global_commands)
        finally:
            await world.stop()


@lru_cache(maxsize=1)
def registered_commands() -> tuple[Command, ...]:
    return tuple(walk(asyncio.run(_registered())))


def command_ids() -> list[str]:
    return [c.path for c in registered_commands()]


# --- plain values for every option type ----------------------------------------------------------------
def fit(text: str, option: dict[str, Any]) -> str:
    """``text`` cut or padded to the option's length limits."""
    low = int(option.get("min_length") or 0)
    high = int(option.get("max_length") or STRING_LIMIT)
    text = text[:high]
    if len(text) < low:
        text = (text + " x" * low)[: max(low, len(text))]
    return text


def in_range(value: float, option: dict[str, Any]) -> float:
    low, high = option.get("min_value"), option.get("max_value")
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def channel_allowed(option: dict[str, Any], channel: Any) -> bool:
    kinds = option.get("channel_types")
    return not kinds or channel.record.type in kinds


def modal_inputs(reply: Reply) -> list[dict[str, Any]]:
    """The text inputs of a modal reply (rows of type 1, or labels of type 18)."""
    found = []
    for row in reply.modal.get("components") or []:
        items = row.get("components") if row.get("type") == 1 else [row.get("component")]
        found += [i for i in items or [] if isinstance(i, dict) and i.get("type") == 4]
    return found


def modal_text(item: dict[str, Any], text: str) -> str:
    low, high = int(item.get("min_length") or 0), int(item.get("max_length") or 4000)
    text = text[:high]
    if len(text) < low or (not text and item.get("required", True)):
        text = (text + " x" * max(low, 1))[: max(low, 1, len(text))]
    return text


_TRACEBACK = re.compile(
    r"Traceback|\b[A-Z]\w*(Error|Exception)\b|sqlite3|NoneType|object at 0x|discord\.(errors|app_commands)|"
    r"\bFile \"|line \d+, in\b"
)


def looks_like_a_crash(text: str) -> bool:
    """True when a message shows internals (a traceback, an exception class, a repr) instead of plain words."""
    return bool(_TRACEBACK.search(text or ""))


__all__ = [
    "OPTION_ATTACHMENT", "OPTION_BOOLEAN", "OPTION_CHANNEL", "OPTION_INTEGER", "OPTION_MENTIONABLE", "OPTION_NUMBER",
    "OPTION_ROLE", "OPTION_STRING", "OPTION_USER", "Command", "channel_allowed", "command_ids", "fit", "in_range",
    "looks_like_a_crash", "modal_inputs", "modal_text", "registered_commands", "walk",
]
