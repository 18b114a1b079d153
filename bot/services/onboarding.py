"""The welcome flow from "I failed an exam" to the member's plan, one skippable step at a time.

Each step calls the service its command uses (``/exam set``, ``/exam attempt``, ``/report``, ``/weak``,
``/settings timezone``, ``/remind``, ``/partner join``, ``/privacy board``, ``/cohort``, ``/plan``), so
the flow never has rules of its own; this service only remembers where the member is, so the flow can be
left at any point and resumed later (the progress is in the database, not in a view).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.community import OnboardingRepo, OnboardingRow
from bot.db.repositories.members import Members
from bot.domain.exams import Exam
from bot.domain.priority import Ranking
from bot.errors import InvalidInput, NotFound
from bot.services.board import BoardService
from bot.services.cohorts import CohortJoined, CohortService
from bot.services.exams import AttemptRecorded, ExamChoice, ExamService, PlanView, RetakeView
from bot.services.guild_settings import features_in
from bot.services.partners import PartnerService
from bot.services.reminders import ReminderService
from bot.services.settings import MemberSettings, SettingsService

#: Every step, in the order a member meets them; "plan" is always last.
STEPS: tuple[str, ...] = (
    "exam", "attempt", "report", "results", "timezone", "reminder", "partners", "board", "plan",
)
#: A step is offered when at least one of these features is on (steps not listed are always offered).
STEP_FEATURES: dict[str, tuple[str, ...]] = {
    "reminder": ("checkins",),
    "partners": ("partners",),
}
DEFAULT_REMINDER_DAYS = "daily"


def active_steps(enabled_features: Collection[str]) -> tuple[str, ...]:
    """The steps this server offers, given its switched-on features."""
    return tuple(s for s in STEPS if s not in STEP_FEATURES or any(f in enabled_features for f in STEP_FEATURES[s]))


def next_step(steps: Sequence[str], after: str, done: Collection[str], skipped: Collection[str]) -> str:
    """The first step after ``after`` that is neither done nor skipped; the plan when none is left."""
    position = steps.index(after) if after in steps else -1
    for step in steps[position + 1:]:
        if step not in done and step not in skipped:
            return step
    return steps[-1]


@dataclass(frozen=True)
class OnboardingState:
    step: str
    steps: tuple[str, ...]  # the steps this server offers, in order
    done: tuple[str, ...]
    skipped: tuple[str, ...]
    resumed: bool  # the member had started before and comes back
    finished: bool
    note: str | None = None  # what the last action did, shown above the next step

    @property
    def index(self) -> int:
        return self.steps.index(self.step) + 1 if self.step in self.steps else len(self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class ResultsView:
    exam: Exam | None
    retake: RetakeView | None
    ranking: Ranking


def _state(row: OnboardingRow, steps: tuple[str, ...], *, resumed: bool = False, note: str | None = None
           ) -> OnboardingState:
    step = row.step if row.step in steps else next_step(steps, row.step, row.done_steps, row.skipped_steps)
    return OnboardingState(step, steps, row.done_steps, row.skipped_steps, resumed, row.finished_at is not None,
                           note)


class OnboardingService:
    def __init__(
        self, db: Database, clock: Clock, *, exams: ExamService, settings: SettingsService,
        reminders: ReminderService, partners: PartnerService, board: BoardService, cohorts: CohortService,
    ) -> None:
        self.db = db
        self.clock = clock
        self.exams = exams
        self.settings = settings
        self.reminders = reminders
        self.partners = partners
        self.board = board
        self.cohorts = cohorts

    def _now(self) -> int:
        return to_epoch(self.clock.now())

    async def _steps(self, tx: Tx, guild_id: int) -> tuple[str, ...]:
        return active_steps(await features_in(tx, guild_id))

    async def _row(self, tx: Tx, guild_id: int, user_id: int, steps: tuple[str, ...]) -> OnboardingRow:
        """The member's progress, created at the first step when there is none."""
        repo = OnboardingRepo(tx)
        row = await repo.get(guild_id, user_id)
        if row is None:
            now = self._now()
            await Members(tx).ensure(guild_id, user_id, now)
            await repo.save(guild_id, user_id, step=steps[0], done=(), skipped=(), finished_at=None, now=now)
            row = await repo.get(guild_id, user_id)
            assert row is not None
        return row

    async def _move(
        self, guild_id: int, user_id: int, step: str, *, outcome: str, note: str | None = None,
        finished: bool = False,
    ) -> OnboardingState:
        """Mark ``step`` done or skipped; when it was the current step, go on to the next one."""
        if step not in STEPS:
            raise InvalidInput("That step isn't part of the welcome flow.")
        async with self.db.transaction() as tx:
            steps = await self._steps(tx, guild_id)
            row = await self._row(tx, guild_id, user_id, steps)
            done = [s for s in row.done_steps if s != step]
            skipped = [s for s in row.skipped_steps if s != step]
            (done if outcome == "done" else skipped).append(step)
            current = row.step if row.step in steps else next_step(steps, row.step, done, skipped)
            if current == step or current in done:
                current = next_step(steps, step, done, skipped)
            now = self._now()
            finished_at = row.finished_at or (now if finished else None)
            await OnboardingRepo(tx).save(guild_id, user_id, step=current, done=tuple(done), skipped=tuple(skipped),
                                          finished_at=finished_at, now=now)
            updated = await OnboardingRepo(tx).get(guild_id, user_id)
        assert updated is not None
        return _state(updated, steps, note=note)

    # --- moving through the flow ---------------------------------------------------------------
    async def start(self, guild_id: int, user_id: int) -> OnboardingState:
        """Begin the flow, or pick it up where the member left it."""
        async with self.db.transaction() as tx:
            steps = await self._steps(tx, guild_id)
            existing = await OnboardingRepo(tx).get(guild_id, user_id)
            row = await self._row(tx, guild_id, user_id, steps)
        resumed = existing is not None and bool(existing.done_steps or existing.skipped_steps)
        return _state(row, steps, resumed=resumed)

    async def state(self, guild_id: int, user_id: int) -> OnboardingState:
        async with self.db.transaction() as tx:
            steps = await self._steps(tx, guild_id)
            row = await self._row(tx, guild_id, user_id, steps)
        return _state(row, steps)

    async def skip(self, guild_id: int, user_id: int, step: str) -> OnboardingState:
        return await self._move(guild_id, user_id, step, outcome="skipped")

    async def go_to(self, guild_id: int, user_id: int, step: str) -> OnboardingState:
        """Show ``step`` again (a skipped step, or any earlier one) without losing the rest."""
        if step not in STEPS:
            raise InvalidInput("That step isn't part of the welcome flow.")
        async with self.db.transaction() as tx:
            steps = await self._steps(tx, guild_id)
            if step not in steps:
                raise InvalidInput("That step is switched off on this server.")
            row = await self._row(tx, guild_id, user_id, steps)
            await OnboardingRepo(tx).save(guild_id, user_id, step=step, done=row.done_steps,
                                          skipped=row.skipped_steps, finished_at=row.finished_at, now=self._now())
            updated = await OnboardingRepo(tx).get(guild_id, user_id)
        assert updated is not None
        return _state(updated, steps)

    async def restart(self, guild_id: int, user_id: int) -> OnboardingState:
        """Start over from the first step (what was saved along the way stays saved)."""
        async with self.db.transaction() as tx:
            steps = await self._steps(tx, guild_id)
            await self._row(tx, guild_id, user_id, steps)
            await OnboardingRepo(tx).save(guild_id, user_id, step=steps[0], done=(), skipped=(), finished_at=None,
                                          now=self._now())
            row = await OnboardingRepo(tx).get(guild_id, user_id)
        assert row is not None
        return _state(row, steps)

    # --- the steps: each one calls the service its command uses --------------------------------
    async def exam_choices(self, guild_id: int, user_id: int, typed: str = "") -> list[ExamChoice]:
        return await self.exams.exam_choices(guild_id, user_id, typed)

    async def current_exam(self, guild_id: int, user_id: int) -> Exam | None:
        return await self.exams.active_exam(guild_id, user_id)

    async def choose_exam(self, guild_id: int, user_id: int, code: str) -> OnboardingState:
        result = await self.exams.set_exam(guild_id, user_id, code)
        note = f"You're preparing for **{result.exam.code} · {result.exam.name}**."
        if result.note:
            note += f" {result.note}"
        return await self._move(guild_id, user_id, "exam", outcome="done", note=note)

    async def keep_exam(self, guild_id: int, user_id: int) -> OnboardingState:
        exam = await self.exams.active_exam(guild_id, user_id)
        if exam is None:
            raise InvalidInput("You haven't chosen an exam yet.", hint="Pick it from the list, or type its code.")
        return await self._move(guild_id, user_id, "exam", outcome="done",
                                note=f"You're preparing for **{exam.code} · {exam.name}**.")

    async def record_attempt(
        self, guild_id: int, user_id: int, day_text: str, score_text: str | None = None,
    ) -> tuple[AttemptRecorded, OnboardingState]:
        score = None
        if score_text is not None and score_text.strip():
            try:
                score = float(score_text.strip().replace(",", "."))
            except ValueError as exc:
                raise InvalidInput(f"{score_text.strip()[:30]!r} isn't a number.",
                                   hint="Type the overall score as printed on your report, or leave it empty.") from exc
        recorded = await self.exams.record_attempt(guild_id, user_id, day_text, passed=False, score=score)
        note = f"Your {recorded.exam.code} attempt on {recorded.taken_on.isoformat()} is recorded."
        if recorded.retake is not None and recorded.retake.blocked_reason is None:
            note += f" Earliest retake: **{recorded.retake.earliest_text}**."
        state = await self._move(guild_id, user_id, "attempt", outcome="done", note=note)
        return recorded, state

    async def finish_report(self, guild_id: int, user_id: int) -> OnboardingState:
        """Leave the report step: done when a score report is saved, skipped when not (it can be entered later)."""
        ranking = await self.exams.weak_domains(guild_id, user_id)
        if ranking.has_report:
            return await self._move(guild_id, user_id, "report", outcome="done", note="Your score report is saved.")
        return await self._move(guild_id, user_id, "report", outcome="skipped",
                                note="No score report yet: you can enter it any time with /report enter.")

    async def results(self, guild_id: int, user_id: int) -> ResultsView:
        exam = await self.exams.active_exam(guild_id, user_id)
        retake = await self.exams.eligible_date(guild_id, user_id)
        ranking = await self.exams.weak_domains(guild_id, user_id)
        return ResultsView(exam, retake, ranking)

    async def acknowledge_results(self, guild_id: int, user_id: int) -> OnboardingState:
        return await self._move(guild_id, user_id, "results", outcome="done")

    async def timezone(self, guild_id: int, user_id: int) -> MemberSettings:
        return await self.settings.show(guild_id, user_id)

    async def set_timezone(self, guild_id: int, user_id: int, typed: str) -> OnboardingState:
        result = await self.settings.set_timezone(guild_id, user_id, typed)
        return await self._move(guild_id, user_id, "timezone", outcome="done",
                                note=f"Your time zone is now **{result.timezone}**.")

    async def set_reminder(self, guild_id: int, user_id: int, time_text: str,
                           days: str = DEFAULT_REMINDER_DAYS) -> OnboardingState:
        item = await self.reminders.add_checkin_reminder(guild_id, user_id, time=time_text, days=days)
        return await self._move(guild_id, user_id, "reminder", outcome="done",
                                note=f"Check-in reminder set: {item.text}. Change it any time with /remind.")

    async def join_partners(self, guild_id: int, user_id: int, hours: str | None = None) -> OnboardingState:
        status = await self.partners.join(guild_id, user_id, hours=hours)
        when = f" The next pairing is <t:{to_epoch(status.next_round_at)}:R>." if status.next_round_at else ""
        return await self._move(guild_id, user_id, "partners", outcome="done",
                                note=f"You're in the study-partner pool for {status.exam_code}.{when}")

    async def join_board(
        self, guild_id: int, user_id: int, *, board: bool, cohort: bool,
    ) -> tuple[OnboardingState, CohortJoined | None]:
        """Appear on the progress board and/or be listed in the exam's cohort."""
        if not board and not cohort:
            raise InvalidInput("Choose at least one, or skip this step.")
        notes = []
        if board:
            await self.board.set_on_board(guild_id, user_id, True)
            notes.append("You'll appear on the progress board (effort only, never a score; /privacy board "
                         "turns it off).")
        joined = None
        if cohort:
            joined = await self.cohorts.join(guild_id, user_id)
            notes.append(f"You're listed in the {joined.exam_code} cohort ({joined.member_count} so far): see /cohort.")
        state = await self._move(guild_id, user_id, "board", outcome="done", note=" ".join(notes))
        return state, joined

    async def plan(self, guild_id: int, user_id: int) -> tuple[PlanView | None, OnboardingState]:
        """The last step: the member's plan (None when no exam was chosen), and the flow marked finished."""
        try:
            view: PlanView | None = await self.exams.plan(guild_id, user_id)
        except NotFound:
            view = None
        state = await self._move(guild_id, user_id, "plan", outcome="done" if view else "skipped", finished=True)
        return view, state
