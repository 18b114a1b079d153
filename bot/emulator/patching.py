"""Points discord.py at the emulator, by the same two class attributes a REST proxy uses (``bot.endpoints``)."""

from __future__ import annotations

from bot.endpoints import DiscordInternalsChanged, apply_endpoints, check_discord_internals

__all__ = ["DiscordInternalsChanged", "check_discord_internals", "patch_discord"]


def patch_discord(api_base: str, gateway: str) -> None:
    """Send every REST call (incl. interaction webhooks) to ``api_base`` and connect to ``gateway``."""
    apply_endpoints(api_base, gateway)
