"""Errors a member can cause and fix themselves.

Domain and service code raise ``UserError`` subclasses *before* any write; the command tree's
single error handler turns them into a private (ephemeral) reply in plain words. Anything else
is a bug: it is logged with context and the member is told it was logged.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected problem with what the member asked for. ``message`` is shown to them as-is."""

    code = "user_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InvalidInput(UserError):
    code = "invalid_input"


class NotFound(UserError):
    code = "not_found"


class NotAllowed(UserError):
    code = "not_allowed"


class Conflict(UserError):
    code = "conflict"


class ConfigError(Exception):
    """The bot cannot start with this configuration; the message says what to change."""
