"""The exam service on a real SQLite database: exams, attempts, bookings, reports, weak domains,
diagnosis, plans and server exams, each validated before anything is written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.data.loader import load_catalogue
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.domain.catalogue import CatalogueError
from bot.domain.diagnosis import Remedy
from bot.domain.plan import PhaseKind
from bot.domain.priority import Standing
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.catalogue_service import CatalogueService
from bot.services.exams import FIELDS_PER_PAGE, ExamService, report_pages

GUILD, ALICE, BOB, ADMIN = 1, 10, 20, 30
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday

SY0_PASTE = """CompTIA Security+ SY0-701 score report
Candidate ID: COMP001234
General Security Concepts: 80%
threats vulnerabilities and mitigations - 70%
3: 75%
SECURITY-OPERATIONS 55%
5.0 Security Program Management and Oversight 72%
"""

LOCAL_EXAM = b"""
code: HALL-101
name: Study Hall Networking Basics
vendor: Study Hall
policy: comptia
status: current
passing_score: 70
scale_min: 0
scale_max: 100
domains:
  - {number: "1", name: Cabling, weight: 40}
  - {number: "2", name: Routing, weight: 60}
"""


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(START)
    db = Database(str(tmp_path / "t.db"))
    await db.connect()
    await migrate(db, clock)
    service = ExamService(db, clock, CatalogueService(load_catalogue))
    yield db, clock, service
    await db.close()


async def count(db: Database, table: str) -> int:
    async with db.read() as tx:
        return await tx.scalar(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names in tests


async def booking(db: Database, user_id: int = ALICE) -> str | None:
    async with db.read() as tx:
        return await tx.scalar("SELECT booked_date FROM member_exams WHERE user_id = ? AND active = 1", (user_id,))


async def enrol(service: ExamService, code: str = "SY0-701", user_id: int = ALICE) -> None:
    await service.set_exam(GUILD, user_id, code)


# --- /exam set ------------------------------------------------------------------------------------


async def test_set_exam_makes_it_active(env):
    """A code typed loosely ('sy0 701') selects the exam and makes it the member's active one."""
    _, _, service = env
    result = await service.set_exam(GUILD, ALICE, "sy0 701")
    assert result.exam.code == "SY0-701"
    assert (await service.active_exam(GUILD, ALICE)).code == "SY0-701"


async def test_set_second_exam_keeps_the_first_inactive(env):
    """Several exams are allowed; only the newest is active and the others are listed."""
    _, _, service = env
    await enrol(service, "SY0-701")
    result = await service.set_exam(GUILD, ALICE, "N10-009")
    assert result.other_codes == ("SY0-701",)
    assert (await service.active_exam(GUILD, ALICE)).code == "N10-009"


async def test_unknown_exam_code_gets_suggestions_and_saves_nothing(env):
    """A mistyped code is refused with close codes as a hint; the member gets no exam row."""
    db, _, service = env
    with pytest.raises(NotFound) as caught:
        await service.set_exam(GUILD, ALICE, "SY0-710")
    assert "SY0-701" in caught.value.render()
    assert await count(db, "member_exams") == 0


async def test_retired_exam_points_to_its_successor(env):
    """Choosing a retired exam works (old reports stay readable) and names the successor."""
    _, _, service = env
    result = await service.set_exam(GUILD, ALICE, "220-1101")
    assert result.note is not None and "220-1201" in result.note


async def test_autocomplete_lists_the_members_exams_first(env):
    """The member's own exams come first, then the catalogue, at most 25."""
    _, _, service = env
    await enrol(service, "PMP")
    choices = await service.exam_choices(GUILD, ALICE, "")
    assert choices[0].code == "PMP"
    assert len(choices) <= 25
    assert all(len(c.label) <= 100 for c in choices)


# --- /exam attempt --------------------------------------------------------------------------------


async def test_failed_attempt_returns_the_eligible_date_rule_and_source(env):
    """A second CompTIA failure opens the retake 14 days later, with the rule and its source date."""
    _, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-02-01", passed=False)
    result = await service.record_attempt(GUILD, ALICE, "2026-02-20", passed=False, score=690)
    assert result.retake is not None
    assert result.retake.earliest_date == date(2026, 3, 6)
    assert "14 days" in result.retake.rule
    assert result.retake.source.as_of_text().startswith("as of ")
    assert result.attempt_number == 2


async def test_passed_attempt_has_no_retake(env):
    """A pass records the attempt and asks for nothing more."""
    _, _, service = env
    await enrol(service)
    result = await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=True)
    assert result.passed and result.retake is None


async def test_attempt_in_the_future_is_refused(env):
    """An attempt dated after today (in the member's zone) is refused and nothing is saved."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput, match="future"):
        await service.record_attempt(GUILD, ALICE, "2026-03-03", passed=False)
    assert await count(db, "exam_attempts") == 0


@pytest.mark.parametrize("typed", ["03/02/2026", "2026-02-30", "yesterday", ""])
async def test_attempt_date_must_be_a_real_iso_date(env, typed):
    """Dates that are not YYYY-MM-DD (or do not exist) are refused with the format to use."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput) as caught:
        await service.record_attempt(GUILD, ALICE, typed, passed=False)
    assert "YYYY-MM-DD" in caught.value.render()
    assert await count(db, "exam_attempts") == 0


@pytest.mark.parametrize("score", [50, 901, -1])
async def test_score_outside_the_exam_scale_is_refused(env, score):
    """Security+ scores run 100–900; anything else is refused before saving."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput, match="scale"):
        await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False, score=score)
    assert await count(db, "exam_attempts") == 0


async def test_attempt_without_an_exam_asks_to_choose_one(env):
    """Recording an attempt before /exam set explains what to do first."""
    _, _, service = env
    with pytest.raises(NotFound, match="not chosen"):
        await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False)


async def test_the_same_attempt_twice_is_a_conflict(env):
    """Two attempts of one exam on one day are refused; the first stays."""
    db, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False)
    with pytest.raises(Conflict):
        await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False)
    assert await count(db, "exam_attempts") == 1


async def test_attempt_on_the_booked_day_uses_up_the_booking(env):
    """Recording the attempt a booking was for clears the booking."""
    db, clock, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-03-05")
    clock.advance(days=4)
    result = await service.record_attempt(GUILD, ALICE, "2026-03-05", passed=False)
    assert result.booking_cleared == date(2026, 3, 5)
    assert await booking(db) is None


async def countdown_rows(db) -> list[tuple[str, str]]:
    async with db.read() as tx:
        rows = await tx.fetchall(
            "SELECT status, payload FROM scheduled_deliveries WHERE kind = 'countdown' ORDER BY due_at"
        )
    return [(r["status"], json.loads(r["payload"])["milestone"]) for r in rows]


async def test_booking_schedules_the_countdown_and_rebooking_moves_it(env):
    """A booking schedules T-21 … T+1 in the same unit of work; a new date replaces the old milestones."""
    db, _, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-04-30")
    assert [m for status, m in await countdown_rows(db) if status == "pending"] == ["t-21", "t-7", "t-2", "eve", "t+1"]
    await service.book(GUILD, ALICE, "2026-05-20")
    rows = await countdown_rows(db)
    assert sum(1 for status, _ in rows if status == "pending") == 5
    assert sum(1 for status, _ in rows if status == "cancelled") == 5


async def test_attempt_that_uses_up_the_booking_cancels_the_countdown(env):
    """When the booked attempt is recorded, the remaining countdown messages are cancelled."""
    db, clock, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-03-05")
    clock.advance(days=4)
    await service.record_attempt(GUILD, ALICE, "2026-03-05", passed=False)
    assert all(status != "pending" for status, _ in await countdown_rows(db))


# --- /exam book -----------------------------------------------------------------------------------


async def test_booking_in_the_past_is_refused(env):
    """A booking for a day that has passed is refused and nothing is stored."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput, match="already passed"):
        await service.book(GUILD, ALICE, "2026-03-01")
    assert await booking(db) is None


async def test_booking_before_the_eligible_date_is_refused_with_the_rule(env):
    """Before the 14-day wait ends the booking is refused, naming the opening date and the rule."""
    db, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-02-20", passed=False)
    await service.record_attempt(GUILD, ALICE, "2026-02-28", passed=False)
    with pytest.raises(Conflict) as caught:
        await service.book(GUILD, ALICE, "2026-03-10")
    assert "2026-03-14" in caught.value.message and "14 days" in caught.value.message
    assert await booking(db) is None


async def test_booking_on_the_eligible_date_is_stored(env):
    """A booking on the first eligible day is saved and readable by other features."""
    _, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-02-20", passed=False)
    await service.record_attempt(GUILD, ALICE, "2026-02-28", passed=False)
    made = await service.book(GUILD, ALICE, "2026-03-14")
    assert made.booked_date == date(2026, 3, 14)
    booked = await service.booked(GUILD, ALICE)
    assert booked is not None and booked.booked_date == date(2026, 3, 14)
    assert booked.booked_at == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


async def test_booking_beyond_the_attempt_cap_is_refused(env):
    """Microsoft allows 5 attempts in 12 months from the first: a 6th inside the window is refused."""
    db, clock, service = env
    await enrol(service, "AZ-900")
    for day in ("2025-05-01", "2025-05-20", "2025-06-10", "2025-07-01", "2025-07-20"):
        await service.record_attempt(GUILD, ALICE, day, passed=False)
    with pytest.raises(Conflict) as caught:
        await service.book(GUILD, ALICE, "2026-04-01")
    assert "5th attempt in 12 months" in caught.value.message
    assert await booking(db) is None
    assert (await service.eligible_date(GUILD, ALICE)).earliest_date == date(2026, 5, 1)


# --- /exam info -----------------------------------------------------------------------------------


async def test_info_shows_the_blueprint_policy_and_sources(env):
    """Info for a code gives the exam, its retake policy, and dates for both sources."""
    _, _, service = env
    info = await service.info(GUILD, ALICE, "AZ-900")
    assert info.exam.code == "AZ-900" and info.policy.id == "microsoft"
    assert info.exam.source.as_of and info.policy.source.as_of
    assert info.retake is None and not info.is_member_exam


async def test_info_without_a_code_uses_the_active_exam(env):
    """With no code, info is about the member's active exam, with their eligibility."""
    _, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False)
    info = await service.info(GUILD, ALICE)
    assert info.exam.code == "SY0-701" and info.retake is not None


# --- /report --------------------------------------------------------------------------------------


def test_report_pages_hold_at_most_five_fields_with_short_labels():
    """Every modal page fits Discord: ≤ 5 inputs, labels ≤ 45 characters; objectives come last."""
    for exam in load_catalogue().exams():
        if not exam.domains:
            continue
        pages = report_pages(exam)
        assert all(len(p.fields) <= FIELDS_PER_PAGE for p in pages)
        assert all(len(f.label) <= 45 for p in pages for f in p.fields)
        assert pages[-1].fields[0].key == "objectives"


async def test_report_pages_then_confirm_saves_the_report(env):
    """Values typed page by page are previewed, then saved on confirm with estimates; the draft goes."""
    db, _, service = env
    await enrol(service)
    await service.record_attempt(GUILD, ALICE, "2026-03-01", passed=False)
    draft = await service.start_report(GUILD, ALICE)
    preview = await service.save_report_page(
        GUILD, ALICE, draft.draft_id, {"1.0": "80", "2.0": "near", "3.0": "", "4.0": "55%", "5.0": ""}
    )
    assert [line.value for line in preview.lines][:2] == ["80%", "near the target (≈75%, estimate)"]
    assert await count(db, "score_reports") == 0
    saved = await service.confirm_report(GUILD, ALICE, draft.draft_id)
    assert saved.ranking[0].domain_number == "4.0"
    assert await count(db, "score_reports") == 1
    assert await count(db, "report_drafts") == 0
    async with db.read() as tx:
        attempt_id = await tx.scalar("SELECT attempt_id FROM score_reports")
    assert attempt_id is not None


async def test_missed_objectives_page_maps_to_domains(env):
    """CompTIA's missed objectives ('4.2, 4.5') land on their domains as estimates."""
    _, _, service = env
    await enrol(service)
    draft = await service.start_report(GUILD, ALICE)
    preview = await service.save_report_page(GUILD, ALICE, draft.draft_id, {"objectives": "4.2, 4.5, 2.3"})
    by_domain = {line.domain.split()[0]: line.value for line in preview.lines}
    assert by_domain["4.0"].startswith("missed 4.2, 4.5")
    assert by_domain["1.0"].startswith("no objective missed")


@pytest.mark.parametrize("value", ["120", "-5%", "101%"])
async def test_percentage_outside_0_to_100_leaves_the_draft_unchanged(env, value):
    """A percentage outside 0–100 is refused and the earlier pages stay as they were."""
    _, _, service = env
    await enrol(service)
    draft = await service.start_report(GUILD, ALICE)
    await service.save_report_page(GUILD, ALICE, draft.draft_id, {"1.0": "80"})
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        await service.save_report_page(GUILD, ALICE, draft.draft_id, {"2.0": value})
    again = await service.report_draft(GUILD, ALICE, draft.draft_id)
    assert again.values == {"1.0": "80"}


async def test_paste_matches_domains_by_name_case_punctuation_and_number(env):
    """Pasted lines match domains case- and punctuation-insensitively and by number; headers come back."""
    db, _, service = env
    await enrol(service)
    preview = await service.preview_paste(GUILD, ALICE, SY0_PASTE)
    assert len(preview.lines) == 5
    assert any("Candidate ID" in line for line in preview.unparsed)
    assert await count(db, "score_reports") == 0
    await service.confirm_report(GUILD, ALICE, preview.draft_id)
    weak = await service.weak(GUILD, ALICE)
    assert weak.ranking[0].domain_number == "4.0" and weak.ranking[0].label is Standing.WEAK


async def test_paste_with_an_impossible_percentage_saves_nothing(env):
    """A pasted 130% is a clear error; no draft and no report are kept."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        await service.preview_paste(GUILD, ALICE, "Security Operations: 130%")
    assert await count(db, "report_drafts") == 0


async def test_paste_with_nothing_readable_cannot_be_saved(env):
    """Text with no domain result gives a preview showing every line, with nothing to save."""
    _, _, service = env
    await enrol(service)
    preview = await service.preview_paste(GUILD, ALICE, "hello\nthis is not a report")
    assert not preview.can_save and len(preview.unparsed) == 2
    with pytest.raises(InvalidInput):
        await service.confirm_report(GUILD, ALICE, preview.draft_id)


async def test_a_draft_belongs_to_its_member(env):
    """Another member cannot confirm someone else's draft."""
    db, _, service = env
    await enrol(service)
    preview = await service.preview_paste(GUILD, ALICE, SY0_PASTE)
    with pytest.raises(NotFound):
        await service.confirm_report(GUILD, BOB, preview.draft_id)
    assert await count(db, "score_reports") == 0


async def test_a_draft_survives_a_new_service(env, tmp_path):
    """The preview is kept in the database, so a restarted bot can still confirm it."""
    db, clock, service = env
    await enrol(service)
    preview = await service.preview_paste(GUILD, ALICE, SY0_PASTE)
    restarted = ExamService(db, clock, CatalogueService(load_catalogue))
    saved = await restarted.confirm_report(GUILD, ALICE, preview.draft_id)
    assert saved.exam_code == "SY0-701"


# --- /weak ----------------------------------------------------------------------------------------


async def test_weak_without_a_report_orders_by_blueprint_weight(env):
    """With no report yet, the heaviest domain comes first and the note says why."""
    _, _, service = env
    await enrol(service)
    weak = await service.weak(GUILD, ALICE)
    assert weak.ranking[0].domain_number == "4.0"
    assert not weak.ranking.has_report and weak.report_date is None


# --- /diagnose ------------------------------------------------------------------------------------


async def test_diagnosis_is_stored_with_causes_and_remedies(env):
    """Answers become causes and remedies, stored for the plan."""
    db, _, service = env
    await enrol(service)
    view = await service.diagnose(GUILD, ALICE, {"clock": ["ran_out"], "resources": ["video"]})
    ids = {c.id.value for c in view.diagnosis.causes}
    assert {"ran_out_of_time", "single_resource", "no_hands_on"} <= ids
    assert view.remedy_actions
    assert await count(db, "diagnoses") == 1


async def test_diagnosis_with_an_unknown_answer_saves_nothing(env):
    """An option that is not in the questionnaire is refused before saving."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput):
        await service.diagnose(GUILD, ALICE, {"clock": ["sideways"]})
    assert await count(db, "diagnoses") == 0


async def test_diagnosis_needs_at_least_one_answer(env):
    """An empty questionnaire is refused."""
    _, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput):
        await service.diagnose(GUILD, ALICE, {"clock": []})


# --- /plan ----------------------------------------------------------------------------------------


async def test_plan_without_booking_aims_at_a_proposed_date_with_default_hours(env):
    """No booking: the plan proposes a date six weeks out and says which hours it assumed."""
    _, _, service = env
    await enrol(service)
    view = await service.plan(GUILD, ALICE)
    assert not view.plan.exam_date_booked
    assert view.plan.exam_date == date(2026, 4, 13)
    assert view.hours_from == "default"
    assert view.plan.phases[-1].kind is PhaseKind.LIGHT_REVIEW


async def test_plan_uses_the_booking_and_keeps_the_hours(env):
    """A booked date is the plan's end; hours given once are remembered for the next plan."""
    _, _, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-04-20")
    first = await service.plan(GUILD, ALICE, hours_per_week=10)
    assert first.plan.exam_date == date(2026, 4, 20) and first.plan.exam_date_booked
    second = await service.plan(GUILD, ALICE)
    assert second.hours_from == "saved" and second.plan.hours_per_week == 10


async def test_plan_is_rebuilt_after_a_new_booking(env):
    """Booking a different date changes the next plan."""
    _, _, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-04-20")
    before = await service.plan(GUILD, ALICE, hours_per_week=8)
    await service.book(GUILD, ALICE, "2026-05-18")
    after = await service.plan(GUILD, ALICE)
    assert after.plan.exam_date == date(2026, 5, 18)
    assert after.plan.total_hours > before.plan.total_hours


@pytest.mark.parametrize("hours", [0, -3, 200])
async def test_plan_hours_out_of_range_are_refused_and_not_kept(env, hours):
    """Impossible weekly hours are refused and the saved hours stay as they were."""
    db, _, service = env
    await enrol(service)
    with pytest.raises(InvalidInput):
        await service.plan(GUILD, ALICE, hours_per_week=hours)
    async with db.read() as tx:
        assert await tx.scalar("SELECT hours_per_week FROM member_exams") is None


async def test_plan_includes_the_diagnosis_remedies(env):
    """Running out of time in the diagnosis puts timed practice into the plan."""
    _, _, service = env
    await enrol(service)
    await service.diagnose(GUILD, ALICE, {"clock": ["ran_out"]})
    view = await service.plan(GUILD, ALICE, hours_per_week=8)
    assert Remedy.TIMED_PRACTICE in view.remedies
    assert view.diagnosis_date == START.date()


async def test_plan_follows_the_latest_report(env):
    """After a report the intensive phase starts with the weakest heavy domain."""
    _, _, service = env
    await enrol(service)
    preview = await service.preview_paste(GUILD, ALICE, SY0_PASTE)
    await service.confirm_report(GUILD, ALICE, preview.draft_id)
    view = await service.plan(GUILD, ALICE, hours_per_week=8)
    intensive = view.plan.phase(PhaseKind.INTENSIVE)
    assert intensive is not None and intensive.focus_domains[0] == "4.0"
    assert view.report_date == START.date()


async def test_plan_ignores_a_booking_that_has_passed(env):
    """A booked day in the past is not used; the plan says to record or rebook."""
    _, clock, service = env
    await enrol(service)
    await service.book(GUILD, ALICE, "2026-03-04")
    clock.advance(timedelta(days=5))
    view = await service.plan(GUILD, ALICE)
    assert not view.plan.exam_date_booked
    assert any("has passed" in note for note in view.notes)


# --- /exam define ---------------------------------------------------------------------------------


async def test_define_needs_manage_server(env):
    """A member without Manage Server cannot define an exam."""
    db, _, service = env
    with pytest.raises(NotAllowed):
        await service.define_local_exam(GUILD, BOB, can_manage=False, filename="x.yaml", data=LOCAL_EXAM)
    assert await count(db, "local_exams") == 0


async def test_defined_exam_is_usable_on_that_server_only(env):
    """A valid definition is saved, can be set and autocompleted here, and is unknown elsewhere."""
    _, _, service = env
    result = await service.define_local_exam(GUILD, ADMIN, can_manage=True, filename="hall.yaml", data=LOCAL_EXAM)
    assert [e.code for e in result.exams] == ["HALL-101"]
    await service.set_exam(GUILD, ALICE, "hall-101")
    assert "HALL-101" in [c.code for c in await service.exam_choices(GUILD, BOB, "hall")]
    with pytest.raises(NotFound):
        await service.set_exam(GUILD + 1, ALICE, "HALL-101")


async def test_redefining_a_local_exam_replaces_it(env):
    """Uploading the same code again updates the server's exam."""
    _, _, service = env
    await service.define_local_exam(GUILD, ADMIN, can_manage=True, filename="hall.yaml", data=LOCAL_EXAM)
    again = await service.define_local_exam(
        GUILD, ADMIN, can_manage=True, filename="hall.yaml", data=LOCAL_EXAM.replace(b"Basics", b"Essentials")
    )
    assert again.replaced == ("HALL-101",)
    assert (await service.info(GUILD, ALICE, "HALL-101")).exam.name.endswith("Essentials")


@pytest.mark.parametrize(
    ("filename", "data", "error"),
    [
        ("hall.yaml", LOCAL_EXAM.replace(b"HALL-101", b"SY0-701"), CatalogueError),
        ("hall.yaml", LOCAL_EXAM.replace(b"weight: 60", b"weight: 70"), CatalogueError),
        ("hall.yaml", LOCAL_EXAM.replace(b"policy: comptia", b"policy: nobody"), CatalogueError),
        ("hall.yaml", b"code: [unclosed", InvalidInput),
        ("hall.txt", LOCAL_EXAM, InvalidInput),
        ("hall.yaml", b"- just\n- a list\n", InvalidInput),
    ],
    ids=["shipped-code", "weights", "policy", "yaml", "extension", "not-a-mapping"],
)
async def test_invalid_definitions_are_refused_and_nothing_saved(env, filename, data, error):
    """Clashes with shipped codes, bad weights, unknown policies and broken files are refused."""
    db, _, service = env
    with pytest.raises(error):
        await service.define_local_exam(GUILD, ADMIN, can_manage=True, filename=filename, data=data)
    assert await count(db, "local_exams") == 0
