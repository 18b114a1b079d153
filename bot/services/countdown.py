"""The exam countdown: milestone messages from the booked date, and the exam-day and calm-down texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.domain.countdown import (
    Milestone,
    breathing_steps,
    checklist_text,
    countdown_milestones,
    days_left,
    reframing_text,
)
from bot.services.reminders import ButtonSpec, DeliveryPlan, Kinds, Outgoing, is_away

BREATHE_SECONDS_PER_STEP = 4


@dataclass(frozen=True)
class CountdownView:
    exam_code: str | None
    days_left: int | None
    scheduled: list[str]  # milestone kinds still ahead


@dataclass(frozen=True)
class BreathingStep:
    after_seconds: int
    text: str


async def reschedule_milestones(tx: Tx, guild_id: int, user_id: int, now: datetime) -> list[Milestone]:
    """Make the scheduled countdown match the member's current booking, inside the caller's unit of work.

    Milestones of an older booking are cancelled; those of the current one keep their keys, so calling
    this again after a crash or a repeated booking sends nothing twice.
    """
    exam = await Exams(tx).active(guild_id, user_id)
    tz = await Members(tx).effective_timezone(guild_id, user_id)
    deliveries = Deliveries(tx)
    milestones: list[Milestone] = []
    if exam is not None and exam.booked_at is not None:
        milestones = countdown_milestones(from_epoch(exam.booked_at), tz, now)
    wanted = {milestone_key(guild_id, user_id, m.key): m for m in milestones}
    for pending in await deliveries.pending_for_member(guild_id, user_id):
        if pending.kind == Kinds.COUNTDOWN and pending.idempotency_key not in wanted:
            await deliveries.cancel(key_prefix=pending.idempotency_key)
    for key, m in wanted.items():
        await deliveries.schedule(
            kind=Kinds.COUNTDOWN, due_at=to_epoch(m.at_utc), key=key, now=to_epoch(now), guild_id=guild_id,
            user_id=user_id, payload={"milestone": m.kind, "text": m.text,
                                      "exam_code": exam.exam_code if exam else None},
        )
    return milestones


def milestone_key(guild_id: int, user_id: int, milestone_key: str) -> str:
    # The member goes into the key (two members can book the same instant); the trailing colon keeps
    # one key from being a prefix of another ("t-2" of "t-21", user 12 of user 123) when cancelling.
    return f"{milestone_key}:{guild_id}:{user_id}:"


class CountdownService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def on_booked(self, guild_id: int, user_id: int) -> CountdownView:
        """(Re)schedule the milestones for the member's active exam booking; call after every booking change.

        Milestones of an older booking are cancelled; those of the current one are kept (same keys), so
        calling this twice sends nothing twice.
        """
        now = self.clock.now()
        async with self.db.transaction() as tx:
            milestones = await reschedule_milestones(tx, guild_id, user_id, now)
            exam = await Exams(tx).active(guild_id, user_id)
            tz = await Members(tx).effective_timezone(guild_id, user_id)
        return CountdownView(exam.exam_code if exam else None,
                             days_left(from_epoch(exam.booked_at), tz, now) if exam and exam.booked_at else None,
                             [m.kind for m in milestones])

    async def status(self, guild_id: int, user_id: int) -> CountdownView:
        now = self.clock.now()
        async with self.db.read() as tx:
            exam = await Exams(tx).active(guild_id, user_id)
            tz = await Members(tx).effective_timezone(guild_id, user_id)
        if exam is None or exam.booked_at is None:
            return CountdownView(exam.exam_code if exam else None, None, [])
        at = from_epoch(exam.booked_at)
        return CountdownView(exam.exam_code, days_left(at, tz, now),
                             [m.kind for m in countdown_milestones(at, tz, now)])

    async def plan(self, delivery: Delivery) -> DeliveryPlan:
        guild_id, user_id = int(delivery.guild_id or 0), int(delivery.user_id or 0)
        async with self.db.read() as tx:
            if await is_away(tx, guild_id, user_id, to_epoch(self.clock.now())):
                return DeliveryPlan.skipped("member is away")
        buttons: tuple[ButtonSpec, ...] = ()
        if delivery.payload.get("milestone") == "t+1":
            buttons = (ButtonSpec("I passed", f"rebound:outcome:{guild_id}:1", "success"),
                       ButtonSpec("Not this time", f"rebound:outcome:{guild_id}:0", "secondary"))
        return DeliveryPlan((Outgoing(delivery.payload["text"], user_id=user_id, buttons=buttons),))

    @staticmethod
    def outcome_text(passed: bool) -> str:
        if passed:
            return ("Congratulations! You did it, and you did it after a setback, which is the harder way. "
                    "Tell the server if you'd like to; you've earned the cheer.")
        return ("I'm sorry. That hurts, and it's allowed to. When you're ready, record the attempt with your exam "
                "commands: I'll work out the new date you can book again and build the next plan with you.")

    @staticmethod
    def checklist() -> str:
        return checklist_text()

    @staticmethod
    def reframing() -> str:
        return reframing_text()

    async def schedule_breathing(self, user_id: int, channel_id: int, message_id: int,
                                 steps: list[BreathingStep]) -> int:
        """Schedule the edits that walk a posted message through the exercise; returns how many."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            deliveries = Deliveries(tx)
            for i, step in enumerate(steps[1:], start=1):
                await deliveries.schedule(
                    kind=Kinds.BREATHE_STEP, due_at=to_epoch(now) + step.after_seconds,
                    key=f"breathe:{message_id}:{i}", now=to_epoch(now), user_id=user_id,
                    payload={"channel_id": channel_id, "message_id": message_id, "text": step.text},
                )
        return len(steps) - 1

    @staticmethod
    def breathing(cycles: int) -> list[BreathingStep]:
        """The box-breathing script: each step's text and when (seconds from the start) it shows."""
        steps = breathing_steps(cycles)  # raises InvalidInput for a bad number of cycles
        out = []
        elapsed = 0
        for i, (label, seconds) in enumerate(steps):
            cycle = i // 4 + 1
            out.append(BreathingStep(elapsed, f"Round {cycle} of {cycles}: **{label}** for {seconds}…"))
            elapsed += seconds
        out.append(BreathingStep(elapsed, "Done. Notice your shoulders and your jaw, and let them drop. Well done."))
        return out
