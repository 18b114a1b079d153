"""Creating a channel, thread or role exactly once.

Channels, threads and roles have no nonce. When Discord does the work but its answer is lost (an edge timeout
answers 500), discord.py sends the request again and a second copy appears. Used by partner threads
(``bot.ui.delivery``), ``/admin setup`` and ``/cohort``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

import discord

from bot.clock import host_now

log = logging.getLogger(__name__)

#: How far the host's clock may run ahead of Discord's (the clock inside snowflakes).
CLOCK_DRIFT = timedelta(minutes=1)
EXTRA_COPY = "a copy left by a retried request"


def attempt_floor(anchor_id: int | None = None) -> int:
    """The lowest id an object made by an attempt starting now can have.

    An interaction's id is Discord's own time just before the attempt. Without one the host's clock stands
    in: not the bot's ``Clock``, which tests and the sandbox move by hand while snowflakes keep Discord's time.
    """
    if anchor_id is not None:
        return anchor_id
    return discord.utils.time_snowflake(host_now() - CLOCK_DRIFT)


async def create_once(
    create: Callable[[], Awaitable[int]],
    copies: Callable[[], Awaitable[Iterable[int]]],
    delete: Callable[[int], Awaitable[object]],
    *,
    floor: int,
    what: str,
) -> int:
    """Create an object and return the id of the single copy kept.

    When Discord does the work but its answer is lost (an edge timeout answers 500), discord.py sends the
    request again and a second copy appears; the answer the bot finally gets cannot tell. So after every
    creation, and after a server error, the same-named copies made since ``floor`` are listed: the oldest is
    kept (a concurrent attempt picks the same one) and the others are deleted.
    """
    made: int | None = None
    failure: discord.DiscordServerError | None = None
    try:
        made = await create()
    except discord.DiscordServerError as exc:
        failure = exc
    try:
        found = {copy for copy in await copies() if copy >= floor}
    except discord.HTTPException as exc:
        if made is None:
            raise exc from failure
        log.warning("could not look for copies of the new %s %s: %s", what, made, exc)
        return made
    if made is not None:
        found.add(made)
    if not found:
        assert failure is not None
        raise failure
    keep, *extra = sorted(found)
    for copy in extra:
        try:
            await delete(copy)
        except discord.NotFound:
            pass  # a concurrent attempt removed it first
        except discord.HTTPException as exc:
            log.warning("could not delete the extra %s %s (keeping %s): %s", what, copy, keep, exc)
    if extra:
        log.info("kept %s %s and deleted %d copies made by a retried request", what, keep, len(extra))
    return keep


async def start_thread_once(
    http: discord.http.HTTPClient, start: Callable[[], Awaitable[int]], *, guild_id: int, parent_id: int,
    name: str, owner_id: int, floor: int,
) -> int:
    """Start a thread (``start`` returns its id); copies are the bot's active threads of that name there."""

    async def copies() -> list[int]:
        data = await http.get_active_threads(guild_id)
        return [int(t["id"]) for t in data.get("threads", [])
                if t.get("name") == name and str(t.get("parent_id")) == str(parent_id)
                and str(t.get("owner_id")) == str(owner_id)]

    async def delete(thread_id: int) -> None:
        await http.delete_channel(thread_id, reason=EXTRA_COPY)

    return await create_once(start, copies, delete, floor=floor, what="thread")


async def create_text_channel_once(
    http: discord.http.HTTPClient, guild: discord.Guild, name: str, *, reason: str, floor: int
) -> int:
    """A text channel outside any category; copies are the server's same-named ones there."""

    async def create() -> int:
        return (await guild.create_text_channel(name, reason=reason)).id

    async def copies() -> list[int]:
        return [c.id for c in await guild.fetch_channels()
                if isinstance(c, discord.TextChannel) and c.name == name and c.category_id is None]

    async def delete(channel_id: int) -> None:
        await http.delete_channel(channel_id, reason=EXTRA_COPY)

    return await create_once(create, copies, delete, floor=floor, what="channel")


async def create_role_once(
    http: discord.http.HTTPClient, guild: discord.Guild, name: str, *, reason: str, floor: int
) -> int:
    """A plain role (not mentionable); copies are the server's same-named roles no integration manages."""

    async def create() -> int:
        return (await guild.create_role(name=name, mentionable=False, reason=reason)).id

    async def copies() -> list[int]:
        return [r.id for r in await guild.fetch_roles() if r.name == name and not r.managed]

    async def delete(role_id: int) -> None:
        await http.delete_role(guild.id, role_id, reason=EXTRA_COPY)

    return await create_once(create, copies, delete, floor=floor, what="role")
