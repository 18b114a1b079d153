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


class DiscordInternalsChanged(RuntimeError):
    """discord.py no longer has the attributes Rebound redirects; see ``check_discord_internals``."""


def check_discord_internals() -> None:
    """Raise a clear error if ``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY`` or the view store changed."""
    problems = []
    route = getattr(discord.http, "Route", None)
    if route is None or not isinstance(getattr(route, "BASE", None), str):
        problems.append("discord.http.Route.BASE (a str) is missing")
    socket = getattr(discord.gateway, "DiscordWebSocket", None)
    if socket is None or not isinstance(getattr(socket, "DEFAULT_GATEWAY", None), yarl.URL):
        problems.append("discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY (a yarl.URL) is missing")
    # The deadline guard (bot/ui/deadline.py) reads the view store to answer buttons nobody handles any more.
    from discord.ui.view import ViewStore
    try:
        store = ViewStore(None)  # type: ignore[arg-type]  # its __init__ only creates the tables
        tables = [getattr(store, name, None) for name in ("_views", "_dynamic_items", "_modals")]
    except Exception:
        tables = []
    if len(tables) != 3 or not all(isinstance(t, dict) for t in tables):
        problems.append("discord.ui.view.ViewStore._views/_dynamic_items/_modals (dicts) are missing")
    if problems:
        raise DiscordInternalsChanged(
            f"discord.py {discord.__version__} changed its internals: " + "; ".join(problems)
            + ". Update bot/endpoints.py to the new attribute names."
        )


def apply_endpoints(api_base: str | None, gateway_url: str | None = None) -> None:
    """Point discord.py at another REST base (and gateway). ``None`` leaves a value as it is."""
    check_discord_internals()
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
