"""Plain-text rendering of messages for a terminal (the sandbox and failing-test output)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from .state import Message

if TYPE_CHECKING:
    from .harness import Reply

BOX_WIDTH = 60
_SELECT_NAMES = {3: "select", 5: "user select", 6: "role select", 7: "mentionable select", 8: "channel select"}


def render_message(message: Message) -> str:
    lines: list[str] = []
    if message.ephemeral:
        lines.append("(only you can see this)")
    if message.loading:
        lines.append(f"{message.author.username} is thinking...")
    if message.content:
        lines.extend(message.content.splitlines())
    for embed in message.embeds:
        lines.extend(_render_embed(embed))
    lines.extend(_render_components(message))
    for attachment in message.attachments:
        lines.append(f"[file: {attachment.filename} ({len(attachment.data)} bytes)]")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    if reply.is_modal:
        return render_modal(reply.modal)
    message = reply.message
    return render_message(message) if message is not None else "(no message)"


def render_modal(modal: dict[str, Any]) -> str:
    lines = [f"== {modal.get('title', '')} =="]
    number = 0
    for row in modal.get("components") or []:
        items = row.get("components") if row.get("type") == 1 else [row.get("component")]
        for item in items or []:
            if not isinstance(item, dict):
                continue
            number += 1
            label = item.get("label") or row.get("label") or item.get("custom_id")
            required = "" if item.get("required", True) else " (optional)"
            lines.append(f"  {number}. {label}{required}: {item.get('value') or item.get('placeholder') or ''}")
    return "\n".join(lines)


def _box_line(text: str) -> list[str]:
    inner = BOX_WIDTH - 4
    wrapped = textwrap.wrap(text, inner) or [""]
    return [f"| {part.ljust(inner)} |" for part in wrapped]


def _render_embed(embed: dict[str, Any]) -> list[str]:
    border = "+" + "-" * (BOX_WIDTH - 2) + "+"
    lines = [border]
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.extend(_box_line(author))
    if embed.get("title"):
        lines.extend(_box_line(f"** {embed['title']} **"))
    for paragraph in (embed.get("description") or "").splitlines():
        lines.extend(_box_line(paragraph))
    for field in embed.get("fields") or []:
        lines.extend(_box_line(f"{field.get('name', '')}:"))
        for paragraph in str(field.get("value", "")).splitlines():
            lines.extend(_box_line(f"  {paragraph}"))
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.extend(_box_line(f"-- {footer}"))
    lines.append(border)
    return lines


def _render_components(message: Message) -> list[str]:
    lines: list[str] = []
    button_number = 0
    for row in message.components:
        children = row.get("components") if row.get("type") == 1 else [row]
        buttons = []
        for item in children or []:
            if item.get("type") == 2:
                button_number += 1
                label = item.get("label") or (item.get("emoji") or {}).get("name") or "?"
                disabled = " (disabled)" if item.get("disabled") else ""
                buttons.append(f"[{button_number} {label}{disabled}]")
            elif item.get("type") in _SELECT_NAMES:
                lines.extend(_render_select(item))
        if buttons:
            lines.append(" ".join(buttons))
    return lines


def _render_select(item: dict[str, Any]) -> list[str]:
    name = _SELECT_NAMES[item["type"]]
    lines = [f"<{name}: {item.get('placeholder') or 'choose'}>"]
    for number, option in enumerate(item.get("options") or [], start=1):
        description = f" - {option['description']}" if option.get("description") else ""
        lines.append(f"  {number}) {option.get('label')}{description}")
    return lines
