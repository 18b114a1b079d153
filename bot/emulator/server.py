"""The emulator: an aiohttp server speaking Discord's REST API and gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from .errors import DiscordError, FormErrors, unauthorized
from .faults import Faults
from .gateway import Gateway
from .harness import HarnessMixin
from .ratelimit import RateLimiter, RateLimits
from .rest import ApiRequest, RestApi, Upload
from .spec import SpecValidator, get_validator
from .state import Channel, Guild, State, iso_now

_log = logging.getLogger(__name__)

_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


@dataclass(frozen=True)
class Application:
    id: int
    bot_user_id: int
    token: str
    name: str


@dataclass(frozen=True)
class Violation:
    method: str
    path: str
    route: str
    problems: tuple[str, ...]


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses JSON when Content-Type is exactly "application/json" (no charset).
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class Emulator(HarnessMixin):
    """A loopback Discord. ``await start()``, then point discord.py at ``api_base``/``gateway_url``."""

    def __init__(
        self,
        *,
        rate_limits: RateLimits | None = None,
        strict_spec: bool = True,
        validate_spec: bool = True,
        validate_responses: bool = False,
        spec_path: str | Path | None = None,
        shards: int = 1,
        clock: Callable[[], float] | None = None,
        bot_name: str = "Rebound",
    ) -> None:
        self.state = State()
        self.shards = shards
        self.strict_spec = strict_spec
        self.validate_responses = validate_responses
        self.spec: SpecValidator | None = get_validator(spec_path) if validate_spec else None
        self.rate_limiter = RateLimiter(rate_limits or RateLimits())
        self.faults = Faults()
        self.violations: list[Violation] = []
        self.response_violations: list[Violation] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.requests: list[tuple[str, str, int]] = []
        self._clock = clock
        self._time_offset = 0.0
        self._changed: asyncio.Event | None = None
        bot_user = self.state.add_user(bot_name, bot=True)
        token = base64.b64encode(str(bot_user.id).encode()).decode() + ".emulator.not-a-real-token"
        self.application = Application(id=self.state.ids.next(), bot_user_id=bot_user.id, token=token, name=bot_name)
        self.owner = self.state.add_user("app-owner")
        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> Emulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        app.router.add_get("/", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # clocks and change notification -------------------------------------------------------------
    def time(self) -> float:
        """The rule clock (3 s and 15 min limits): the loop's monotonic time plus ``advance_time``."""
        base = self._clock() if self._clock is not None else asyncio.get_running_loop().time()
        return base + self._time_offset

    def advance_time(self, seconds: float) -> None:
        self._time_offset += seconds

    def set_rate_limits(self, limits: RateLimits) -> None:
        """Replace the rate limits (fresh buckets), e.g. after the bot has logged in."""
        self.rate_limiter = RateLimiter(limits, self.rate_limiter.now)

    def iso_now(self) -> str:
        return iso_now()

    def notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def changed(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    # payloads shared by gateway and REST ------------------------------------------------------------
    def application_payload(self) -> dict[str, Any]:
        app = self.application
        return {
            "id": str(app.id),
            "name": app.name,
            "icon": None,
            "description": "Rebound study-group bot (emulated)",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.owner.to_api(),
            "team": None,
            "bot": self.state.users[app.bot_user_id].to_api(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": len(self.state.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "flags_new": "0",
            "role_connections_verification_url": None,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
        }

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]:
        channels = self.state.guild_channels(guild)
        data = guild.to_api()
        data.update(
            {
                "joined_at": guild.members[self.application.bot_user_id].joined_at,
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "members": [m.to_api() for m in guild.members.values()],
                "channels": [c.to_api() for c in channels if not c.is_thread],
                "threads": [c.to_api() for c in channels if c.is_thread and not c.archived],
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return data

    def delete_channel_record(self, channel: Channel) -> None:
        channel.deleted = True
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        payload = channel.to_api()
        if channel.is_thread:
            payload = {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            }
        self.gateway.dispatch(event, payload, guild_id=channel.guild_id)
        self.notify()

    def new_guild_record(self, name: str, owner_name: str, *, shard_id: int | None, bot_permissions: int) -> Guild:
        owner = self.state.user_named(owner_name)
        if shard_id is not None:
            guild_id = self.state.ids.next_for_shard(shard_id, max(self.shards, shard_id + 1))
        else:
            guild_id = self.state.ids.next()
        guild = self.state.add_guild(name, owner, guild_id)
        bot_role = self.state.add_role(guild, self.application.name, bot_permissions, managed=True)
        bot_role.position = 10_000
        self.state.add_member(guild, owner)
        self.state.add_member(guild, self.state.users[self.application.bot_user_id], roles=[bot_role.id])
        general = self.state.add_channel(guild, "general")
        guild.system_channel_id = general.id
        return guild

    # HTTP pipeline -----------------------------------------------------------------------------
    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        attachment = self.state.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            return _json_response(404, {"message": "404: Not Found", "code": 0})
        return web.Response(body=attachment.data, content_type=attachment.content_type or "application/octet-stream")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.method
        path = "/" + request.match_info["tail"]
        response = await self._handle(request, method, path)
        self.requests.append((method, path, response.status))
        return response

    async def _handle(self, request: web.Request, method: str, path: str) -> web.StreamResponse:
        matched = self.rest.match(method, path)
        if matched is None:
            self.unknown_routes.append((method, path))
            return _json_response(404, {"message": "404: Not Found", "code": 0})
        route, params = matched

        delay = self.faults.delay_for(method, path)
        if delay:
            await asyncio.sleep(delay)
        fault = self.faults.failure_for(method, path)
        if fault is not None:
            if fault.kind == "rate_limit":
                return self._too_many(fault.retry_after, fault.is_global, {"X-RateLimit-Scope": "user"})
            return _json_response(fault.status, {"message": fault.message, "code": fault.code})

        if route.needs_bot_auth and request.headers.get("Authorization") != f"Bot {self.application.token}":
            return _json_response(401, unauthorized().body())

        major = params.get("channel_id") or params.get("guild_id") or params.get("webhook_id") or ""
        decision = self.rate_limiter.check(
            route_bucket=route.bucket, major=major, counts_globally=route.counts_globally
        )
        if not decision.allowed:
            return self._too_many(decision.retry_after, decision.is_global, decision.headers)

        try:
            body, files = await self._read_body(request)
        except DiscordError as error:
            return _json_response(error.status, error.body(), decision.headers)

        if body is not None and self.spec is not None and self.spec.has_path(route.template, method):
            problems = self.spec.request_problems(route.template, method, body)
            if problems:
                self.violations.append(Violation(method, path, route.template, tuple(t for _, t in problems)))
                if self.strict_spec:
                    form = FormErrors()
                    for where, text in problems:
                        form.add(where, "SPEC_VIOLATION", text)
                    self._note_interaction_error(params, "50035 Invalid Form Body (spec)")
                    return _json_response(
                        400, {"message": "Invalid Form Body", "code": 50035, "errors": form.tree}, decision.headers
                    )

        api_request = ApiRequest(
            method=method, path=path, params=params, query=dict(request.query), body=body, files=files
        )
        try:
            status, result = await route.handler(api_request)
        except DiscordError as error:
            self._note_interaction_error(params, f"{error.code} {error.message}")
            return _json_response(error.status, error.body(), decision.headers)

        if status == 204 or result is None:
            return web.Response(status=204, headers=decision.headers)
        if self.validate_responses and self.spec is not None:
            problems = self.spec.response_errors(route.template, method, status, result)
            if problems:
                self.response_violations.append(Violation(method, path, route.template, tuple(problems)))
        return _json_response(status, result, decision.headers)

    def _note_interaction_error(self, params: dict[str, str], text: str) -> None:
        """Remember errors answered to an interaction's routes so a stuck test can say what happened."""
        interaction = None
        if "interaction_id" in params and params["interaction_id"].isdigit():
            interaction = self.state.interactions.get(int(params["interaction_id"]))
        elif "webhook_token" in params:
            interaction = self.state.interactions_by_token.get(params["webhook_token"])
        if interaction is not None:
            interaction.errors.append(text)
            interaction.notify()

    def _too_many(self, retry_after: float, is_global: bool, headers: dict[str, str]) -> web.Response:
        # discord.py retries a 429 only when it carries a Via header (otherwise it assumes Cloudflare).
        extra = {**headers, "Via": "1.1 google", "Retry-After": f"{max(retry_after, 0.001):.3f}"}
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": is_global}
        return _json_response(429, body, extra)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Upload]]:
        if not request.body_exists:
            return None, []
        content_type = request.content_type
        if content_type.startswith("multipart/"):
            return await self._read_multipart(request)
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None

    async def _read_multipart(self, request: web.Request) -> tuple[Any, list[Upload]]:
        reader = await request.multipart()
        body: Any = None
        files: list[Upload] = []
        while True:
            part = await reader.next()
            if part is None:
                break
            name = getattr(part, "name", None) or ""
            data = await part.read(decode=False)  # type: ignore[union-attr]
            if name == "payload_json":
                try:
                    body = json.loads(data)
                except ValueError:
                    raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None
                continue
            found = _FILE_FIELD.match(name)
            if found:
                files.append(
                    Upload(
                        index=int(found.group(1)),
                        filename=getattr(part, "filename", None) or name,
                        data=bytes(data),
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return body, files


__all__ = ["Application", "Emulator", "Violation"]
