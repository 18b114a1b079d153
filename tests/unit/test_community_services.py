"""Server settings, onboarding, cohorts and the resource library on a real SQLite database with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.community import OnboardingRepo, ResourceRepo
from bot.db.repositories.members import Guilds
from bot.db.repositories.quiz import QuizRounds
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.container import Services
from bot.services.guild_settings import DEFAULT_DISABLED, FEATURES, missing_permissions
from bot.services.onboarding import STEPS, active_steps, next_step
from bot.services.resources import MAX_ADDITIONS_PER_DAY, link_key

G, ADMIN, ALICE, BOB, CARO = 1, 5, 10, 11, 12
EXAM = "SY0-701"


@pytest.fixture
async def env(tmp_path):
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    db = Database(str(tmp_path / "community.db"))
    await db.connect()
    await migrate(db, clock)
    yield db, clock, Services.build(db, clock)
    await db.close()


async def with_exam(services, user_id, code=EXAM):
    await services.exams.set_exam(G, user_id, code)


def resource(n: int = 1, **overrides):
    fields = {
        "title": f"Practice set {n}", "url": f"https://example.com/set/{n}", "resource_type": "practice_questions",
        "why": "The explanations showed me why my answers were wrong.", "exam_code": EXAM,
    }
    return {**fields, **overrides}


# --- server settings -------------------------------------------------------------------------------


async def test_settings_default_before_any_setup(env):
    """A server nobody set up reads the defaults: UTC, rule 3/10, weekly pairing, all but the DM feature on."""
    _, _, services = env
    settings = await services.guild_settings.settings_for(G)
    assert (settings.timezone, settings.readiness_required, settings.readiness_buffer) == ("UTC", 3, 10.0)
    assert settings.pairing_every_days == 7
    assert settings.enabled_features == frozenset(FEATURES) - DEFAULT_DISABLED
    assert not settings.setup_done and settings.welcome_channel_id is None


async def test_channels_are_saved_where_each_belongs(env):
    """Quiz and welcome live in the server settings, check-ins with accountability, the board with the board."""
    _, _, services = env
    gs = services.guild_settings
    for role, channel in (("checkins", 100), ("board", 101), ("quiz", 102), ("welcome", 103)):
        await gs.set_channel(G, ADMIN, can_manage=True, role=role, channel_id=channel)
    settings = await gs.settings_for(G)
    assert [settings.channel(r) for r in ("checkins", "board", "quiz", "welcome")] == [100, 101, 102, 103]
    assert await services.board.board_channel(G) == 101


@pytest.mark.parametrize("change", [
    lambda gs: gs.set_channel(G, BOB, can_manage=False, role="board", channel_id=9),
    lambda gs: gs.set_timezone(G, BOB, can_manage=False, typed="Europe/Berlin"),
    lambda gs: gs.set_readiness(G, BOB, can_manage=False, required=2),
    lambda gs: gs.set_pairing(G, BOB, can_manage=False, every_days=14),
    lambda gs: gs.set_features(G, BOB, can_manage=False, enabled=[]),
    lambda gs: gs.record_welcome_panel(G, BOB, can_manage=False, channel_id=1, message_id=2),
])
async def test_changes_need_manage_server(env, change):
    """Every change is refused without Manage Server, and nothing is written."""
    _, _, services = env
    before = await services.guild_settings.settings_for(G)
    with pytest.raises(NotAllowed):
        await change(services.guild_settings)
    assert await services.guild_settings.settings_for(G) == before


async def test_server_time_zone_is_resolved_forgivingly(env):
    """'europe/berlin' becomes Europe/Berlin; an unknown zone is refused with a suggestion."""
    _, _, services = env
    settings = await services.guild_settings.set_timezone(G, ADMIN, can_manage=True, typed="europe/berlin")
    assert settings.timezone == "Europe/Berlin"
    with pytest.raises(InvalidInput):
        await services.guild_settings.set_timezone(G, ADMIN, can_manage=True, typed="Mars/Olympus")
    assert (await services.guild_settings.settings_for(G)).timezone == "Europe/Berlin"


async def test_readiness_rule_goes_through_the_readiness_service(env):
    """The rule is stored where mocks read it, and an out-of-range value is refused."""
    _, _, services = env
    await services.guild_settings.set_readiness(G, ADMIN, can_manage=True, required=2, buffer=12)
    rule = await services.readiness.rule(G)
    assert (rule.required, rule.buffer) == (2, 12.0)
    with pytest.raises(InvalidInput):
        await services.guild_settings.set_readiness(G, ADMIN, can_manage=True, required=7)
    assert (await services.readiness.rule(G)).required == 2


async def test_pairing_cadence_uses_the_check_in_channel_for_threads(env):
    """Pairing every 14 days; partner threads open in the check-in channel."""
    _, _, services = env
    await services.guild_settings.set_channel(G, ADMIN, can_manage=True, role="checkins", channel_id=100)
    settings = await services.guild_settings.set_pairing(G, ADMIN, can_manage=True, every_days=14)
    assert (settings.pairing_every_days, settings.pairing_channel_id) == (14, 100)


async def test_features_switch_on_and_off(env):
    """Chosen features are on, the rest off; an unknown feature is refused."""
    _, _, services = env
    settings = await services.guild_settings.set_features(G, ADMIN, can_manage=True, enabled=["quiz", "welcome_dm"])
    assert settings.enabled_features == {"quiz", "welcome_dm"}
    with pytest.raises(InvalidInput):
        await services.guild_settings.set_features(G, ADMIN, can_manage=True, enabled=["karaoke"])
    assert not await services.guild_settings.feature_enabled(G, "partners")


async def test_setup_guide_goes_out_once_per_join(env):
    """The guide is claimed once; a server that removed the bot and adds it again gets it again."""
    db, clock, services = env
    assert await services.guild_settings.guild_joined(G) is True
    assert await services.guild_settings.guild_joined(G) is False
    async with db.transaction() as tx:
        await Guilds(tx).mark_left(G, to_epoch(clock.now()))
    assert await services.guild_settings.guild_joined(G) is True


async def test_servers_from_before_get_no_guide(env):
    """A server Rebound was in long before (now merely back online) or that finished setup gets no guide."""
    db, clock, services = env
    async with db.transaction() as tx:
        await Guilds(tx).ensure(G, to_epoch(clock.now()))
    clock.advance(hours=2)
    assert await services.guild_settings.guild_joined(G) is False
    await services.guild_settings.record_welcome_panel(2, ADMIN, can_manage=True, channel_id=7, message_id=70)
    assert await services.guild_settings.guild_joined(2) is False


def test_missing_permissions_say_what_and_why():
    """Only what the bot lacks is listed, each with its reason."""
    missing = missing_permissions("board", {"view_channel", "send_messages", "embed_links", "read_message_history"})
    assert [n.permission for n in missing] == ["attach_files", "create_public_threads", "send_messages_in_threads"]
    assert all(n.why for n in missing)
    assert missing_permissions("quiz", {"view_channel", "send_messages", "embed_links", "read_message_history"}) == ()


async def test_posting_the_welcome_panel_finishes_setup(env):
    """Recording the posted panel remembers its message and marks setup done."""
    _, _, services = env
    settings = await services.guild_settings.record_welcome_panel(G, ADMIN, can_manage=True, channel_id=7,
                                                                  message_id=70)
    assert (settings.welcome_channel_id, settings.welcome_message_id, settings.setup_done) == (7, 70, True)


# --- onboarding ------------------------------------------------------------------------------------


def test_steps_follow_the_features():
    """Switching partners off drops that step; check-ins off drops the reminder; the rest stay."""
    steps = active_steps({"checkins", "cohorts", "quiz"})
    assert "partners" not in steps and "reminder" in steps and steps[-1] == "plan"
    assert active_steps(()) == ("exam", "attempt", "report", "results", "timezone", "board", "plan")


def test_next_step_passes_over_finished_ones():
    """After a revisited step the flow goes on to the first step not yet done or skipped."""
    assert next_step(STEPS, "report", done={"exam", "attempt", "results"}, skipped=set()) == "timezone"
    assert next_step(STEPS, "attempt", done=set(STEPS) - {"attempt", "plan"}, skipped=set()) == "plan"


async def test_start_begins_at_the_exam(env):
    """A new member starts at step 1 of the server's steps."""
    _, _, services = env
    state = await services.onboarding.start(G, ALICE)
    assert (state.step, state.index, state.resumed, state.finished) == ("exam", 1, False, False)
    assert state.total == len(STEPS)  # every step is offered with the default features


async def test_skipped_steps_are_remembered_and_the_flow_resumes(env):
    """Skipping moves on; starting again later resumes at the same step."""
    _, _, services = env
    await services.onboarding.start(G, ALICE)
    await services.onboarding.skip(G, ALICE, "exam")
    state = await services.onboarding.skip(G, ALICE, "attempt")
    assert state.step == "report" and state.skipped == ("exam", "attempt")
    again = await services.onboarding.start(G, ALICE)
    assert (again.step, again.resumed) == ("report", True)


async def test_onboarding_start_to_finish_uses_the_command_services(env):
    """Every step saves through the same services the commands use, and the flow ends on the plan."""
    _, _, services = env
    onboarding = services.onboarding
    await onboarding.start(G, ALICE)
    state = await onboarding.choose_exam(G, ALICE, "sy0-701")
    assert state.step == "attempt" and "SY0-701" in state.note
    recorded, state = await onboarding.record_attempt(G, ALICE, "2026-05-29", "690")
    assert recorded.score == 690 and state.step == "report"
    state = await onboarding.finish_report(G, ALICE)
    assert state.step == "results" and "report" in state.skipped
    results = await onboarding.results(G, ALICE)
    assert results.exam.code == EXAM and results.retake is not None
    await onboarding.acknowledge_results(G, ALICE)
    state = await onboarding.set_timezone(G, ALICE, "Europe/Berlin")
    assert state.step == "reminder"
    state = await onboarding.set_reminder(G, ALICE, "19:00")
    assert state.step == "partners" and "19:00" in state.note
    state = await onboarding.join_partners(G, ALICE)
    assert state.step == "board"
    state, joined = await onboarding.join_board(G, ALICE, board=True, cohort=True)
    assert state.step == "plan" and joined.exam_code == EXAM
    plan, state = await onboarding.plan(G, ALICE)
    assert plan is not None and plan.exam.code == EXAM and state.finished
    assert (await services.settings.show(G, ALICE)).timezone == "Europe/Berlin"
    assert (await services.partners.status(G, ALICE)).in_pool
    assert (await services.reminders.list(G, ALICE)).items
    assert (await services.board.privacy(G, ALICE)).show_on_board


async def test_a_refused_step_changes_nothing(env):
    """A bad score is refused before anything is saved; the member stays on the same step."""
    _, _, services = env
    await services.onboarding.start(G, ALICE)
    await services.onboarding.choose_exam(G, ALICE, EXAM)
    with pytest.raises(InvalidInput):
        await services.onboarding.record_attempt(G, ALICE, "2026-05-29", "lots")
    assert (await services.onboarding.state(G, ALICE)).step == "attempt"
    assert (await services.exams.eligible_date(G, ALICE)) is None


async def test_unknown_exam_keeps_the_member_on_the_exam_step(env):
    """An exam code nobody knows is refused with a suggestion and nothing moves."""
    _, _, services = env
    await services.onboarding.start(G, ALICE)
    with pytest.raises(NotFound):
        await services.onboarding.choose_exam(G, ALICE, "SY0-7O1x")
    assert (await services.onboarding.state(G, ALICE)).step == "exam"


async def test_going_back_to_a_skipped_step_then_on_to_the_plan(env):
    """A skipped step can be done later; afterwards the flow returns to what is left."""
    _, _, services = env
    onboarding = services.onboarding
    await onboarding.start(G, ALICE)
    for step in STEPS[:-1]:
        await onboarding.skip(G, ALICE, step)
    _, state = await onboarding.plan(G, ALICE)
    assert state.finished and state.step == "plan"
    state = await onboarding.go_to(G, ALICE, "exam")
    assert state.step == "exam"
    state = await onboarding.choose_exam(G, ALICE, EXAM)
    assert state.step == "plan" and "exam" in state.done and "exam" not in state.skipped


async def test_plan_without_an_exam_finishes_without_a_plan(env):
    """Reaching the end without an exam gives no plan, and says so through a None."""
    _, _, services = env
    await services.onboarding.start(G, ALICE)
    plan, state = await services.onboarding.plan(G, ALICE)
    assert plan is None and state.finished


async def test_progress_is_deleted_with_the_member(env):
    """Onboarding progress is member data: deleting the member deletes it."""
    db, _, services = env
    await services.onboarding.start(G, ALICE)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM members WHERE guild_id = ? AND user_id = ?", (G, ALICE))
        assert await OnboardingRepo(tx).get(G, ALICE) is None


# --- cohorts ---------------------------------------------------------------------------------------


async def test_joining_a_cohort_needs_an_exam(env):
    """Without an exam there is no cohort to join."""
    _, _, services = env
    with pytest.raises(InvalidInput):
        await services.cohorts.join(G, ALICE)


async def test_cohort_lists_only_members_who_opted_in(env):
    """Bob prepares for the same exam but did not opt in, so he is not listed."""
    _, _, services = env
    for user in (ALICE, BOB, CARO):
        await with_exam(services, user)
    await services.cohorts.join(G, ALICE)
    await services.cohorts.join(G, CARO)
    await services.exams.book(G, CARO, "2026-09-14")
    view = await services.cohorts.show(G, BOB)
    assert [m.user_id for m in view.mates] == [ALICE, CARO]
    assert not view.is_member
    assert view.mates[1].booked_month.isoformat() == "2026-09-01"


async def test_leaving_a_cohort(env):
    """Leaving removes the listing; leaving twice says the member is not listed."""
    _, _, services = env
    await with_exam(services, ALICE)
    await services.cohorts.join(G, ALICE)
    assert await services.cohorts.leave(G, ALICE) == EXAM
    assert (await services.cohorts.show(G, ALICE)).mates == ()
    with pytest.raises(NotFound):
        await services.cohorts.leave(G, ALICE)


async def test_cohort_role_and_thread_are_remembered(env):
    """The role and thread the cog created are returned to the next member who joins."""
    _, _, services = env
    await with_exam(services, ALICE)
    await with_exam(services, BOB)
    first = await services.cohorts.join(G, ALICE)
    assert (first.role_id, first.thread_id, first.newly_joined) == (None, None, True)
    await services.cohorts.record_role(G, EXAM, 555)
    await services.cohorts.record_thread(G, EXAM, 777)
    second = await services.cohorts.join(G, BOB)
    assert (second.role_id, second.thread_id, second.member_count) == (555, 777, 2)


async def test_cohort_shows_a_live_quiz_for_its_exam(env):
    """A round for the exam running in the quiz channel is the cohort's next group quiz."""
    db, clock, services = env
    await services.guild_settings.set_channel(G, ADMIN, can_manage=True, role="quiz", channel_id=300)
    await with_exam(services, ALICE)
    now = to_epoch(clock.now())
    async with db.transaction() as tx:
        await QuizRounds(tx).create(guild_id=G, channel_id=300, started_by=ALICE, exam_code=EXAM, focus_domain=None,
                                    question_count=5, seconds=30, phase_ends_at=now + 60, now=now)
    view = await services.cohorts.show(G, ALICE)
    assert view.live_quiz is not None and view.live_quiz.joining_ends_at == now + 60


async def test_cohorts_switched_off(env):
    """With cohorts off, joining and listing are refused."""
    _, _, services = env
    await with_exam(services, ALICE)
    await services.guild_settings.set_features(G, ADMIN, can_manage=True, enabled=["quiz"])
    with pytest.raises(NotAllowed):
        await services.cohorts.join(G, ALICE)
    with pytest.raises(NotAllowed):
        await services.cohorts.show(G, ALICE)


# --- resources -------------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("https://www.Example.com/Course/", "http://example.com/Course"),
    ("https://example.com/a?utm_source=x&b=2&a=1#part", "https://example.com/a?a=1&b=2"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("https://example.com//x//y", "https://example.com/x/y"),
])
def test_links_that_show_the_same_page_share_a_key(a, b):
    """Scheme, www, case of the host, tracking parameters, default ports and fragments don't matter."""
    assert link_key(a) == link_key(b)


@pytest.mark.parametrize("url", [
    "ftp://example.com/file", "javascript:alert(1)", "example.com/page", "https://localhost/x",
    "https://exa mple.com", "https://user:pw@example.com/", "https://" + "a" * 500 + ".com", "",
    "https://example.com:99999/",
])
def test_links_that_are_not_plain_web_links_are_refused(url):
    """Only http(s) links with a real host and no credentials are accepted."""
    with pytest.raises(InvalidInput):
        link_key(url)


async def test_added_resource_is_listed_for_its_exam(env):
    """A member's addition is listed for the exam, with its domains and reason."""
    _, _, services = env
    await with_exam(services, BOB)
    added = await services.resources.add(G, ALICE, **resource(domains="4, Security Architecture"))
    assert added.domains == ("4.0", "3.0")
    listed = await services.resources.browse(G, BOB)
    assert [r.id for r in listed.items] == [added.id] and listed.exam_code == EXAM


async def test_a_duplicate_link_is_refused_and_nothing_is_saved(env):
    """The same page under another spelling of its link is refused, naming the existing entry."""
    db, _, services = env
    await services.resources.add(G, ALICE, **resource(url="https://example.com/course"))
    with pytest.raises(Conflict) as refused:
        await services.resources.add(G, BOB, **resource(2, url="http://www.example.com/course/"))
    assert "Practice set 1" in refused.value.message
    async with db.read() as tx:
        assert len(await ResourceRepo(tx).ranked(G, exam_code=None)) == 1


@pytest.mark.parametrize("overrides", [
    {"url": "ftp://example.com/x"}, {"title": "ab"}, {"why": "good"}, {"resource_type": "podcast"},
    {"exam_code": "NOPE-1"}, {"domains": "9.0"}, {"exam_code": None, "domains": "1.0"},
])
async def test_bad_additions_are_refused_before_any_write(env, overrides):
    """Each bad field is refused with a clear error, and the library stays empty."""
    db, _, services = env
    with pytest.raises((InvalidInput, NotFound)):
        await services.resources.add(G, ALICE, **resource(**overrides))
    async with db.read() as tx:
        assert await ResourceRepo(tx).ranked(G, exam_code=None) == []


async def test_additions_are_rate_limited_per_member(env):
    """The sixth addition within a day is refused; a day later there is room again."""
    _, clock, services = env
    for n in range(MAX_ADDITIONS_PER_DAY):
        await services.resources.add(G, ALICE, **resource(n))
        clock.advance(minutes=10)
    with pytest.raises(NotAllowed):
        await services.resources.add(G, ALICE, **resource(99))
    await services.resources.add(G, BOB, **resource(98))  # the limit is per member
    clock.advance(timedelta(hours=23, minutes=11))  # the first addition is now more than a day old
    await services.resources.add(G, ALICE, **resource(99))


async def test_votes_rank_the_list_and_can_be_taken_back(env):
    """More helpful votes rank higher; voting again takes the vote back; one's own vote is refused."""
    _, _, services = env
    first = await services.resources.add(G, ALICE, **resource(1))
    second = await services.resources.add(G, ALICE, **resource(2))
    result = await services.resources.vote(G, BOB, second.id)
    assert (result.counted, result.votes) == (True, 1)
    listed = await services.resources.browse(G, CARO, exam_code=EXAM)
    assert [r.id for r in listed.items] == [second.id, first.id]
    again = await services.resources.vote(G, BOB, second.id)
    assert (again.counted, again.votes) == (False, 0)
    with pytest.raises(InvalidInput):
        await services.resources.vote(G, ALICE, first.id)


async def test_only_moderators_or_the_author_remove(env):
    """Another member can't remove; a moderator can; the link is free to be shared again."""
    _, _, services = env
    added = await services.resources.add(G, ALICE, **resource())
    with pytest.raises(NotAllowed):
        await services.resources.remove(G, BOB, added.id, can_moderate=False)
    await services.resources.remove(G, ADMIN, added.id, can_moderate=True, reason="dead link")
    assert (await services.resources.browse(G, BOB, exam_code=EXAM)).items == ()
    with pytest.raises(NotFound):
        await services.resources.remove(G, ADMIN, added.id, can_moderate=True)
    await services.resources.add(G, BOB, **resource())


async def test_browse_filters_by_type_and_domain(env):
    """Type and domain filters narrow the list; general resources show under every exam."""
    _, _, services = env
    labs = await services.resources.add(G, ALICE, **resource(1, resource_type="labs", domains="4.0"))
    await services.resources.add(G, ALICE, **resource(2, resource_type="book"))
    general = await services.resources.add(G, ALICE, **resource(3, resource_type="labs", exam_code=None))
    by_type = await services.resources.browse(G, BOB, exam_code=EXAM, resource_type="labs")
    assert {r.id for r in by_type.items} == {labs.id, general.id}
    by_domain = await services.resources.browse(G, BOB, exam_code=EXAM, domain="security operations")
    assert [r.id for r in by_domain.items] == [labs.id] and by_domain.domain.startswith("4.0")


async def test_suggestion_is_the_best_voted_resource_of_the_type(env):
    """The nudge's suggestion is a concrete, voted resource of the asked type for the exam."""
    _, _, services = env
    quiet = await services.resources.add(G, ALICE, **resource(1, resource_type="labs"))
    liked = await services.resources.add(G, ALICE, **resource(2, resource_type="labs"))
    await services.resources.add(G, ALICE, **resource(3, resource_type="book"))
    assert await services.resources.suggest_for_type(G, EXAM, "labs") is None  # nothing voted yet
    await services.resources.vote(G, BOB, liked.id)
    await services.resources.vote(G, CARO, liked.id)
    await services.resources.vote(G, BOB, quiet.id)
    suggestion = await services.resources.suggest_for_type(G, EXAM, "labs")
    assert suggestion.id == liked.id and suggestion.votes == 2
    assert await services.resources.suggest_for_type(G, EXAM, "flashcards") is None
    assert await services.resources.suggest_for_type(G, EXAM, "reading") is None


async def test_resources_switched_off(env):
    """With the library off, adding is refused and nothing is suggested."""
    _, _, services = env
    await services.guild_settings.set_features(G, ADMIN, can_manage=True, enabled=["quiz"])
    with pytest.raises(NotAllowed):
        await services.resources.add(G, ALICE, **resource())
    assert await services.resources.suggest_for_type(G, EXAM, "labs") is None
