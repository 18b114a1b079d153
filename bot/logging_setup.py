"""Logging for the CLI: one readable format, the token redacted everywhere."""

from __future__ import annotations

import logging

from bot.config import RedactingFilter


def setup_logging(level: str, token: str | None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at INFO is noise for a study-server admin.
    logging.getLogger("discord").setLevel(max(logging.WARNING, logging.getLevelName(level)))
