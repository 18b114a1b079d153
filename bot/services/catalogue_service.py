"""The exam catalogue a server sees: the shipped exams plus the exams its admins defined."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.clock import from_epoch
from bot.db.connection import Tx
from bot.db.repositories.report_drafts import LocalExamRows
from bot.domain.catalogue import Catalogue, CatalogueError, parse_exam
from bot.domain.exams import Exam

log = logging.getLogger(__name__)


class CatalogueService:
    """Caches one ``Catalogue`` per server; ``forget`` after a server's local exams change."""

    def __init__(self, shipped: Callable[[], Catalogue]) -> None:
        self._shipped_loader = shipped
        self._by_guild: dict[int, Catalogue] = {}

    @property
    def shipped(self) -> Catalogue:
        return self._shipped_loader()

    def policy_ids(self) -> set[str]:
        return {p.id for p in self.shipped.policies()}

    async def for_guild(self, tx: Tx, guild_id: int | None) -> Catalogue:
        """The server's catalogue, read inside the caller's open unit of work."""
        if guild_id is None:
            return self.shipped
        cached = self._by_guild.get(guild_id)
        if cached is not None:
            return cached
        rows = await LocalExamRows(tx).for_guild(guild_id)
        exams: list[Exam] = []
        for row in rows:
            try:
                exams.append(parse_exam(row.document, policy_ids=self.policy_ids(), guild_id=guild_id,
                                        default_as_of=from_epoch(row.created_at).date()))
            except CatalogueError as exc:
                # A definition that was valid when saved can stop being valid when the shipped data
                # changes (a policy renamed); the rest of the server's exams stay usable.
                log.warning("local exam %s of guild %s no longer validates: %s", row.exam_code, guild_id, exc)
        try:
            catalogue = self.shipped.with_local(exams)
        except CatalogueError as exc:
            log.warning("local exams of guild %s clash with the shipped catalogue: %s", guild_id, exc)
            catalogue = self.shipped
        self._by_guild[guild_id] = catalogue
        return catalogue

    def forget(self, guild_id: int) -> None:
        self._by_guild.pop(guild_id, None)
