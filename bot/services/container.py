"""Builds every service once, from the database and the clock (the composition root's helper)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.db.connection import Database
from bot.services.settings import SettingsService


@dataclass
class Services:
    settings: SettingsService

    @classmethod
    def build(cls, db: Database, clock: Clock) -> Services:
        return cls(settings=SettingsService(db, clock))
