"""The emulator's world: users, guilds, channels, roles, members, messages, commands, interactions.

Records here are plain data plus ``to_api`` serialisers that produce Discord's JSON objects. Rules
(limits, permissions, error codes) live in ``rules.py``; routes in ``rest.py``.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import permissions as perms

DISCORD_EPOCH_MS = 1420070400000

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_CATEGORY = 4
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
THREAD_TYPES = (CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD)

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


class Snowflakes:
    """Increasing snowflakes; the timestamp part is real time so ``created_at`` reads sensibly."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._counter = 0

    def next(self) -> int:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        if now_ms > self._last_ms:
            self._last_ms, self._counter = now_ms, 0
        else:
            self._counter += 1
            if self._counter >= 4096:
                self._last_ms, self._counter = self._last_ms + 1, 0
        return (self._last_ms << 22) | self._counter

    def next_for_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh id whose timestamp part routes to ``shard_id`` (``(id >> 22) % shard_count``)."""
        self.next()
        ms = self._last_ms + 1
        while ms % shard_count != shard_id:
            ms += 1
        self._last_ms, self._counter = ms, 0
        return ms << 22


def iso_from_snowflake(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def iso_now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat()


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True
    dm_channel_id: int | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name or self.username,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    color: int = 0
    hoist: bool = False
    mentionable: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "description": None,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_api(self, *, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user.to_api(),
            "nick": self.nick,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Attachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def name(self) -> str:
        return self.filename

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        return data


_COMPONENT_DEFAULTS: dict[int, dict[str, Any]] = {
    3: {"min_values": 1, "max_values": 1},
    5: {"min_values": 1, "max_values": 1},
    6: {"min_values": 1, "max_values": 1},
    7: {"min_values": 1, "max_values": 1},
    8: {"min_values": 1, "max_values": 1},
    13: {"spoiler": False},
    14: {"spacing": 1, "divider": True},
    17: {"accent_color": None, "spoiler": False},
}


def normalise_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill in what Discord adds when it stores components: sequential ``id``s and select defaults."""
    counter = itertools.count(1)

    def fill(item: dict[str, Any]) -> dict[str, Any]:
        result = {**_COMPONENT_DEFAULTS.get(item.get("type", 0), {}), **item}
        if result.get("id") is None:
            result["id"] = next(counter)
        if isinstance(result.get("components"), list):
            result["components"] = [fill(c) for c in result["components"]]
        if isinstance(result.get("accessory"), dict):
            result["accessory"] = fill(result["accessory"])
        return result

    return [fill(c) for c in components]


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class Message:
    id: int
    channel_id: int
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    tts: bool = False
    guild_id: int | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    nonce: int | str | None = None
    edited_timestamp: str | None = None
    pinned: bool = False
    deleted: bool = False
    type: int = 0
    pinged_users: list[int] = field(default_factory=list)
    pinged_roles: list[int] = field(default_factory=list)
    pinged_everyone: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    def component_items(self) -> list[dict[str, Any]]:
        """Interactive components in display order (rows, then sections/containers flattened)."""
        found: list[dict[str, Any]] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if item.get("type") in (2, 3, 5, 6, 7, 8):
                    found.append(item)
                walk(item.get("components") or [])
                if isinstance(item.get("accessory"), dict):
                    walk([item["accessory"]])

        walk(self.components)
        return found

    @property
    def buttons(self) -> list[str]:
        return [c.get("label") or "" for c in self.component_items() if c.get("type") == 2]

    @property
    def selects(self) -> list[dict[str, Any]]:
        return [c for c in self.component_items() if c.get("type") != 2]

    def compute_pings(self, replied_user_id: int | None = None) -> None:
        """Who this message notifies, after ``allowed_mentions`` (absent means: parse everything)."""
        allowed = self.allowed_mentions
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
        text = self.content
        mentioned = [int(m) for m in _USER_MENTION.findall(text)]
        self.pinged_users = [uid for uid in dict.fromkeys(mentioned) if "users" in parse or uid in allowed_users]
        if replied_user_id is not None:
            replied = True if allowed is None else bool(allowed.get("replied_user", False))
            if replied and replied_user_id not in self.pinged_users:
                self.pinged_users.append(replied_user_id)
        roles = [int(r) for r in _ROLE_MENTION.findall(text)]
        self.pinged_roles = [rid for rid in dict.fromkeys(roles) if "roles" in parse or rid in allowed_roles]
        self.pinged_everyone = "everyone" in parse and ("@everyone" in text or "@here" in text)

    def to_api(self, users: dict[int, User]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "channel_id": str(self.channel_id),
            "author": self.author.to_api(),
            "content": self.content,
            "timestamp": iso_from_snowflake(self.id),
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": self.pinged_everyone,
            "mentions": [users[u].to_api() for u in self.pinged_users if u in users],
            "mention_roles": [str(r) for r in self.pinged_roles],
            "attachments": [a.to_api() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": self.pinned,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.nonce is not None:
            data["nonce"] = self.nonce
        return data


@dataclass
class Channel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipient_id: int | None = None
    owner_id: int | None = None
    thread_members: set[int] = field(default_factory=set)
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    message_ids: list[int] = field(default_factory=list)
    deleted: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def to_api(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        last = self.message_ids[-1] if self.message_ids else None
        if self.type == CHANNEL_DM:
            recipient = (users or {}).get(self.recipient_id or 0)
            data["recipients"] = [recipient.to_api()] if recipient else []
            data["last_message_id"] = str(last) if last else None
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "position": self.position,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "permission_overwrites": [] if self.is_thread else self.permission_overwrites,
                "nsfw": False,
            }
        )
        if self.type == CHANNEL_TEXT:
            data.update({"topic": self.topic, "rate_limit_per_user": 0, "last_message_id": str(last) if last else None})
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "last_message_id": str(last) if last else None,
                    "rate_limit_per_user": 0,
                    "message_count": len(self.message_ids),
                    "member_count": min(len(self.thread_members), 50),
                    "total_message_sent": len(self.message_ids),
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso_from_snowflake(self.id),
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "create_timestamp": iso_from_snowflake(self.id),
                    },
                }
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    system_channel_id: int | None = None

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "europe",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": str(self.system_channel_id) if self.system_channel_id else None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.to_api() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "default_message_notifications": 1,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "features": [],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "home_header": None,
            "incidents_data": None,
        }


@dataclass
class Interaction:
    """One interaction and everything the bot answered to it."""

    id: int
    token: str
    type: int
    application_id: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]
    created_at: float
    source_message_id: int | None = None
    shard_id: int = 0
    response_type: int | None = None
    original_message_id: int | None = None
    original_edited: bool = False
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    followup_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _changed: asyncio.Event | None = None

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def answered(self) -> bool:
        if self.response_type in (4, 7, 8, 9):
            return True
        if self.response_type in (5, 6):
            return self.original_edited or bool(self.followup_ids)
        return False

    def notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def changed(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed


class State:
    """All records, indexed for O(1) lookups; channel histories are ordered id lists."""

    def __init__(self) -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.users_by_name: dict[str, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        # (channel id, nonce) -> (message id, emulator time) for messages sent with enforce_nonce
        self.recent_nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._tokens = itertools.count(1)

    # users -------------------------------------------------------------------------------------
    def add_user(self, username: str, *, bot: bool = False, user_id: int | None = None) -> User:
        user = User(id=user_id or self.ids.next(), username=username, bot=bot)
        self.users[user.id] = user
        self.users_by_name.setdefault(username, user)
        return user

    def user_named(self, username: str) -> User:
        return self.users_by_name.get(username) or self.add_user(username)

    def dm_channel(self, user: User) -> Channel:
        if user.dm_channel_id is not None:
            return self.channels[user.dm_channel_id]
        channel = Channel(id=self.ids.next(), type=CHANNEL_DM, recipient_id=user.id)
        self.channels[channel.id] = channel
        user.dm_channel_id = channel.id
        return channel

    # guilds ------------------------------------------------------------------------------------
    def add_guild(self, name: str, owner: User, guild_id: int) -> Guild:
        guild = Guild(id=guild_id, name=name, owner_id=owner.id)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=perms.EVERYONE_DEFAULT, position=0
        )
        self.guilds[guild.id] = guild
        return guild

    def add_role(self, guild: Guild, name: str, permissions: int, *, managed: bool = False) -> Role:
        """New roles go just above @everyone, as Discord creates them; the bot's role stays on top."""
        for role in guild.roles.values():
            if role.position >= 1:
                role.position += 1
        role = Role(
            id=self.ids.next(), guild_id=guild.id, name=name, permissions=permissions, position=1, managed=managed
        )
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: Guild, user: User, roles: list[int] | None = None) -> Member:
        member = Member(user=user, guild_id=guild.id, roles=list(roles or []))
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild,
        name: str,
        channel_type: int = CHANNEL_TEXT,
        *,
        parent_id: int | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        topic: str | None = None,
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            type=channel_type,
            name=name,
            guild_id=guild.id,
            parent_id=parent_id,
            position=len(guild.channel_ids),
            permission_overwrites=list(overwrites or []),
            topic=topic,
        )
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        return channel

    def guild_channels(self, guild: Guild) -> list[Channel]:
        return [self.channels[c] for c in guild.channel_ids if not self.channels[c].deleted]

    # permissions -------------------------------------------------------------------------------
    def member_permissions(self, guild: Guild, user_id: int, channel: Channel | None = None) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return 0
        role_perms = [guild.roles[r].permissions for r in member.roles if r in guild.roles]
        base = perms.base_permissions(guild.everyone.permissions, role_perms, is_owner=user_id == guild.owner_id)
        if channel is None:
            return base
        source = self.channels.get(channel.parent_id or 0) if channel.is_thread else channel
        overwrites = source.permission_overwrites if source is not None else []
        return perms.apply_overwrites(base, overwrites, guild_id=guild.id, role_ids=member.roles, member_id=user_id)

    def top_role_position(self, guild: Guild, user_id: int) -> int:
        member = guild.members.get(user_id)
        if member is None:
            return -1
        return max((guild.roles[r].position for r in member.roles if r in guild.roles), default=0)

    # messages ----------------------------------------------------------------------------------
    def store_message(self, message: Message, *, in_history: bool = True) -> Message:
        self.messages[message.id] = message
        if in_history:
            channel = self.channels[message.channel_id]
            channel.message_ids.append(message.id)
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        self.messages.pop(message.id, None)
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            index = bisect.bisect_left(channel.message_ids, message.id)
            if index < len(channel.message_ids) and channel.message_ids[index] == message.id:
                del channel.message_ids[index]

    def history(
        self,
        channel: Channel,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[Message]:
        """Newest first, as Discord answers ``GET /channels/{id}/messages``."""
        ids = channel.message_ids
        if around is not None:
            centre = bisect.bisect_left(ids, around)
            start = max(0, centre - limit // 2)
            chosen = ids[start : start + limit]
        elif after is not None:
            start = bisect.bisect_right(ids, after)
            chosen = ids[start : start + limit]
        else:
            end = bisect.bisect_left(ids, before) if before is not None else len(ids)
            chosen = ids[max(0, end - limit) : end]
        return [self.messages[i] for i in reversed(chosen) if i in self.messages]

    # interactions ------------------------------------------------------------------------------
    def new_interaction(self, **fields: Any) -> Interaction:
        interaction_id = self.ids.next()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{next(self._tokens)}"
        interaction = Interaction(id=interaction_id, token=token, **fields)
        self.interactions[interaction.id] = interaction
        self.interactions_by_token[token] = interaction
        return interaction
