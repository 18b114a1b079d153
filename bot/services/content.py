"""What practice and quiz services share: the exam catalogue and the shipped question banks, injectable."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from bot.clock import Clock
from bot.data.bank_loader import load_shipped_banks
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.domain.banks import Bank
from bot.domain.catalogue import Catalogue
from bot.services.banks import ShippedBanks


class ContentService:
    def __init__(
        self, db: Database, clock: Clock, *, catalogue: Catalogue | None = None, shipped: ShippedBanks | None = None,
        rng: Callable[[], random.Random] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue
        self._shipped = shipped or load_shipped_banks
        self._rng = rng or random.Random

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    def shipped(self) -> Mapping[str, Bank]:
        return self._shipped()
