"""Where discord.py sends its REST requests and opens its gateway.

discord.py reads two class attributes for this: ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``. Overriding them is how a REST proxy (such as
nirn-proxy) or our local Discord emulator is put in front of the real client. ``check_discord_internals``
fails loudly if a discord.py upgrade moves them (guarded by a test).
"""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import yarl


class DiscordInternalsMoved(RuntimeError):
    pass


def check_discord_internals() -> None:
    route_base = getattr(discord.http.Route, "BASE", None)
    gateway = getattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", None)
    if not isinstance(route_base, str):
        raise DiscordInternalsMoved(
            "discord.http.Route.BASE is gone or not a string; the REST override needs updating."
        )
    if not isinstance(gateway, yarl.URL):
        raise DiscordInternalsMoved(
            "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY is gone or not a URL; "
            "the gateway override needs updating."
        )


def apply_endpoints(api_base: str | None, gateway_url: str | None = None) -> None:
    """Point discord.py at another REST base (and gateway). ``None`` leaves a value as it is."""
    check_discord_internals()
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
