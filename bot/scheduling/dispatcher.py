"""Fires what is due in the delivery ledger, exactly once across crashes and restarts.

APScheduler is only the alarm clock: it wakes ``run_due``; the database says what is due. One
delivery's life:

1. claim (one transaction): ``pending -> sending``; a recurring rule's next occurrence is inserted in
   the same transaction, so the chain never breaks whatever happens next;
2. the feature's handler sends it (network I/O, outside any transaction), using the deterministic
   nonce from ``nonce_for`` so Discord drops a duplicate if we crash after sending;
3. finish (one transaction): ``sending -> sent | skipped | failed``, or back to ``pending`` later for a
   passing failure.

A restart turns rows left in ``sending`` back into ``pending`` (``recover``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.rules import Rules
from bot.scheduling.recurrence import next_occurrence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent", "skipped", "failed", "retry"
    detail: str | None = None
    retry_after: timedelta | None = None

    @classmethod
    def sent(cls) -> Outcome:
        return cls("sent")

    @classmethod
    def skipped(cls, why: str) -> Outcome:
        return cls("skipped", why)

    @classmethod
    def failed(cls, why: str) -> Outcome:
        return cls("failed", why)

    @classmethod
    def retry(cls, why: str, after: timedelta = timedelta(minutes=1)) -> Outcome:
        return cls("retry", why, after)


Handler = Callable[[Delivery], Awaitable[Outcome]]

MAX_ATTEMPTS = 5


def nonce_for(key: str) -> str:
    """A stable message nonce (Discord allows 25 characters) derived from the idempotency key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def rule_key(rule_id: int, due_at: int) -> str:
    return f"rule:{rule_id}:{due_at}"


class DeliveryDispatcher:
    def __init__(self, db: Database, clock: Clock, *, batch_size: int = 100, concurrency: int = 10) -> None:
        self.db = db
        self.clock = clock
        self.batch_size = batch_size
        self.concurrency = concurrency
        self._handlers: dict[str, Handler] = {}
        self._run_lock = asyncio.Lock()
        self.on_idle: Callable[[int | None], None] | None = None

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def handler_for(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    async def recover(self) -> int:
        """Put rows a dead process left in 'sending' back in the queue."""
        async with self.db.transaction() as tx:
            return await Deliveries(tx).recover_interrupted()

    async def run_due(self) -> int:
        """Deliver everything due now; returns how many deliveries were handled. Never runs twice at once."""
        handled = 0
        async with self._run_lock:
            while True:
                batch = await self._claim()
                if not batch:
                    break
                semaphore = asyncio.Semaphore(self.concurrency)
                await asyncio.gather(*(self._deliver_bounded(d, semaphore) for d in batch))
                handled += len(batch)
        if self.on_idle is not None:
            self.on_idle(await self.next_due_at())
        return handled

    async def next_due_at(self) -> int | None:
        async with self.db.read() as tx:
            return await Deliveries(tx).next_due_at()

    async def _claim(self) -> list[Delivery]:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            deliveries = Deliveries(tx)
            batch = await deliveries.claim_due(to_epoch(now), self.batch_size)
            rules = Rules(tx)
            for delivery in batch:
                rule_id = delivery.payload.get("rule_id")
                if rule_id is None:
                    continue
                rule = await rules.get(int(rule_id))
                if rule is None or not rule.active:
                    continue
                after = max(now, from_epoch(delivery.due_at))
                nxt = to_epoch(next_occurrence(
                    hour=rule.hour, minute=rule.minute, days=rule.days, timezone=rule.timezone, after=after,
                ))
                await deliveries.schedule(
                    kind=rule.kind, due_at=nxt, key=rule_key(rule.id, nxt), now=to_epoch(now),
                    guild_id=rule.guild_id, user_id=rule.user_id, payload={**rule.payload, "rule_id": rule.id},
                )
            return batch

    async def _deliver_bounded(self, delivery: Delivery, semaphore: asyncio.Semaphore) -> None:
        async with semaphore:
            await self._deliver(delivery)

    async def _deliver(self, delivery: Delivery) -> None:
        handler = self._handlers.get(delivery.kind)
        if handler is None:
            outcome = Outcome.failed(f"no handler for kind {delivery.kind!r}")
        else:
            try:
                outcome = await handler(delivery)
            except Exception as exc:  # a handler bug must not stop the other deliveries
                log.exception("delivery %s (%s) failed", delivery.id, delivery.kind)
                outcome = Outcome.retry(f"{type(exc).__name__}: {exc}", timedelta(minutes=1))
        now = self.clock.now()
        async with self.db.transaction() as tx:
            deliveries = Deliveries(tx)
            if outcome.status == "retry" and delivery.attempts < MAX_ATTEMPTS:
                backoff = (outcome.retry_after or timedelta(minutes=1)) * delivery.attempts
                await deliveries.retry_later(delivery.id, to_epoch(now + backoff), outcome.detail or "retry")
            elif outcome.status == "retry":
                await deliveries.finish(delivery.id, "failed", to_epoch(now), f"gave up: {outcome.detail}")
            else:
                await deliveries.finish(delivery.id, outcome.status, to_epoch(now), outcome.detail)

