"""The gateway websocket: HELLO, heartbeats, IDENTIFY/READY, RESUME with replay, shard routing.

Source: Discord developer docs "Gateway" and "Gateway Events". Frames are uncompressed JSON text,
which discord.py accepts even though it asks for zlib-stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import Emulator

_log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1

HEARTBEAT_INTERVAL_MS = 41250
REPLAY_BUFFER = 10000

_EVENT_INTENTS = {
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_DELETE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_DELETE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "THREAD_CREATE": INTENT_GUILDS,
    "THREAD_DELETE": INTENT_GUILDS,
    "THREAD_MEMBERS_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_ROLE_CREATE": INTENT_GUILDS,
    "GUILD_ROLE_DELETE": INTENT_GUILDS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
}


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    request: web.Request
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    session: Session | None = None
    writer: asyncio.Task[None] | None = None
    events_sent: int = 0

    def send(self, payload: str) -> None:
        self.queue.put_nowait(payload)


@dataclass
class Session:
    id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: Connection | None = None
    dispatched: list[str] = field(default_factory=list)


class Gateway:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.sessions: dict[str, Session] = {}
        self.by_shard: dict[int, Session] = {}
        self.connections: set[Connection] = set()
        self.identifies = 0
        self.resumes = 0

    # routing -----------------------------------------------------------------------------------
    def shard_for_guild(self, guild_id: int | None) -> int:
        count = self.shard_count()
        if guild_id is None or count <= 1:
            return 0
        return (guild_id >> 22) % count

    def shard_count(self) -> int:
        counts = [s.shard_count for s in self.by_shard.values()]
        return max(counts) if counts else self.emulator.shards

    def is_connected(self, shard_id: int = 0) -> bool:
        session = self.by_shard.get(shard_id)
        return session is not None and session.connection is not None

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None, shard_id: int | None = None
    ) -> int | None:
        """Send (or buffer, while disconnected) an event on its shard; returns the shard used."""
        shard = self.shard_for_guild(guild_id) if shard_id is None else shard_id
        session = self.by_shard.get(shard)
        if session is None:
            return None
        needed = _EVENT_INTENTS.get(event)
        if needed is not None and not session.intents & needed:
            return shard
        self._send_dispatch(session, event, data)
        return shard

    def _send_dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        text = json.dumps({"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data})
        session.buffer.append((session.seq, text))
        session.dispatched.append(event)
        if session.connection is not None:
            session.connection.send(text)
            session.connection.events_sent += 1

    # connections -------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        connection = Connection(ws=ws, request=request)
        connection.writer = asyncio.create_task(self._writer(connection))
        self.connections.add(connection)
        connection.send(json.dumps({"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Decode error")
                    break
                if not await self._on_payload(connection, payload):
                    break
        except ConnectionError:
            pass
        finally:
            self._detach(connection)
        return ws

    def _detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
        connection.queue.put_nowait(None)

    async def _writer(self, connection: Connection) -> None:
        while True:
            text = await connection.queue.get()
            if text is None or connection.ws.closed:
                return
            try:
                await connection.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _on_payload(self, connection: Connection, payload: dict[str, Any]) -> bool:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            connection.send(json.dumps({"op": OP_HEARTBEAT_ACK}))
        elif op == OP_IDENTIFY:
            if not isinstance(data, dict) or data.get("token") != self.emulator.application.token:
                await connection.ws.close(code=4004, message=b"Authentication failed.")
                return False
            self._identify(connection, data)
        elif op == OP_RESUME:
            self._resume(connection, data or {})
        elif op == OP_REQUEST_MEMBERS:
            self._request_members(connection, data or {})
        return True

    def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        self.identifies += 1
        shard_id, shard_count = (data.get("shard") or [0, 1])[:2]
        session = Session(
            id=secrets.token_hex(16),
            shard_id=int(shard_id),
            shard_count=int(shard_count),
            intents=int(data.get("intents", 0)),
        )
        old = self.by_shard.get(session.shard_id)
        if old is not None:
            self.sessions.pop(old.id, None)
        self.sessions[session.id] = session
        self.by_shard[session.shard_id] = session
        session.connection = connection
        connection.session = session
        state = self.emulator.state
        bot_id = self.emulator.application.bot_user_id
        guilds = [
            g
            for g in state.guilds.values()
            if bot_id in g.members and self._guild_shard(g.id, session) == session.shard_id
        ]
        app = self.emulator.application
        ready = {
            "v": 10,
            "user": state.users[app.bot_user_id].to_api(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emulator.gateway_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(app.id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth_session_id_hash": "",
        }
        self._send_dispatch(session, "READY", ready)
        if session.intents & INTENT_GUILDS:
            for guild in guilds:
                self._send_dispatch(session, "GUILD_CREATE", self.emulator.guild_create_payload(guild))

    @staticmethod
    def _guild_shard(guild_id: int, session: Session) -> int:
        return (guild_id >> 22) % session.shard_count if session.shard_count > 1 else 0

    def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        valid = (
            session is not None
            and data.get("token") == self.emulator.application.token
            and isinstance(seq, int)
            and (seq >= session.seq or (session.buffer and session.buffer[0][0] <= seq + 1))
        )
        if not valid or session is None:
            connection.send(json.dumps({"op": OP_INVALID_SESSION, "d": False}))
            return
        self.resumes += 1
        if session.connection is not None and session.connection is not connection:
            stale = session.connection
            stale.session = None
            asyncio.create_task(stale.ws.close(code=4000))
        for number, text in session.buffer:
            if number > seq:
                connection.send(text)
        session.connection = connection
        connection.session = session
        self._send_dispatch(session, "RESUMED", {})

    def _request_members(self, connection: Connection, data: dict[str, Any]) -> None:
        session = connection.session
        guild = self.emulator.state.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
            return
        members = list(guild.members.values())
        query = data.get("query")
        if query:
            members = [m for m in members if m.user.username.startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.user.id in wanted]
        chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
        for index, chunk in enumerate(chunks):
            payload = {
                "guild_id": str(guild.id),
                "members": [m.to_api() for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if data.get("nonce"):
                payload["nonce"] = data["nonce"]
            self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", payload)

    # faults ------------------------------------------------------------------------------------
    async def drop(self, shard_id: int | None = None) -> int:
        """Cut connections without a close frame; the sessions stay resumable and keep buffering."""
        dropped = 0
        for connection in list(self.connections):
            session = connection.session
            if shard_id is not None and (session is None or session.shard_id != shard_id):
                continue
            if session is not None and session.connection is connection:
                session.connection = None
            connection.session = None
            self.connections.discard(connection)
            transport = connection.request.transport
            if transport is not None:
                transport.abort()
            else:
                await connection.ws.close(code=4000)
            connection.queue.put_nowait(None)
            dropped += 1
        return dropped

    async def close(self) -> None:
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001)
            connection.queue.put_nowait(None)
        self.connections.clear()
