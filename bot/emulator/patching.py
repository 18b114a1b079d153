"""Points discord.py at the emulator by the two class attributes it reads for its endpoints."""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import yarl


class DiscordInternalsChanged(RuntimeError):
    """discord.py no longer has the attributes the emulator redirects; see ``check_discord_internals``."""


def check_discord_internals() -> None:
    """Raise a clear error if ``Route.BASE`` or ``DiscordWebSocket.DEFAULT_GATEWAY`` moved or changed type."""
    problems = []
    route = getattr(discord.http, "Route", None)
    if route is None or not isinstance(getattr(route, "BASE", None), str):
        problems.append("discord.http.Route.BASE (a str) is missing")
    socket = getattr(discord.gateway, "DiscordWebSocket", None)
    if socket is None or not isinstance(getattr(socket, "DEFAULT_GATEWAY", None), yarl.URL):
        problems.append("discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY (a yarl.URL) is missing")
    if problems:
        raise DiscordInternalsChanged(
            f"discord.py {discord.__version__} changed its internals: "
            + "; ".join(problems)
            + ". Update bot/emulator/patching.py to the new attribute names."
        )


def patch_discord(api_base: str, gateway: str) -> None:
    """Send every REST call (incl. interaction webhooks) to ``api_base`` and connect to ``gateway``."""
    check_discord_internals()
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
