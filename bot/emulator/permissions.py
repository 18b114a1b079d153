"""Permission bits and Discord's permission computation (roles, then channel overwrites).

Source: Discord developer docs, "Permissions" topic: base permissions from @everyone and the member's
roles (owner and ADMINISTRATOR get everything), then overwrites in the order @everyone, roles, member.
Threads use their parent channel's overwrites.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38

ALL = (1 << 51) - 1

EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
    | CHANGE_NICKNAME
    | CREATE_INSTANT_INVITE
)

BOT_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | MANAGE_MESSAGES
    | MANAGE_ROLES
    | MANAGE_CHANNELS
    | MANAGE_THREADS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)


def base_permissions(everyone: int, role_permissions: Iterable[int], *, is_owner: bool) -> int:
    if is_owner:
        return ALL
    value = everyone
    for perms in role_permissions:
        value |= perms
    return ALL if value & ADMINISTRATOR else value


def apply_overwrites(
    base: int,
    overwrites: list[dict[str, Any]],
    *,
    guild_id: int,
    role_ids: Iterable[int],
    member_id: int,
) -> int:
    if base & ADMINISTRATOR:
        return ALL
    by_id = {int(o["id"]): o for o in overwrites}
    value = base
    everyone = by_id.get(guild_id)
    if everyone is not None:
        value &= ~int(everyone.get("deny", 0))
        value |= int(everyone.get("allow", 0))
    allow = deny = 0
    for role_id in role_ids:
        overwrite = by_id.get(role_id)
        if overwrite is not None and int(overwrite.get("type", 0)) == 0:
            allow |= int(overwrite.get("allow", 0))
            deny |= int(overwrite.get("deny", 0))
    value = (value & ~deny) | allow
    member = by_id.get(member_id)
    if member is not None and int(member.get("type", 1)) == 1:
        value &= ~int(member.get("deny", 0))
        value |= int(member.get("allow", 0))
    if not value & VIEW_CHANNEL:
        return 0
    return value
