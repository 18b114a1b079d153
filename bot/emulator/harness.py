"""A test API that reads like a member using Discord: ``await alice.slash("checkin", minutes=45)``.

Interactions are built from the commands the bot actually registered, so an unregistered command, an
unknown option or a value of the wrong type fails the test loudly instead of reaching the bot.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import permissions as perms
from .patching import patch_discord
from .state import CHANNEL_CATEGORY, CHANNEL_TEXT, Attachment, Channel, Guild, Interaction, Message, Role, User

if TYPE_CHECKING:
    from .server import Emulator

DEFAULT_TIMEOUT = 5.0
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11


class HarnessError(AssertionError):
    """A test asked for something a Discord user could not do (or the bot never answered)."""


class NoReply(HarnessError):
    """The bot gave no visible answer in time."""


@dataclass(frozen=True)
class AttachmentUpload:
    """A file a member attaches to a slash command option (``emu.attachment(name, data)``)."""

    filename: str
    data: bytes
    content_type: str | None = None


# handles ------------------------------------------------------------------------------------------
class RoleHandle:
    def __init__(self, emu: Emulator, guild: Guild, role: Role) -> None:
        self.emu, self.guild, self.record = emu, guild, role

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


class ChannelHandle:
    def __init__(self, emu: Emulator, record: Channel) -> None:
        self.emu, self.record = emu, record

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str | None:
        return self.record.name

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def messages(self) -> list[Message]:
        """Messages visible in the channel, oldest first (ephemeral replies are not in history)."""
        state = self.emu.state
        return [state.messages[i] for i in self.record.message_ids if i in state.messages]

    async def history(self, limit: int | None = None) -> list[Message]:
        found = self.messages
        return found[-limit:] if limit else found

    @property
    def last_message(self) -> Message | None:
        ids = self.record.message_ids
        return self.emu.state.messages.get(ids[-1]) if ids else None

    @property
    def members(self) -> set[int]:
        """Thread members (user ids)."""
        return set(self.record.thread_members)

    def set_permissions(
        self, target: MemberHandle | RoleHandle | GuildHandle, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Add or replace a permission overwrite (``GuildHandle`` means @everyone)."""
        kind = 1 if isinstance(target, MemberHandle) else 0
        overwrites = [o for o in self.record.permission_overwrites if int(o["id"]) != target.id]
        overwrites.append({"id": str(target.id), "type": kind, "allow": str(allow), "deny": str(deny)})
        self.record.permission_overwrites = overwrites
        self.emu.gateway.dispatch("CHANNEL_UPDATE", self.record.to_api(), guild_id=self.record.guild_id)


class MemberHandle:
    """A person: a user, seen as a member of ``guild`` (or only as a user for DMs when guild is None)."""

    def __init__(self, emu: Emulator, user: User, guild: Guild | None) -> None:
        self.emu, self.user, self.guild = emu, user, guild

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def roles(self) -> list[int]:
        if self.guild is None or self.id not in self.guild.members:
            return []
        return list(self.guild.members[self.id].roles)

    def has_role(self, role: RoleHandle | int) -> bool:
        return (role.id if isinstance(role, RoleHandle) else role) in self.roles

    def close_dms(self) -> None:
        self.user.dms_open = False

    def open_dms(self) -> None:
        self.user.dms_open = True

    def sees(self, message: Message) -> Reply:
        """A message the bot posted (in a channel or DM), as something this member can click or select on."""
        return ShownMessage(self.emu, message, self)

    async def dms(self) -> list[Message]:
        """Messages the bot sent to this user's DM channel, oldest first."""
        if self.user.dm_channel_id is None:
            return []
        return ChannelHandle(self.emu, self.emu.state.channels[self.user.dm_channel_id]).messages

    async def slash(
        self,
        command: str,
        /,
        *,
        in_channel: ChannelHandle | None = None,
        dm: bool = False,
        options: dict[str, Any] | None = None,
        wait: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> Reply:
        """Run ``/command`` (subcommands separated by spaces) and wait for the visible answer.

        Options are keyword arguments; an option whose name clashes with a parameter here goes in
        ``options={...}``. ``in_channel`` is where the command is typed (default: the guild's #general).
        """
        values = {**(options or {}), **kwargs}
        target = self._channel(in_channel, dm)
        data = self.emu.command_data(command, values, guild=None if dm else self.guild, user=self)
        interaction = self.emu.dispatch_interaction(2, data, user=self, channel=target)
        reply = Reply(self.emu, interaction, self)
        if wait:
            await reply.wait(timeout)
        return reply

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str,
        /,
        *,
        in_channel: ChannelHandle | None = None,
        dm: bool = False,
        options: dict[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Type ``value`` into ``option`` and return the choices the bot suggested."""
        values = {**(options or {}), **kwargs}
        target = self._channel(in_channel, dm)
        data = self.emu.command_data(
            command, values, guild=None if dm else self.guild, user=self, focused=(option, value)
        )
        interaction = self.emu.dispatch_interaction(4, data, user=self, channel=target)
        reply = Reply(self.emu, interaction, self)
        await reply.wait(timeout)
        return list(interaction.choices or [])

    def _channel(self, channel: ChannelHandle | None, dm: bool) -> Channel:
        if dm or self.guild is None:
            return self.emu.state.dm_channel(self.user)
        if channel is not None:
            return channel.record
        if self.guild.system_channel_id is None:
            raise HarnessError("the guild has no default channel; pass channel=")
        return self.emu.state.channels[self.guild.system_channel_id]


class GuildHandle:
    def __init__(self, emu: Emulator, record: Guild) -> None:
        self.emu, self.record = emu, record

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def owner(self) -> MemberHandle:
        return MemberHandle(self.emu, self.emu.state.users[self.record.owner_id], self.record)

    @property
    def general(self) -> ChannelHandle:
        return ChannelHandle(self.emu, self.emu.state.channels[self.record.system_channel_id or 0])

    @property
    def shard_id(self) -> int:
        return self.emu.gateway.shard_for_guild(self.id)

    def channel(self, name: str) -> ChannelHandle:
        for channel in self.emu.state.guild_channels(self.record):
            if channel.name == name:
                return ChannelHandle(self.emu, channel)
        raise HarnessError(f"no channel named {name!r} in {self.name}")

    def role(self, name: str) -> RoleHandle:
        for role in self.record.roles.values():
            if role.name == name:
                return RoleHandle(self.emu, self.record, role)
        raise HarnessError(f"no role named {name!r} in {self.name}")

    def member(self, name: str) -> MemberHandle:
        for member in self.record.members.values():
            if member.user.username == name:
                return MemberHandle(self.emu, member.user, self.record)
        raise HarnessError(f"no member named {name!r} in {self.name}")

    @property
    def bot_role(self) -> RoleHandle:
        bot = self.record.members[self.emu.application.bot_user_id]
        return RoleHandle(self.emu, self.record, self.record.roles[bot.roles[0]])

    def set_bot_permissions(self, permissions: int) -> None:
        self.bot_role.record.permissions = permissions

    def add_role(self, name: str, permissions: int = 0) -> RoleHandle:
        role = self.emu.state.add_role(self.record, name, permissions)
        self.emu.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.to_api()}, guild_id=self.id
        )
        return RoleHandle(self.emu, self.record, role)

    def add_member(
        self, name: str, *, roles: list[RoleHandle | str | int] | None = None, permissions: int | None = None
    ) -> MemberHandle:
        """Add a person (a new user, or the existing user of that name) to this guild."""
        role_ids = [self._role_id(r) for r in roles or []]
        if permissions is not None:
            role_ids.append(self.add_role(f"{name}-permissions", permissions).id)
        user = self.emu.state.user_named(name)
        member = self.emu.state.add_member(self.record, user, role_ids)
        self.emu.gateway.dispatch("GUILD_MEMBER_ADD", {"guild_id": str(self.id), **member.to_api()}, guild_id=self.id)
        self.emu.notify()
        return MemberHandle(self.emu, user, self.record)

    def _role_id(self, role: RoleHandle | str | int) -> int:
        if isinstance(role, RoleHandle):
            return role.id
        if isinstance(role, int):
            return role
        return self.role(role).id

    def remove_member(self, member: MemberHandle) -> None:
        removed = self.record.members.pop(member.id, None)
        if removed is None:
            raise HarnessError(f"{member.name} is not in {self.name}")
        self.emu.gateway.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(self.id), "user": member.user.to_api()}, guild_id=self.id
        )
        self.emu.notify()

    def add_channel(
        self,
        name: str,
        *,
        category: ChannelHandle | None = None,
        topic: str | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        is_category: bool = False,
    ) -> ChannelHandle:
        kind = CHANNEL_CATEGORY if is_category else CHANNEL_TEXT
        channel = self.emu.state.add_channel(
            self.record, name, kind, parent_id=category.id if category else None, overwrites=overwrites, topic=topic
        )
        self.emu.gateway.dispatch("CHANNEL_CREATE", channel.to_api(), guild_id=self.id)
        self.emu.notify()
        return ChannelHandle(self.emu, channel)

    def delete_channel(self, channel: ChannelHandle) -> None:
        self.emu.delete_channel_record(channel.record)

    def threads(self) -> list[ChannelHandle]:
        return [ChannelHandle(self.emu, c) for c in self.emu.state.guild_channels(self.record) if c.is_thread]


# replies ------------------------------------------------------------------------------------------
class Reply:
    """The bot's answer to one interaction, read live from the emulator's state."""

    def __init__(self, emu: Emulator, interaction: Interaction, member: MemberHandle) -> None:
        self.emu, self.interaction, self.member = emu, interaction, member

    async def wait(self, timeout: float = DEFAULT_TIMEOUT) -> Reply:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.interaction.answered:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoReply(self._describe_wait(timeout))
            try:
                await asyncio.wait_for(self.interaction.changed().wait(), remaining)
            except TimeoutError:
                continue
        return self

    def _describe_wait(self, timeout: float) -> str:
        i = self.interaction
        seen = {
            "callback type": i.response_type,
            "original message": i.original_message_id,
            "follow-ups": len(i.followup_ids),
            "errors answered to the bot": i.errors or "none",
        }
        return (
            f"no visible answer to interaction {i.id} ({i.data.get('name') or i.data.get('custom_id')}) "
            f"within {timeout}s; seen: {seen}"
        )

    # what the member sees ---------------------------------------------------------------------
    @property
    def message(self) -> Message | None:
        i = self.interaction
        state = self.emu.state
        if i.response_type in (4, 7) or i.original_edited:
            return state.messages.get(i.original_message_id or 0)
        if i.followup_ids:
            return state.messages.get(i.followup_ids[0])
        if i.original_message_id is not None:
            return state.messages.get(i.original_message_id)
        return None

    def _message_or_fail(self) -> Message:
        message = self.message
        if message is None:
            kind = "a modal" if self.is_modal else "no message"
            raise HarnessError(f"the reply is {kind}")
        return message

    @property
    def is_modal(self) -> bool:
        return self.interaction.response_type == 9

    @property
    def modal(self) -> dict[str, Any]:
        if self.interaction.modal is None:
            raise HarnessError("the reply is not a modal")
        return self.interaction.modal

    @property
    def deferred(self) -> bool:
        return self.interaction.response_type in (5, 6)

    @property
    def content(self) -> str:
        return self._message_or_fail().content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self._message_or_fail().embeds

    @property
    def components(self) -> list[dict[str, Any]]:
        return self._message_or_fail().components

    @property
    def attachments(self) -> list[Attachment]:
        return self._message_or_fail().attachments

    @property
    def ephemeral(self) -> bool:
        return self._message_or_fail().ephemeral

    @property
    def buttons(self) -> list[str]:
        return self._message_or_fail().buttons

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self._message_or_fail().allowed_mentions

    @property
    def pinged_users(self) -> list[int]:
        return self._message_or_fail().pinged_users

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.interaction.choices or [])

    async def refresh(self) -> Reply:
        """State is read live; this exists so tests can say when they expect to see edits."""
        return self

    async def followups(self) -> list[Message]:
        state = self.emu.state
        return [state.messages[i] for i in self.interaction.followup_ids if i in state.messages]

    # acting on it -----------------------------------------------------------------------------
    async def click(
        self,
        label: str | None = None,
        *,
        index: int | None = None,
        custom_id: str | None = None,
        by: MemberHandle | None = None,
        wait: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Reply:
        """Press a button by label, 0-based index among buttons, or custom_id."""
        message = self._message_or_fail()
        buttons = [c for c in message.component_items() if c.get("type") == 2]
        button = _pick(buttons, label=label, index=index, custom_id=custom_id, what="button")
        if button.get("disabled"):
            raise HarnessError(f"button {button.get('label')!r} is disabled")
        if button.get("style") in (5, 6):
            raise HarnessError(f"button {button.get('label')!r} is a link/premium button")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component(message, data, by, wait, timeout)

    async def select(
        self,
        values: list[Any],
        *,
        index: int = 0,
        custom_id: str | None = None,
        by: MemberHandle | None = None,
        wait: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Reply:
        """Choose ``values`` in a select menu (0-based index among selects, or custom_id)."""
        message = self._message_or_fail()
        selects = message.selects
        chosen = _pick(selects, label=None, index=None if custom_id else index, custom_id=custom_id, what="select")
        if chosen.get("disabled"):
            raise HarnessError("the select is disabled")
        low, high = chosen.get("min_values", 1), chosen.get("max_values", 1)
        if not low <= len(values) <= high:
            raise HarnessError(f"the select takes {low}..{high} values, got {len(values)}")
        data: dict[str, Any] = {"custom_id": chosen["custom_id"], "component_type": chosen["type"]}
        if chosen["type"] == 3:
            allowed = [o["value"] for o in chosen.get("options") or []]
            unknown_values = [v for v in values if v not in allowed]
            if unknown_values:
                raise HarnessError(f"{unknown_values} are not options of the select (options: {allowed})")
            data["values"] = list(values)
        else:
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = [str(self.emu.resolve_value(v, resolved, self.member.guild)) for v in values]
            data["resolved"] = resolved
        return await self._component(message, data, by, wait, timeout)

    async def _component(
        self, message: Message, data: dict[str, Any], by: MemberHandle | None, wait: bool, timeout: float
    ) -> Reply:
        member = by or self.member
        if message.ephemeral and member.id != self.member.id:
            raise HarnessError("only the member who saw the ephemeral message can use it")
        channel = self.emu.state.channels[message.channel_id]
        interaction = self.emu.dispatch_interaction(3, data, user=member, channel=channel, message=message)
        reply = Reply(self.emu, interaction, member)
        if wait:
            await reply.wait(timeout)
        return reply

    async def submit_modal(
        self,
        values: dict[str, str] | None = None,
        *,
        wait: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        **fields: str,
    ) -> Reply:
        """Fill the modal's text inputs (by custom_id or label) and submit it."""
        modal = self.modal
        given = {**(values or {}), **fields}
        rows = []
        used: set[str] = set()
        for row in modal.get("components") or []:
            inputs = row.get("components") if row.get("type") == 1 else [row.get("component")]
            label = row.get("label") if row.get("type") == 18 else None
            submitted = []
            for item in inputs or []:
                if not isinstance(item, dict) or item.get("type") != 4:
                    continue
                keys = [item.get("custom_id"), item.get("label"), label]
                key = next((k for k in keys if k in given), None)
                value = given[key] if key is not None else item.get("value") or ""
                if key is not None:
                    used.add(key)
                _check_text_input(item, value, label)
                submitted.append({"type": 4, "custom_id": item["custom_id"], "value": value})
            if row.get("type") == 18:
                rows.extend({"type": 18, "id": row.get("id"), "component": s} for s in submitted)
            else:
                rows.append({"type": 1, "components": submitted})
        unknown_fields = set(given) - used
        if unknown_fields:
            raise HarnessError(f"the modal has no fields {sorted(unknown_fields)}")
        data = {"custom_id": modal["custom_id"], "components": rows}
        source = None
        if self.interaction.source_message_id is not None:
            source = self.emu.state.messages.get(self.interaction.source_message_id)
        channel = self.emu.state.channels[self.interaction.channel_id]
        interaction = self.emu.dispatch_interaction(5, data, user=self.member, channel=channel, message=source)
        reply = Reply(self.emu, interaction, self.member)
        if wait:
            await reply.wait(timeout)
        return reply


class ShownMessage(Reply):
    """A bot message that is not an answer to this member's interaction (a DM, a channel post)."""

    def __init__(self, emu: Emulator, message: Message, member: MemberHandle) -> None:
        self.emu, self.member, self._message_id = emu, member, message.id

    @property
    def interaction(self) -> Interaction:  # type: ignore[override]
        raise HarnessError("this message is not the answer to an interaction")

    @property
    def message(self) -> Message | None:
        return self.emu.state.messages.get(self._message_id)

    @property
    def is_modal(self) -> bool:
        return False

    async def wait(self, timeout: float = DEFAULT_TIMEOUT) -> Reply:
        return self


def _pick(
    items: list[dict[str, Any]], *, label: str | None, index: int | None, custom_id: str | None, what: str
) -> dict[str, Any]:
    if custom_id is not None:
        matches = [i for i in items if i.get("custom_id") == custom_id]
    elif label is not None:
        matches = [i for i in items if i.get("label") == label]
    elif index is not None:
        matches = items[index : index + 1] if 0 <= index < len(items) else []
    else:
        matches = items[:1]
    if not matches:
        shown = [i.get("label") or i.get("custom_id") for i in items]
        raise HarnessError(
            f"no {what} matching label={label!r} index={index!r} custom_id={custom_id!r}; the message has {shown}"
        )
    return matches[0]


def _check_text_input(item: dict[str, Any], value: str, label: str | None) -> None:
    name = item.get("label") or label or item.get("custom_id")
    if item.get("required", True) and not value:
        raise HarnessError(f"the modal field {name!r} is required")
    if value and len(value) < int(item.get("min_length") or 0):
        raise HarnessError(f"the modal field {name!r} needs at least {item['min_length']} characters")
    if len(value) > int(item.get("max_length") or 4000):
        raise HarnessError(f"the modal field {name!r} takes at most {item.get('max_length')} characters")


# the Emulator's harness half ------------------------------------------------------------------------
class HarnessMixin:
    """Builds the world and drives interactions; mixed into ``Emulator``."""

    def attachment(self: Emulator, filename: str, data: bytes, content_type: str | None = None) -> AttachmentUpload:
        return AttachmentUpload(filename, data, content_type)

    def add_guild(
        self: Emulator,
        name: str,
        owner: str = "owner",
        *,
        shard_id: int | None = None,
        bot_permissions: int = perms.BOT_DEFAULT,
    ) -> GuildHandle:
        """A guild with #general (its system channel), @everyone, the owner and the bot as members."""
        guild = self.new_guild_record(name, owner, shard_id=shard_id, bot_permissions=bot_permissions)
        self.gateway.dispatch("GUILD_CREATE", self.guild_create_payload(guild), guild_id=guild.id)
        self.notify()
        return GuildHandle(self, guild)

    def remove_guild(self: Emulator, guild: GuildHandle) -> None:
        """The bot is removed from the guild (GUILD_DELETE without ``unavailable``)."""
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
        guild.record.members.pop(self.application.bot_user_id, None)
        self.notify()

    def user(self: Emulator, name: str) -> MemberHandle:
        """A person outside any guild (for DMs)."""
        return MemberHandle(self, self.state.user_named(name), None)

    async def drop_gateway(self: Emulator, shard_id: int | None = None) -> int:
        return await self.gateway.drop(shard_id)

    async def wait_for(
        self: Emulator, predicate: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT, message: str = "condition"
    ) -> Any:
        """Re-check ``predicate`` on every emulator change (and every 20 ms for bot-side state)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{message} not met within {timeout}s")
            try:
                await asyncio.wait_for(self.changed().wait(), min(remaining, 0.02))
            except TimeoutError:
                pass

    async def start_bot(self: Emulator, client: Any, *, timeout: float = DEFAULT_TIMEOUT) -> asyncio.Task[None]:
        """Point discord.py here, start ``client`` and wait until it is ready; returns the client task."""
        patch_discord(self.api_base, self.gateway_url)
        skip_identify_delay(client)
        task = asyncio.create_task(client.start(self.application.token))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()
            task.cancel()
            raise TimeoutError(f"the bot was not ready within {timeout}s")
        return task

    async def stop_bot(self: Emulator, client: Any, task: asyncio.Task[None] | None = None) -> None:
        await client.close()
        if task is not None:
            try:
                await asyncio.wait_for(task, DEFAULT_TIMEOUT)
            except (asyncio.CancelledError, TimeoutError):
                pass

    # building interactions ---------------------------------------------------------------------
    def find_command(self: Emulator, name: str, guild: Guild | None) -> dict[str, Any]:
        if guild is not None:
            for command in self.state.guild_commands.get(guild.id, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        for command in self.state.global_commands:
            if command["name"] == name and command["type"] == 1:
                return command
        registered = [c["name"] for c in self.state.global_commands]
        if guild is not None:
            registered += [c["name"] for c in self.state.guild_commands.get(guild.id, [])]
        raise HarnessError(f"/{name} is not registered (registered: {sorted(registered)})")

    def command_data(
        self: Emulator,
        path: str,
        values: dict[str, Any],
        *,
        guild: Guild | None,
        user: MemberHandle,
        focused: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        parts = path.split()
        if not parts:
            raise HarnessError("empty command")
        command = self.find_command(parts[0], guild)
        if guild is None and command.get("contexts") is not None and 1 not in command["contexts"]:
            raise HarnessError(f"/{parts[0]} is not available in DMs")
        self._check_command_permission(command, guild, user)
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        container, node = data, command
        for sub in parts[1:]:
            option = next(
                (
                    o
                    for o in node.get("options") or []
                    if o["name"] == sub and o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP)
                ),
                None,
            )
            if option is None:
                raise HarnessError(f"/{path}: {sub!r} is not a subcommand of {node['name']!r}")
            entry: dict[str, Any] = {"name": sub, "type": option["type"], "options": []}
            container.setdefault("options", []).append(entry)
            container, node = entry, option
        definitions = node.get("options") or []
        if any(o["type"] in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP) for o in definitions):
            names = [o["name"] for o in definitions]
            raise HarnessError(f"/{path} needs a subcommand: {names}")
        resolved: dict[str, dict[str, Any]] = {}
        given = dict(values)
        built = []
        for definition in definitions:
            name = definition["name"]
            if focused is not None and name == focused[0]:
                built.append({"name": name, "type": definition["type"], "value": focused[1], "focused": True})
                continue
            if name not in given:
                if definition.get("required") and focused is None:
                    raise HarnessError(f"/{path} needs the option {name!r}")
                continue
            value = self._option_value(path, definition, given.pop(name), resolved, guild)
            built.append({"name": name, "type": definition["type"], "value": value})
        if focused is not None and focused[0] not in {d["name"] for d in definitions}:
            raise HarnessError(f"/{path} has no option {focused[0]!r}")
        if given:
            raise HarnessError(f"/{path} has no options {sorted(given)} (has {[d['name'] for d in definitions]})")
        container.setdefault("options", []).extend(built)
        if resolved:
            data["resolved"] = resolved
        return data

    def _check_command_permission(
        self: Emulator, command: dict[str, Any], guild: Guild | None, user: MemberHandle
    ) -> None:
        required = command.get("default_member_permissions")
        if guild is None or required in (None, ""):
            return
        have = self.state.member_permissions(guild, user.id)
        if int(required) & have != int(required):
            raise HarnessError(f"{user.name} cannot see /{command['name']} (needs permissions {required})")

    def _option_value(
        self: Emulator,
        path: str,
        definition: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: Guild | None,
    ) -> Any:
        kind, name = definition["type"], definition["name"]

        def wrong(expected: str) -> HarnessError:
            return HarnessError(f"/{path} option {name!r} takes {expected}, got {value!r}")

        if kind == OPTION_STRING:
            if not isinstance(value, str):
                raise wrong("a string")
            if len(value) < definition.get("min_length", 0) or len(value) > definition.get("max_length", 6000):
                raise wrong(f"{definition.get('min_length', 0)}..{definition.get('max_length', 6000)} characters")
        elif kind == OPTION_INTEGER:
            if not isinstance(value, int) or isinstance(value, bool):
                raise wrong("an integer")
        elif kind == OPTION_NUMBER:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise wrong("a number")
        elif kind == OPTION_BOOLEAN:
            if not isinstance(value, bool):
                raise wrong("a boolean")
        elif kind in (OPTION_USER, OPTION_CHANNEL, OPTION_ROLE, OPTION_MENTIONABLE, OPTION_ATTACHMENT):
            expected = {
                OPTION_USER: (MemberHandle,),
                OPTION_CHANNEL: (ChannelHandle,),
                OPTION_ROLE: (RoleHandle,),
                OPTION_MENTIONABLE: (MemberHandle, RoleHandle),
                OPTION_ATTACHMENT: (AttachmentUpload,),
            }[kind]
            if not isinstance(value, expected):
                raise wrong(" or ".join(t.__name__ for t in expected))
            if (
                kind == OPTION_CHANNEL
                and definition.get("channel_types")
                and value.record.type not in definition["channel_types"]
            ):
                raise wrong(f"a channel of type {definition['channel_types']}")
            return str(self.resolve_value(value, resolved, guild))
        if kind in (OPTION_INTEGER, OPTION_NUMBER):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise wrong(f"a value in {low}..{high}")
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise wrong(f"one of {[c['value'] for c in choices]}")
        return value

    def resolve_value(self: Emulator, value: Any, resolved: dict[str, dict[str, Any]], guild: Guild | None) -> int:
        """Add a user/channel/role/attachment to ``resolved`` as Discord does; returns its id."""
        if isinstance(value, MemberHandle):
            resolved.setdefault("users", {})[str(value.id)] = value.user.to_api()
            if guild is not None and value.id in guild.members:
                member = guild.members[value.id].to_api(permissions=self.state.member_permissions(guild, value.id))
                member.pop("user", None)
                resolved.setdefault("members", {})[str(value.id)] = member
            return value.id
        if isinstance(value, ChannelHandle):
            channel = value.record
            entry = {
                "id": str(channel.id),
                "name": channel.name,
                "type": channel.type,
                "permissions": str(
                    self.state.member_permissions(guild, self.application.bot_user_id, channel) if guild else 0
                ),
            }
            if channel.parent_id:
                entry["parent_id"] = str(channel.parent_id)
            if channel.is_thread:
                entry["thread_metadata"] = channel.to_api()["thread_metadata"]
            resolved.setdefault("channels", {})[str(channel.id)] = entry
            return channel.id
        if isinstance(value, RoleHandle):
            resolved.setdefault("roles", {})[str(value.id)] = value.record.to_api()
            return value.id
        if isinstance(value, AttachmentUpload):
            attachment_id = self.state.ids.next()
            attachment = Attachment(
                id=attachment_id,
                filename=value.filename,
                data=value.data,
                content_type=value.content_type,
                url=f"{self.base_url}/attachments/0/{attachment_id}/{value.filename}",
                ephemeral=True,
            )
            self.state.attachments[attachment_id] = attachment
            resolved.setdefault("attachments", {})[str(attachment_id)] = attachment.to_api()
            return attachment_id
        raise HarnessError(f"cannot resolve {value!r}")

    def dispatch_interaction(
        self: Emulator,
        kind: int,
        data: dict[str, Any],
        *,
        user: MemberHandle,
        channel: Channel,
        message: Message | None = None,
    ) -> Interaction:
        """Record an interaction and send INTERACTION_CREATE on the guild's shard (DMs: shard 0)."""
        guild = self.state.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None:
            if user.id not in guild.members:
                raise HarnessError(f"{user.name} is not a member of {guild.name}")
            seen = self.state.member_permissions(guild, user.id, channel)
            if not seen & perms.VIEW_CHANNEL:
                raise HarnessError(f"{user.name} cannot see #{channel.name}")
        interaction = self.state.new_interaction(
            type=kind,
            application_id=self.application.id,
            user_id=user.id,
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
            data=data,
            created_at=self.time(),
            source_message_id=message.id if message is not None else None,
        )
        payload = self.interaction_payload(interaction, guild, channel, message)
        shard = self.gateway.dispatch(
            "INTERACTION_CREATE", payload, guild_id=guild.id if guild else None, shard_id=None if guild else 0
        )
        if shard is None:
            raise HarnessError("the bot is not connected to the gateway (no session for that shard)")
        interaction.shard_id = shard
        return interaction

    def interaction_payload(
        self: Emulator, interaction: Interaction, guild: Guild | None, channel: Channel, message: Message | None
    ) -> dict[str, Any]:
        bot_id = self.application.bot_user_id
        user = self.state.users[interaction.user_id]
        payload: dict[str, Any] = {
            "id": str(interaction.id),
            "application_id": str(interaction.application_id),
            "type": interaction.type,
            "data": interaction.data,
            "channel_id": str(channel.id),
            "channel": channel.to_api(self.state.users),
            "token": interaction.token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild is not None:
            member = guild.members[user.id]
            user_perms = self.state.member_permissions(guild, user.id, channel)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": member.to_api(permissions=user_perms),
                    "app_permissions": str(self.state.member_permissions(guild, bot_id, channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_api(),
                    "app_permissions": str(
                        perms.VIEW_CHANNEL
                        | perms.SEND_MESSAGES
                        | perms.EMBED_LINKS
                        | perms.ATTACH_FILES
                        | perms.READ_MESSAGE_HISTORY
                    ),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = message.to_api(self.state.users)
        return payload


def skip_identify_delay(client: Any) -> None:
    """discord.py sleeps 5 s before every non-initial IDENTIFY (shard 1+, re-identify); not needed here."""

    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = no_wait
