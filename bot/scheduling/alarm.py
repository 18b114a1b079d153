"""APScheduler as the alarm clock for the delivery dispatcher.

One job with a fixed id wakes the dispatcher on an interval, plus a one-off wake at the next due time
so a reminder is not late by a whole interval. The job only *wakes*; the database decides what is due,
so a restart loses nothing (the job is rebuilt in ``start``) and the scheduler keeps no state of its own.
With a fake clock, tests and the sandbox call ``dispatcher.run_due()`` after moving the clock instead.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.scheduling.dispatcher import DeliveryDispatcher

log = logging.getLogger(__name__)

WAKE_JOB = "rebound:deliveries"
NEXT_JOB = "rebound:deliveries:next"


class AlarmClock:
    def __init__(self, dispatcher: DeliveryDispatcher, clock: Clock, *, interval_seconds: int = 30) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.interval_seconds = interval_seconds
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._real_time = isinstance(clock, SystemClock)

    @property
    def running(self) -> bool:
        return self.scheduler.running

    def start(self) -> None:
        if self.scheduler.running:
            return
        self.scheduler.start()
        if self._real_time:
            self.scheduler.add_job(
                self._wake, "interval", seconds=self.interval_seconds, id=WAKE_JOB, replace_existing=True,
                next_run_time=self.clock.now(),
            )
            self.dispatcher.on_idle = self._arm_next

    def _arm_next(self, due_epoch: int | None) -> None:
        if due_epoch is None or not self.scheduler.running:
            return
        when = datetime.fromtimestamp(due_epoch, UTC)
        if when - self.clock.now() >= timedelta(seconds=self.interval_seconds):
            return  # the interval job will get there first
        self.scheduler.add_job(self._wake, "date", run_date=max(when, self.clock.now()), id=NEXT_JOB,
                               replace_existing=True)

    def wake_soon(self) -> None:
        """Ask for a run now (e.g. something was scheduled due within the interval)."""
        if self.scheduler.running and self._real_time:
            self.scheduler.add_job(self._wake, "date", run_date=self.clock.now(), id=NEXT_JOB, replace_existing=True)

    async def _wake(self) -> None:
        try:
            await self.dispatcher.run_due()
        except Exception:
            log.exception("the delivery dispatcher failed; it will be woken again")

    def shutdown(self) -> None:
        if self.scheduler.running:
            # wait=False: AsyncIOScheduler cannot block the loop; running jobs finish as tasks.
            self.scheduler.shutdown(wait=False)
