"""A loopback Discord (REST + gateway) that the unmodified discord.py client talks to.

Used by the end-to-end tests, the interactive sandbox and the benchmarks. Start with::

    async with Emulator() as emu:
        guild = emu.add_guild("Study Hall")
        task = await emu.start_bot(bot)          # patches discord.py, logs in, waits for READY
        alice = guild.add_member("alice")
        reply = await alice.slash("checkin", minutes=45)
"""

from .errors import DiscordError
from .harness import (
    AttachmentUpload,
    ChannelHandle,
    GuildHandle,
    HarnessError,
    MemberHandle,
    NoReply,
    Reply,
    RoleHandle,
    skip_identify_delay,
)
from .patching import DiscordInternalsChanged, check_discord_internals, patch_discord
from .ratelimit import RateLimits
from .render import render_message, render_reply
from .server import Application, Emulator, Violation

__all__ = [
    "Application",
    "AttachmentUpload",
    "ChannelHandle",
    "DiscordError",
    "DiscordInternalsChanged",
    "Emulator",
    "GuildHandle",
    "HarnessError",
    "MemberHandle",
    "NoReply",
    "RateLimits",
    "Reply",
    "RoleHandle",
    "Violation",
    "check_discord_internals",
    "patch_discord",
    "render_message",
    "render_reply",
    "skip_identify_delay",
]
