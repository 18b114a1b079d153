"""REST routes: the endpoints a slash-command bot uses, with Discord's checks and error codes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import permissions as perms
from . import rules
from .errors import DiscordError, FormErrors, cannot_dm, missing_access, missing_permissions, unknown
from .state import (
    CHANNEL_CATEGORY,
    CHANNEL_DM,
    CHANNEL_PRIVATE_THREAD,
    CHANNEL_PUBLIC_THREAD,
    CHANNEL_TEXT,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    Attachment,
    Channel,
    Guild,
    Interaction,
    Message,
    iso_from_snowflake,
    normalise_components,
)

if TYPE_CHECKING:
    from .server import Emulator


# How long Discord remembers a message nonce sent with enforce_nonce ('the past few minutes').
NONCE_WINDOW_SECONDS = 300.0


@dataclass

class Upload:
    index: int
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class ApiRequest:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None
    files: list[Upload] = field(default_factory=list)


Handler = Callable[[ApiRequest], Awaitable[tuple[int, Any]]]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    bucket: str | None = None
    counts_globally: bool = True
    needs_bot_auth: bool = True
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.regex = re.compile(f"^{pattern}$")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class RestApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.state = emulator.state
        self.routes = self._build_routes()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.regex.match(path)
            if found:
                return route, found.groupdict()
        return None

    # -------------------------------------------------------------------------------------------
    def _build_routes(self) -> list[Route]:
        hooks = {"counts_globally": False, "needs_bot_auth": False}
        original = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
        webhook_message = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
        return [
            Route("GET", "/users/@me", self.get_me),
            Route("POST", "/users/@me/channels", self.create_dm),
            Route("GET", "/users/{user_id}", self.get_user),
            Route("GET", "/oauth2/applications/@me", self.get_application),
            Route("GET", "/applications/@me", self.get_application),
            Route("GET", "/gateway", self.get_gateway, needs_bot_auth=False),
            Route("GET", "/gateway/bot", self.get_gateway_bot),
            Route("GET", "/applications/{application_id}/commands", self.get_global_commands),
            Route("PUT", "/applications/{application_id}/commands", self.put_global_commands),
            Route("POST", "/applications/{application_id}/commands", self.post_global_command),
            Route("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_guild_commands),
            Route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_guild_commands),
            Route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.callback, **hooks),
            Route("GET", original, self.get_original, **hooks),
            Route("PATCH", original, self.edit_original, **hooks),
            Route("DELETE", original, self.delete_original, **hooks),
            Route("GET", webhook_message, self.get_webhook_message, **hooks),
            Route("PATCH", webhook_message, self.edit_webhook_message, **hooks),
            Route("DELETE", webhook_message, self.delete_webhook_message, **hooks),
            Route("POST", "/webhooks/{webhook_id}/{webhook_token}", self.followup, **hooks),
            Route("GET", "/channels/{channel_id}", self.get_channel),
            Route("DELETE", "/channels/{channel_id}", self.delete_channel),
            Route("GET", "/channels/{channel_id}/messages", self.list_messages),
            Route("POST", "/channels/{channel_id}/messages", self.create_message, bucket="messages"),
            Route("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            Route("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            Route("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            Route("POST", "/channels/{channel_id}/typing", self.typing),
            Route("POST", "/channels/{channel_id}/threads", self.create_thread),
            Route("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread),
            Route("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
            Route("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self.remove_thread_member),
            Route("GET", "/guilds/{guild_id}", self.get_guild),
            Route("GET", "/guilds/{guild_id}/channels", self.list_guild_channels),
            Route("POST", "/guilds/{guild_id}/channels", self.create_guild_channel),
            Route("GET", "/guilds/{guild_id}/roles", self.list_roles),
            Route("POST", "/guilds/{guild_id}/roles", self.create_role),
            Route("DELETE", "/guilds/{guild_id}/roles/{role_id}", self.delete_role),
            Route("GET", "/guilds/{guild_id}/threads/active", self.list_active_threads),
            Route("GET", "/guilds/{guild_id}/members", self.list_members),
            Route("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            Route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role),
            Route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.remove_member_role),
        ]

    # lookups -----------------------------------------------------------------------------------
    @property
    def bot_id(self) -> int:
        return self.emu.application.bot_user_id

    def channel(self, channel_id: Any) -> Channel:
        channel = self.state.channels.get(_int(channel_id))
        if channel is None or channel.deleted:
            raise unknown("Channel")
        if channel.guild_id is not None and self.bot_id not in self.state.guilds[channel.guild_id].members:
            raise missing_access()
        return channel

    def guild(self, guild_id: Any) -> Guild:
        guild = self.state.guilds.get(_int(guild_id))
        if guild is None or self.bot_id not in guild.members:
            raise unknown("Guild")
        return guild

    def require(self, channel: Channel | None, needed: int, guild: Guild | None = None) -> None:
        guild = guild or (self.state.guilds.get(channel.guild_id) if channel and channel.guild_id else None)
        if guild is None:
            return
        have = self.state.member_permissions(guild, self.bot_id, channel)
        # Discord answers 50001 Missing Access when the channel is invisible, 50013 for any other bit.
        if needed & perms.VIEW_CHANNEL and not have & perms.VIEW_CHANNEL:
            raise missing_access()
        if have & needed != needed:
            raise missing_permissions()

    def message_json(self, message: Message) -> dict[str, Any]:
        return message.to_api(self.state.users)

    # identity ----------------------------------------------------------------------------------
    async def get_me(self, req: ApiRequest) -> tuple[int, Any]:
        return 200, {
            **self.state.users[self.bot_id].to_api(),
            "mfa_enabled": False,
            "locale": "en-US",
            "verified": True,
        }

    async def get_user(self, req: ApiRequest) -> tuple[int, Any]:
        user = self.state.users.get(_int(req.params["user_id"]))
        if user is None:
            raise unknown("User")
        return 200, user.to_api()

    async def get_application(self, req: ApiRequest) -> tuple[int, Any]:
        return 200, self.emu.application_payload()

    async def get_gateway(self, req: ApiRequest) -> tuple[int, Any]:
        return 200, {"url": self.emu.gateway_url}

    async def get_gateway_bot(self, req: ApiRequest) -> tuple[int, Any]:
        return 200, {
            "url": self.emu.gateway_url,
            "shards": self.emu.shards,
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
        }

    # commands ----------------------------------------------------------------------------------
    def _check_app(self, req: ApiRequest) -> None:
        if _int(req.params["application_id"]) != self.emu.application.id:
            raise DiscordError(403, 50001, "Missing Access")

    def _store_commands(self, body: Any, existing: list[dict[str, Any]], *, guild_id: int | None) -> list[dict]:
        if not isinstance(body, list):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
            )
        rules.validate_commands(body, global_scope=guild_id is None)
        by_name = {(c.get("type", 1), c["name"]): c for c in existing}
        stored = []
        for command in body:
            kind = int(command.get("type") or 1)
            previous = by_name.get((kind, command["name"]))
            record = self._command_record(command, previous["id"] if previous else None, guild_id)
            stored.append(record)
        return stored

    def _command_record(self, command: dict[str, Any], command_id: str | None, guild_id: int | None) -> dict:
        record = {
            "id": command_id or str(self.state.ids.next()),
            "application_id": str(self.emu.application.id),
            "version": str(self.state.ids.next()),
            "default_member_permissions": None,
            "type": int(command.get("type") or 1),
            "name": command["name"],
            "description": command.get("description", ""),
            "dm_permission": True,
            "nsfw": False,
            **{k: v for k, v in command.items() if k not in ("id", "application_id", "version")},
        }
        record["type"] = int(record.get("type") or 1)
        # Discord fills in the defaults: installable to guilds, usable in guilds, bot DMs and private channels.
        if record.get("integration_types") is None:
            record["integration_types"] = [0]
        if record.get("contexts") is None:
            record["contexts"] = [0, 1, 2]
        if guild_id is not None:
            record["guild_id"] = str(guild_id)
        return record

    async def get_global_commands(self, req: ApiRequest) -> tuple[int, Any]:
        self._check_app(req)
        return 200, self.state.global_commands

    async def put_global_commands(self, req: ApiRequest) -> tuple[int, Any]:
        self._check_app(req)
        self.state.global_commands = self._store_commands(req.body, self.state.global_commands, guild_id=None)
        return 200, self.state.global_commands

    async def post_global_command(self, req: ApiRequest) -> tuple[int, Any]:
        self._check_app(req)
        body = req.body if isinstance(req.body, dict) else {}
        others = [
            c
            for c in self.state.global_commands
            if (c["type"], c["name"]) != (int(body.get("type") or 1), body.get("name"))
        ]
        merged = self._store_commands([*others, body], self.state.global_commands, guild_id=None)
        self.state.global_commands = merged
        return 201, merged[-1]

    async def get_guild_commands(self, req: ApiRequest) -> tuple[int, Any]:
        self._check_app(req)
        return 200, self.state.guild_commands.get(_int(req.params["guild_id"]), [])

    async def put_guild_commands(self, req: ApiRequest) -> tuple[int, Any]:
        self._check_app(req)
        guild = self.guild(req.params["guild_id"])
        existing = self.state.guild_commands.get(guild.id, [])
        self.state.guild_commands[guild.id] = self._store_commands(req.body, existing, guild_id=guild.id)
        return 200, self.state.guild_commands[guild.id]

    # messages: building ------------------------------------------------------------------------
    def _attachments(
        self,
        channel: Channel,
        payload: dict[str, Any],
        files: list[Upload],
        keep: list[Attachment] | None,
        *,
        ephemeral: bool = False,
    ) -> list[Attachment]:
        """Existing attachments named in ``attachments`` stay; new ones come from ``files[n]``."""
        by_index = {f.index: f for f in files}
        existing = {a.id: a for a in keep or []}
        result: list[Attachment] = []
        listed = payload.get("attachments")
        used: set[int] = set()
        if listed is None:
            result.extend(keep or [])
            listed = [{"id": f.index} for f in files]
        for entry in listed:
            ident = _int(entry.get("id"))
            if ident in existing:
                result.append(existing[ident])
                continue
            upload = by_index.get(ident)
            if upload is None:
                continue
            used.add(ident)
            result.append(
                self._new_attachment(
                    channel, upload, entry.get("filename"), entry.get("description"), ephemeral=ephemeral
                )
            )
        for upload in files:
            if upload.index not in used and not any(_int(e.get("id")) == upload.index for e in listed):
                result.append(self._new_attachment(channel, upload, None, None, ephemeral=ephemeral))
        return result

    def _new_attachment(
        self, channel: Channel, upload: Upload, filename: str | None, description: str | None, *, ephemeral: bool
    ) -> Attachment:
        attachment_id = self.state.ids.next()
        name = filename or upload.filename
        attachment = Attachment(
            id=attachment_id,
            filename=name,
            data=upload.data,
            url=f"{self.emu.base_url}/attachments/{channel.id}/{attachment_id}/{name}",
            content_type=upload.content_type,
            description=description,
            ephemeral=ephemeral,
        )
        self.state.attachments[attachment_id] = attachment
        return attachment

    def _build_message(
        self,
        channel: Channel,
        payload: dict[str, Any],
        files: list[Upload],
        *,
        flags: int = 0,
        interaction: Interaction | None = None,
    ) -> Message:
        message = Message(
            id=self.state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.state.users[self.bot_id],
            content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=normalise_components(payload.get("components") or []),
            flags=flags,
            allowed_mentions=payload.get("allowed_mentions"),
            tts=bool(payload.get("tts")),
            nonce=payload.get("nonce"),
        )
        message.attachments = self._attachments(channel, payload, files, None, ephemeral=message.ephemeral)
        replied = None
        reference = payload.get("message_reference")
        if reference and reference.get("message_id"):
            target = self.state.messages.get(_int(reference["message_id"]))
            if target is None:
                if reference.get("fail_if_not_exists", True):
                    raise DiscordError(
                        400,
                        50035,
                        "Invalid Form Body",
                        {
                            "message_reference": {
                                "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                            }
                        },
                    )
            else:
                message.type = 19
                message.message_reference = {"message_id": str(target.id), "channel_id": str(target.channel_id)}
                replied = target.author.id
        if interaction is not None:
            app = self.emu.application
            message.webhook_id = app.id
            message.application_id = app.id
            message.interaction_id = interaction.id
            message.type = 20 if interaction.type == 2 else message.type
            message.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.state.users[interaction.user_id].to_api(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id)} if interaction.guild_id else {},
            }
        message.compute_pings(replied)
        return message

    def _apply_edit(self, message: Message, payload: dict[str, Any], files: list[Upload]) -> None:
        rules.validate_message(payload, has_files=bool(files), creating=False)
        if "content" in payload:
            message.content = payload.get("content") or ""
        if "embeds" in payload:
            message.embeds = list(payload.get("embeds") or [])
        if "components" in payload:
            message.components = normalise_components(payload.get("components") or [])
        if "allowed_mentions" in payload:
            message.allowed_mentions = payload.get("allowed_mentions")
        if "flags" in payload and payload["flags"] is not None:
            # Only SUPPRESS_EMBEDS and IS_COMPONENTS_V2 may change on edit; ephemerality never does.
            keep = message.flags & FLAG_EPHEMERAL
            message.flags = keep | (int(payload["flags"]) & ((1 << 2) | rules.IS_COMPONENTS_V2))
        if "attachments" in payload or files:
            channel = self.state.channels[message.channel_id]
            message.attachments = self._attachments(
                channel, payload, files, message.attachments, ephemeral=message.ephemeral
            )
        message.flags &= ~FLAG_LOADING
        message.edited_timestamp = self.emu.iso_now()
        message.compute_pings()

    # messages: channel routes ------------------------------------------------------------------
    def _sendable(self, channel: Channel, *, has_files: bool) -> None:
        if channel.type == CHANNEL_DM:
            recipient = self.state.users.get(channel.recipient_id or 0)
            if recipient is None or not recipient.dms_open:
                raise cannot_dm()
            return
        if channel.type == CHANNEL_CATEGORY:
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        send = perms.SEND_MESSAGES_IN_THREADS if channel.is_thread else perms.SEND_MESSAGES
        self.require(channel, perms.VIEW_CHANNEL | send | (perms.ATTACH_FILES if has_files else 0))
        if channel.is_thread and channel.archived and channel.locked:
            raise DiscordError(400, 50083, "Thread is archived")

    async def create_message(self, req: ApiRequest) -> tuple[int, Any]:
        channel = self.channel(req.params["channel_id"])
        payload = req.body if isinstance(req.body, dict) else {}
        self._sendable(channel, has_files=bool(req.files))
        rules.validate_message(payload, has_files=bool(req.files))
        flags = int(payload.get("flags") or 0) & ((1 << 2) | (1 << 12) | rules.IS_COMPONENTS_V2)
        duplicate = self._nonce_duplicate(channel, payload)
        if duplicate is not None:
            # Discord answers a repeated nonce (with enforce_nonce) with the message it already created.
            return 200, self.message_json(duplicate)
        message = self._build_message(channel, payload, req.files, flags=flags)
        self.state.store_message(message)
        if payload.get("enforce_nonce") and payload.get("nonce") is not None:
            self.state.recent_nonces[(channel.id, str(payload["nonce"]))] = (message.id, self.emu.time())
        if channel.is_thread and channel.archived and not channel.locked:
            channel.archived = False
        self.emu.notify()
        return 200, self.message_json(message)

    def _nonce_duplicate(self, channel: Channel, payload: dict[str, Any]) -> Message | None:
        nonce = payload.get("nonce")
        if not payload.get("enforce_nonce") or nonce is None:
            return None
        seen = self.state.recent_nonces.get((channel.id, str(nonce)))
        if seen is None or self.emu.time() - seen[1] > NONCE_WINDOW_SECONDS:
            return None
        message = self.state.messages.get(seen[0])
        return message if message is not None and not message.deleted else None

    def _channel_message(self, req: ApiRequest) -> tuple[Channel, Message]:
        channel = self.channel(req.params["channel_id"])
        message = self.state.messages.get(_int(req.params["message_id"]))
        if message is None or message.channel_id != channel.id or message.ephemeral:
            raise unknown("Message")
        return channel, message

    async def get_message(self, req: ApiRequest) -> tuple[int, Any]:
        channel, message = self._channel_message(req)
        self.require(channel, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
        return 200, self.message_json(message)

    async def list_messages(self, req: ApiRequest) -> tuple[int, Any]:
        channel = self.channel(req.params["channel_id"])
        self.require(channel, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
        limit = max(1, min(100, _int(req.query.get("limit", 50))))
        found = self.state.history(
            channel,
            limit=limit,
            before=_int(req.query["before"]) if "before" in req.query else None,
            after=_int(req.query["after"]) if "after" in req.query else None,
            around=_int(req.query["around"]) if "around" in req.query else None,
        )
        return 200, [self.message_json(m) for m in found]

    async def edit_message(self, req: ApiRequest) -> tuple[int, Any]:
        _, message = self._channel_message(req)
        if message.author.id != self.bot_id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(message, req.body if isinstance(req.body, dict) else {}, req.files)
        self.emu.notify()
        return 200, self.message_json(message)

    async def delete_message(self, req: ApiRequest) -> tuple[int, Any]:
        channel, message = self._channel_message(req)
        if message.author.id != self.bot_id:
            self.require(channel, perms.MANAGE_MESSAGES)
        self.state.delete_message(message)
        self.emu.notify()
        return 204, None

    async def typing(self, req: ApiRequest) -> tuple[int, Any]:
        self.channel(req.params["channel_id"])
        return 204, None

    # DMs ---------------------------------------------------------------------------------------
    async def create_dm(self, req: ApiRequest) -> tuple[int, Any]:
        body = req.body if isinstance(req.body, dict) else {}
        user = self.state.users.get(_int(body.get("recipient_id")))
        if user is None:
            raise unknown("User")
        channel = self.state.dm_channel(user)
        return 200, channel.to_api(self.state.users)

    # channels ----------------------------------------------------------------------------------
    async def get_channel(self, req: ApiRequest) -> tuple[int, Any]:
        channel = self.channel(req.params["channel_id"])
        if channel.guild_id is not None:
            self.require(channel, perms.VIEW_CHANNEL)
        return 200, channel.to_api(self.state.users)

    async def delete_channel(self, req: ApiRequest) -> tuple[int, Any]:
        channel = self.channel(req.params["channel_id"])
        needed = perms.MANAGE_THREADS if channel.is_thread else perms.MANAGE_CHANNELS
        self.require(channel, needed)
        self.emu.delete_channel_record(channel)
        return 200, channel.to_api(self.state.users)

    async def list_guild_channels(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        return 200, [c.to_api() for c in self.state.guild_channels(guild) if not c.is_thread]

    async def create_guild_channel(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        self.require(None, perms.MANAGE_CHANNELS, guild)
        body = req.body if isinstance(req.body, dict) else {}
        errors = FormErrors()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        kind = int(body.get("type") or CHANNEL_TEXT)
        if kind not in (CHANNEL_TEXT, CHANNEL_CATEGORY):
            errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {0, 4}.")
        errors.raise_if_any()
        parent = _int(body["parent_id"]) if body.get("parent_id") else None
        if parent is not None and (
            self.state.channels.get(parent) is None or self.state.channels[parent].type != CHANNEL_CATEGORY
        ):
            raise unknown("Channel")
        overwrites = [
            {
                "id": str(o["id"]),
                "type": int(o.get("type", 0)),
                "allow": str(o.get("allow", 0)),
                "deny": str(o.get("deny", 0)),
            }
            for o in body.get("permission_overwrites") or []
        ]
        channel = self.state.add_channel(
            guild, name, kind, parent_id=parent, overwrites=overwrites, topic=body.get("topic")
        )
        self.emu.gateway.dispatch("CHANNEL_CREATE", channel.to_api(), guild_id=guild.id)
        self.emu.notify()
        return 201, channel.to_api()

    # threads -----------------------------------------------------------------------------------
    async def create_thread(self, req: ApiRequest) -> tuple[int, Any]:
        parent = self.channel(req.params["channel_id"])
        body = req.body if isinstance(req.body, dict) else {}
        if parent.type != CHANNEL_TEXT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        kind = int(body.get("type") or CHANNEL_PRIVATE_THREAD)
        if kind not in (CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Value must be one of {11, 12}."}]}},
            )
        needed = perms.CREATE_PRIVATE_THREADS if kind == CHANNEL_PRIVATE_THREAD else perms.CREATE_PUBLIC_THREADS
        self.require(parent, perms.VIEW_CHANNEL | needed)
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "name": {
                        "_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}]
                    }
                },
            )
        guild = self.state.guilds[parent.guild_id or 0]
        thread = self.state.add_channel(guild, name, kind, parent_id=parent.id)
        thread.owner_id = self.bot_id
        thread.thread_members.add(self.bot_id)
        thread.auto_archive_duration = int(body.get("auto_archive_duration") or 1440)
        thread.invitable = bool(body.get("invitable", True))
        payload = {**thread.to_api(), "newly_created": True}
        self.emu.gateway.dispatch("THREAD_CREATE", payload, guild_id=guild.id)
        self.emu.notify()
        return 201, thread.to_api()

    async def list_active_threads(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        threads = []
        for thread in self.state.guild_channels(guild):
            if not thread.is_thread or thread.archived:
                continue
            have = self.state.member_permissions(guild, self.bot_id, thread)
            if not have & perms.VIEW_CHANNEL:
                continue
            # A private thread shows only to its members and to those who may manage threads.
            if (thread.type == CHANNEL_PRIVATE_THREAD and self.bot_id not in thread.thread_members
                    and not have & (perms.MANAGE_THREADS | perms.ADMINISTRATOR)):
                continue
            threads.append(thread)
        # Discord orders them by id, newest first, and lists the caller's own membership of each.
        threads.sort(key=lambda t: t.id, reverse=True)
        members = [
            {"id": str(t.id), "user_id": str(self.bot_id), "join_timestamp": iso_from_snowflake(t.id), "flags": 0}
            for t in threads if self.bot_id in t.thread_members
        ]
        return 200, {"threads": [t.to_api() for t in threads], "members": members, "has_more": False}

    def _thread(self, channel_id: str) -> Channel:
        thread = self.channel(channel_id)
        if not thread.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return thread

    async def join_thread(self, req: ApiRequest) -> tuple[int, Any]:
        thread = self._thread(req.params["channel_id"])
        thread.thread_members.add(self.bot_id)
        return 204, None

    async def add_thread_member(self, req: ApiRequest) -> tuple[int, Any]:
        thread = self._thread(req.params["channel_id"])
        guild = self.state.guilds[thread.guild_id or 0]
        user_id = _int(req.params["user_id"])
        if user_id not in guild.members:
            raise unknown("Member")
        if thread.type == CHANNEL_PRIVATE_THREAD and thread.owner_id != self.bot_id:
            self.require(thread, perms.MANAGE_THREADS)
        self.require(thread, perms.SEND_MESSAGES_IN_THREADS)
        thread.thread_members.add(user_id)
        self.emu.notify()
        return 204, None

    async def remove_thread_member(self, req: ApiRequest) -> tuple[int, Any]:
        thread = self._thread(req.params["channel_id"])
        user_id = _int(req.params["user_id"])
        if user_id != self.bot_id and thread.owner_id != self.bot_id:
            self.require(thread, perms.MANAGE_THREADS)
        thread.thread_members.discard(user_id)
        self.emu.notify()
        return 204, None

    # guilds, roles, members --------------------------------------------------------------------
    async def get_guild(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        data = guild.to_api()
        if req.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return 200, data

    async def list_roles(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        return 200, [r.to_api() for r in sorted(guild.roles.values(), key=lambda r: r.position)]

    async def create_role(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        self.require(None, perms.MANAGE_ROLES, guild)
        body = req.body if isinstance(req.body, dict) else {}
        wanted = _int(body.get("permissions") or 0)
        have = self.state.member_permissions(guild, self.bot_id)
        if wanted & ~have and not have & perms.ADMINISTRATOR:
            raise missing_permissions()
        name = body.get("name") or "new role"
        if len(name) > 100:
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"name": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}]}},
            )
        role = self.state.add_role(guild, name, max(wanted, 0))
        role.color = _int(body.get("color") or 0)
        role.hoist = bool(body.get("hoist"))
        role.mentionable = bool(body.get("mentionable"))
        self.emu.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_api()}, guild_id=guild.id
        )
        self.emu.notify()
        return 200, role.to_api()

    async def delete_role(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        role_id = _int(req.params["role_id"])
        role = guild.roles.get(role_id)
        if role is None:
            raise unknown("Role")
        self.require(None, perms.MANAGE_ROLES, guild)
        if role_id == guild.id:
            raise DiscordError(400, 50028, "Invalid role")
        if role.managed or role.position >= self.state.top_role_position(guild, self.bot_id):
            raise missing_permissions()
        del guild.roles[role_id]
        for member in guild.members.values():
            if role_id in member.roles:
                member.roles.remove(role_id)
        self.emu.gateway.dispatch(
            "GUILD_ROLE_DELETE", {"guild_id": str(guild.id), "role_id": str(role_id)}, guild_id=guild.id
        )
        self.emu.notify()
        return 204, None

    async def list_members(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        limit = max(1, min(1000, _int(req.query.get("limit", 1))))
        after = _int(req.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return 200, [m.to_api() for m in members[:limit]]

    async def get_member(self, req: ApiRequest) -> tuple[int, Any]:
        guild = self.guild(req.params["guild_id"])
        member = guild.members.get(_int(req.params["user_id"]))
        if member is None:
            raise unknown("Member")
        return 200, member.to_api()

    def _role_change(self, req: ApiRequest) -> tuple[Guild, Any, int]:
        guild = self.guild(req.params["guild_id"])
        member = guild.members.get(_int(req.params["user_id"]))
        if member is None:
            raise unknown("Member")
        role_id = _int(req.params["role_id"])
        role = guild.roles.get(role_id)
        if role is None or role_id == guild.id:
            raise unknown("Role")
        self.require(None, perms.MANAGE_ROLES, guild)
        # Role hierarchy: a bot can only manage roles below its own highest role.
        if role.managed or role.position >= self.state.top_role_position(guild, self.bot_id):
            raise missing_permissions()
        return guild, member, role_id

    async def add_member_role(self, req: ApiRequest) -> tuple[int, Any]:
        guild, member, role_id = self._role_change(req)
        if role_id not in member.roles:
            member.roles.append(role_id)
            self._member_updated(guild, member)
        return 204, None

    async def remove_member_role(self, req: ApiRequest) -> tuple[int, Any]:
        guild, member, role_id = self._role_change(req)
        if role_id in member.roles:
            member.roles.remove(role_id)
            self._member_updated(guild, member)
        return 204, None

    def _member_updated(self, guild: Guild, member: Any) -> None:
        self.emu.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", {"guild_id": str(guild.id), **member.to_api()}, guild_id=guild.id
        )
        self.emu.notify()

    # interactions ------------------------------------------------------------------------------
    async def callback(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self.state.interactions.get(_int(req.params["interaction_id"]))
        if interaction is not None and interaction.token != req.params["interaction_token"]:
            interaction = None
        interaction = rules.check_initial_response(interaction, self.emu.time())
        body = req.body if isinstance(req.body, dict) else {}
        kind = _int(body.get("type"))
        data = body.get("data") or {}
        channel = self.state.channels[interaction.channel_id]
        resource: dict[str, Any] = {"type": kind}
        info: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
        component_based = interaction.source_message_id is not None
        if kind == 4:
            rules.validate_message(data, has_files=bool(req.files))
            flags = int(data.get("flags") or 0) & (FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | rules.IS_COMPONENTS_V2)
            message = self._build_message(channel, data, req.files, flags=flags, interaction=interaction)
            self.state.store_message(message, in_history=not message.ephemeral)
            interaction.original_message_id = message.id
            resource["message"] = self.message_json(message)
        elif kind == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._build_message(channel, {}, [], flags=flags, interaction=interaction)
            self.state.store_message(message, in_history=not message.ephemeral)
            interaction.original_message_id = message.id
            info["response_message_loading"] = True
        elif kind in (6, 7):
            if not component_based:
                raise _invalid_callback_type(kind)
            message = self.state.messages.get(interaction.source_message_id or 0)
            if message is None:
                raise unknown("Message")
            interaction.original_message_id = message.id
            if kind == 7:
                self._apply_edit(message, data, req.files)
                resource["message"] = self.message_json(message)
        elif kind == 8:
            if interaction.type != 4:
                raise _invalid_callback_type(kind)
            rules.validate_autocomplete({"choices": data.get("choices") or []})
            interaction.choices = list(data.get("choices") or [])
        elif kind == 9:
            if interaction.type == 5:
                raise _invalid_callback_type(kind)
            rules.validate_modal(data)
            interaction.modal = data
        else:
            raise _invalid_callback_type(kind)
        interaction.response_type = kind
        if interaction.original_message_id is not None:
            original = self.state.messages[interaction.original_message_id]
            info["response_message_id"] = str(original.id)
            info["response_message_ephemeral"] = original.ephemeral
        interaction.notify()
        self.emu.notify()
        # The spec's callback resources are messages for types 4 and 7 only; other types carry none.
        if "message" not in resource:
            return 200, {"interaction": info}
        return 200, {"interaction": info, "resource": resource}

    def _webhook_interaction(self, req: ApiRequest) -> Interaction:
        interaction = self.state.interactions_by_token.get(req.params["webhook_token"])
        if interaction is not None and _int(req.params["webhook_id"]) != interaction.application_id:
            interaction = None
        interaction = rules.check_webhook_token(interaction, self.emu.time())
        if not interaction.acknowledged:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return interaction

    async def followup(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        payload = req.body if isinstance(req.body, dict) else {}
        rules.validate_message(payload, has_files=bool(req.files))
        original = self.state.messages.get(interaction.original_message_id or 0)
        if (
            interaction.response_type == 5
            and original is not None
            and original.flags & FLAG_LOADING
            and not interaction.original_edited
        ):
            # Discord docs, "Create Followup Message": right after a deferred channel message, this
            # edits the loading message instead, keeping the ephemerality chosen at defer time.
            self._apply_edit(original, payload, req.files)
            interaction.original_edited = True
            message = original
        else:
            channel = self.state.channels[interaction.channel_id]
            flags = int(payload.get("flags") or 0) & (FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | rules.IS_COMPONENTS_V2)
            message = self._build_message(channel, payload, req.files, flags=flags, interaction=interaction)
            self.state.store_message(message, in_history=not message.ephemeral)
            interaction.followup_ids.append(message.id)
        interaction.notify()
        self.emu.notify()
        if req.query.get("wait") in ("true", "True", "1"):
            return 200, self.message_json(message)
        return 204, None

    def _interaction_message(self, interaction: Interaction, message_id: int | None) -> Message:
        allowed = {interaction.original_message_id, *interaction.followup_ids}
        message = self.state.messages.get(message_id or 0)
        if message is None or message.id not in allowed:
            raise unknown("Message")
        return message

    async def get_original(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        return 200, self.message_json(self._interaction_message(interaction, interaction.original_message_id))

    async def edit_original(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        message = self._interaction_message(interaction, interaction.original_message_id)
        self._apply_edit(message, req.body if isinstance(req.body, dict) else {}, req.files)
        interaction.original_edited = True
        interaction.notify()
        self.emu.notify()
        return 200, self.message_json(message)

    async def delete_original(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        message = self._interaction_message(interaction, interaction.original_message_id)
        self.state.delete_message(message)
        interaction.notify()
        self.emu.notify()
        return 204, None

    async def get_webhook_message(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        return 200, self.message_json(self._interaction_message(interaction, _int(req.params["message_id"])))

    async def edit_webhook_message(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        message = self._interaction_message(interaction, _int(req.params["message_id"]))
        self._apply_edit(message, req.body if isinstance(req.body, dict) else {}, req.files)
        if message.id == interaction.original_message_id:
            interaction.original_edited = True
        interaction.notify()
        self.emu.notify()
        return 200, self.message_json(message)

    async def delete_webhook_message(self, req: ApiRequest) -> tuple[int, Any]:
        interaction = self._webhook_interaction(req)
        message = self._interaction_message(interaction, _int(req.params["message_id"]))
        self.state.delete_message(message)
        interaction.notify()
        self.emu.notify()
        return 204, None


def _invalid_callback_type(kind: int) -> DiscordError:
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        {
            "type": {
                "_errors": [
                    {
                        "code": "INTERACTION_CALLBACK_TYPE_INVALID",
                        "message": f"Interaction callback type {kind} is not valid here",
                    }
                ]
            }
        },
    )
