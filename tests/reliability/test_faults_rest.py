"""REST faults on every route the bot uses: a study day runs once cleanly to learn the routes, then again with
each route answering 500 once, then 429 once, then once "acting but losing the response" (Discord did the
work, the bot saw a 500). Whatever members and channels end up seeing must match the clean run.

discord.py waits 1 + 2n seconds before retrying a 5xx; the test shortens only that wait, so the retries are
the real ones but CI is not kept waiting.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from types import SimpleNamespace

import pytest

from bot.data.bank_loader import load_shipped_banks
from bot.db.repositories.privacy import GUILD_DATA
from bot.emulator import Emulator, RateLimits
from bot.endpoints import apply_endpoints
from bot.local import LocalWorld
from bot.services.guild_settings import DEFAULT_CHANNEL_NAMES
from tests.e2e.conftest import World

from . import figures
from .seed import EXAM, SY0_PASTE, bank_file


async def study_day(world: World) -> None:
    """Members use the features that reach every kind of route: replies, follow-ups, edits, DMs, threads,
    channel posts, roles, and a day of scheduled deliveries."""
    alice, bob, admin = world.member("alice"), world.member("bob"), world.member("admin", manage_guild=True)
    for member in (alice, bob):
        await member.slash("exam set", code=EXAM)
    await admin.slash("checkin channel", channel=world.guild.general)
    await alice.slash("checkin goal", share=True)
    await alice.slash("checkin log", minutes=30)
    await alice.slash("remind checkin", time="19:00")
    practice = await alice.slash("practice", count=2)
    await answer_wrongly(practice)
    form = await alice.slash("report paste")
    field = form.modal["components"][0]
    field = field.get("component") or field["components"][0]
    preview = await form.submit_modal({field["custom_id"]: SY0_PASTE})
    await preview.click("Save report")
    await alice.slash("plan")
    await bob.slash("mock start", exam="AZ-900", length="half")
    lobby = await alice.slash("quiz start", exam=EXAM, questions=1, seconds=30)
    await lobby.click("Join", by=bob)
    for member in (alice, bob):
        await member.slash("partner join")
    await admin.slash("admin pairing", channel=world.guild.general, run_now=True)
    cohort = await alice.slash("cohort")
    join = next((b for b in cohort.buttons if b.startswith("Join")), None)
    if join:
        await cohort.click(join)
        again = await alice.slash("cohort")
        await again.click("Leave this cohort")
    await admin.slash("board setup", channel=world.guild.general)
    page = await admin.slash("admin setup")
    await page.click("Create missing channels")
    await admin.slash("bank import", file=world.emu.attachment("extras.yaml", bank_file()))
    await world.advance(minutes=1)
    await world.advance(seconds=61)
    await world.advance(hours=10)


async def answer_wrongly(reply) -> None:
    """Pick a wrong option, so every run shows the same feedback whichever question was drawn."""
    description = reply.message.embeds[0]["description"]
    question = next(q for q in load_shipped_banks()[EXAM].questions if q.stem in description)
    wrong = next(o.id for o in question.options if o.id not in question.answer)
    if reply.message.selects:
        await reply.select([wrong, *sorted(question.answer)[1:]])
    else:
        await reply.click(wrong.upper())


def where(emu, message) -> str:
    channel = emu.state.channels[message.channel_id]
    if channel.recipient_id is not None:
        return f"DM {emu.state.users[channel.recipient_id].username}"
    if message.interaction_id is not None and message.interaction_id in emu.state.interactions:
        user = emu.state.users[emu.state.interactions[message.interaction_id].user_id].username
        return f"#{channel.name} reply to {user}"
    return f"#{channel.name}"


def shape(text: str) -> str:
    """What a message is, without what varies between runs (drawn questions, ids, answer letters)."""
    text = re.sub(r"\d+", "#", text.split("\n")[0])
    return text.split(":")[0][:50]


def seen(world: World) -> Counter:
    emu = world.emu
    found: Counter = Counter()
    for message in emu.state.messages.values():
        if message.author.id != emu.application.bot_user_id or message.deleted:
            continue
        titles = ",".join(shape(e.get("title", "")) for e in message.embeds)
        found[(where(emu, message), shape(message.content), titles)] += 1
    for channel in emu.state.guild_channels(world.guild.record):
        if not channel.deleted:
            found[("channel", shape(channel.name or ""), str(channel.type))] += 1
    for role in world.guild.record.roles.values():
        found[("role", shape(role.name), "")] += 1
    return found


async def stored(world: World) -> dict[str, int]:
    counts = {}
    async with world.bot.db.read() as tx:
        for entry in GUILD_DATA:
            if entry.table in ("scheduled_deliveries",):
                continue
            counts[entry.table] = await tx.scalar(f"SELECT COUNT(*) FROM {entry.table}")
    return counts


def route_patterns(requests, emu: Emulator) -> dict[str, str]:
    """Each route template the run used -> a pattern matching any request to it."""
    found = {}
    for method, path, _ in requests:
        matched = emu.rest.match(method, path)
        if matched is None:
            continue
        route, _ = matched
        pieces = re.split(r"(\{[^}]+\})", route.template)
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in pieces)
        found[f"{method} {route.template}"] = f"^{method} {regex}$"
    return found


async def run_day(tmp_path, name: str, inject=None):
    """A study day on a fresh database; ``inject(emu)`` arms the faults before the bot even logs in."""
    local = LocalWorld(database=str(tmp_path / f"{name}.db"),
                       emulator_options={"rate_limits": RateLimits.disabled()})
    local.emu = Emulator(**local.emulator_options)
    await local.emu.start()
    apply_endpoints(local.emu.api_base, local.emu.gateway_url)
    if inject is not None:
        inject(local.emu)
    await local.start_bot()
    world = World(local)
    try:
        await world.emu.wait_for(lambda: world.guild.general.messages, message="the setup guide")
        await study_day(world)
        return world, seen(world), await stored(world)
    finally:
        await local.stop()


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """The clean study day: what it shows, what it stores, and every route it used."""
    folder = tmp_path_factory.mktemp("clean")
    loop = asyncio.new_event_loop()
    try:
        world, shown, kept = loop.run_until_complete(run_day(folder, "clean"))
    finally:
        loop.close()
    return SimpleNamespace(shown=shown, kept=kept, routes=route_patterns(world.emu.requests, world.emu))


def differences(expected: Counter, actual: Counter) -> tuple[list, list]:
    missing = sorted((expected - actual).elements())
    extra = sorted((actual - expected).elements())
    return missing, extra


async def test_the_study_day_reaches_every_kind_of_route(clean_run):
    """The clean run used interaction, webhook, message, DM, thread and role routes, and the look-ups that keep
    creations single (so the faults hit them)."""
    routes = set(clean_run.routes)
    for needed in ("POST /interactions/{interaction_id}/{interaction_token}/callback",
                   "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
                   "POST /channels/{channel_id}/messages",
                   "PATCH /channels/{channel_id}/messages/{message_id}", "POST /users/@me/channels",
                   "POST /channels/{channel_id}/threads", "PUT /applications/{application_id}/commands",
                   "POST /guilds/{guild_id}/channels", "POST /guilds/{guild_id}/roles",
                   "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
                   "DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
                   "GET /guilds/{guild_id}/channels", "GET /guilds/{guild_id}/threads/active",
                   "GET /guilds/{guild_id}/roles"):
        assert needed in routes


@pytest.mark.parametrize(("fault", "status"), [("500", 500), ("429", 429)])
async def test_one_failure_on_every_route_is_retried_and_changes_nothing(tmp_path, clean_run, quick_retries,
                                                                         fault, status):
    """Every route fails once (500, or 429 with Retry-After); the day ends exactly as the clean one did."""

    def inject(emu):
        for pattern in clean_run.routes.values():
            if status == 429:
                emu.faults.rate_limit(pattern, times=1, retry_after=0.02)
            else:
                emu.faults.fail(pattern, status, times=1)

    world, shown, kept = await run_day(tmp_path, fault, inject)
    injected = len(world.emu.faults.log)
    missing, extra = differences(clean_run.shown, shown)
    figures.fault(f"REST {fault} once on every route the bot uses", injected=injected,
                  survived=injected if not (missing or extra) else 0, lost=len(missing),
                  note=f"{len(clean_run.routes)} routes; {len(extra)} extra messages")
    assert injected >= len(clean_run.routes) - 2
    assert missing == []
    assert extra == []
    assert kept == clean_run.kept


class LostResponses:
    """Discord does the work, then the bot gets a 500 (a timeout at the edge): once per route."""

    def __init__(self, patterns: dict[str, str], *, times: int = 1) -> None:
        self.left = {name: re.compile(pattern) for name, pattern in patterns.items()}
        self.times = {name: times for name in patterns}
        self.fired: list[str] = []

    def install(self, emu: Emulator) -> None:
        original = emu._handle

        async def handle(request, method, path):
            response = await original(request, method, path)
            for name, pattern in list(self.left.items()):
                if response.status < 300 and pattern.search(f"{method} {path}"):
                    self.times[name] -= 1
                    if not self.times[name]:
                        del self.left[name]
                    self.fired.append(name)
                    body = json.dumps({"message": "500: Internal Server Error", "code": 0}).encode()
                    return type(response)(status=500, body=body, headers={"Content-Type": "application/json"})
            return response

        emu._handle = handle


async def test_a_lost_response_on_every_route_doubles_nothing(tmp_path, clean_run, quick_retries):
    """Each route acts once without telling the bot; no message, channel, thread or role appears twice."""
    lost = LostResponses(clean_run.routes)
    world, shown, kept = await run_day(tmp_path, "lost", lost.install)
    missing, extra = differences(clean_run.shown, shown)
    doubled = sorted({f"{w}: {c or t}" for w, c, t in extra})
    figures.fault("REST response lost after Discord acted, once per route", injected=len(lost.fired),
                  survived=len(lost.fired) - len({e[0] for e in extra}) - len(missing), lost=len(missing),
                  note=f"doubled: {doubled}" if extra else f"{len(lost.fired)} routes; nothing doubled")
    assert len(lost.fired) >= len(clean_run.routes) - 2
    assert missing == []
    assert extra == []
    assert kept == clean_run.kept


# --- each creation on its own: a lost answer leaves one copy, stored ---------------------------------------

CREATE_THREAD = r"^POST /channels/\d+/threads$"
CREATE_ROLE = r"^POST /guilds/\d+/roles$"
CREATE_CHANNEL = r"^POST /guilds/\d+/channels$"


def lose(world, pattern: str, *, times: int = 1) -> LostResponses:
    lost = LostResponses({pattern: pattern}, times=times)
    lost.install(world.emu)
    return lost


def deletions(world, kind: str) -> int:
    """How many of the bot's DELETE requests removed a channel or thread (``channels``) or a role (``roles``)."""
    route = {"channels": r"^/channels/\d+$", "roles": r"^/guilds/\d+/roles/\d+$"}[kind]
    return sum(1 for method, path, status in world.emu.requests
               if method == "DELETE" and re.match(route, path) and status < 300)


def live_threads(world, name: str) -> list:
    return [t for t in world.guild.threads() if t.name == name]


async def join_cohort(world, member):
    await member.slash("exam set", code=EXAM)
    shown = await member.slash("cohort")
    return await shown.click("Join this cohort")


async def test_a_lost_thread_answer_leaves_one_partner_thread(world, quick_retries):
    """The partner thread Discord made twice is kept once: stored, both partners in it, the hello posted once."""
    world.guild.add_channel("partners")
    admin, alice, bob = world.admin(), world.member("alice"), world.member("bob")
    for member in (alice, bob):
        await member.slash("exam set", code=EXAM)
        await member.slash("partner join")
    lost = lose(world, CREATE_THREAD)
    await admin.slash("admin pairing", channel=world.guild.channel("partners"), run_now=True)
    await world.advance(minutes=1)
    threads = [t for t in world.guild.threads() if t.name.startswith("Study partners")]
    assert lost.fired
    assert len(threads) == 1
    assert {alice.id, bob.id} <= threads[0].members
    assert len([m for m in threads[0].messages if m.author.id == world.bot.user.id]) == 1
    assert (await world.bot.services.partners.status(world.guild.id, alice.id)).thread_id == threads[0].id
    assert deletions(world, "channels") == 1


async def test_a_lost_role_answer_leaves_one_cohort_role(world, quick_retries):
    """The cohort role Discord made twice is kept once: the older copy, stored and given to the member."""
    alice = world.member("alice")
    lost = lose(world, CREATE_ROLE)
    joined = await join_cohort(world, alice)
    roles = [r for r in world.guild.record.roles.values() if r.name == f"{EXAM} cohort"]
    assert lost.fired
    assert len(roles) == 1
    assert alice.has_role(roles[0].id)
    assert (await world.bot.services.cohorts.cohort_extras(world.guild.id, EXAM))[0] == roles[0].id
    assert f"You have the {EXAM} cohort role now." in joined.content
    assert deletions(world, "roles") == 1


async def test_a_role_created_on_every_failed_try_is_reused_once(world, quick_retries):
    """Every try acts but answers 500 until discord.py gives up: the first copy is kept, the others deleted."""
    alice = world.member("alice")
    lost = lose(world, CREATE_ROLE, times=10)
    await join_cohort(world, alice)
    attempts = len(lost.fired)
    roles = [r for r in world.guild.record.roles.values() if r.name == f"{EXAM} cohort"]
    assert attempts > 1
    assert len(roles) == 1
    assert deletions(world, "roles") == attempts - 1
    assert alice.has_role(roles[0].id)
    assert (await world.bot.services.cohorts.cohort_extras(world.guild.id, EXAM))[0] == roles[0].id


async def test_a_same_named_role_older_than_the_attempt_is_left_alone(world, quick_retries):
    """A role someone made before the member pressed Join is neither deleted nor taken for the cohort's."""
    alice = world.member("alice")
    theirs = world.guild.add_role(f"{EXAM} cohort")
    lose(world, CREATE_ROLE)
    await join_cohort(world, alice)
    ours = [r for r in world.guild.record.roles.values() if r.name == f"{EXAM} cohort" and r.id != theirs.id]
    assert theirs.id in world.guild.record.roles
    assert len(ours) == 1
    assert (await world.bot.services.cohorts.cohort_extras(world.guild.id, EXAM))[0] == ours[0].id


async def test_a_lost_thread_answer_leaves_one_cohort_thread(world, quick_retries):
    """The cohort thread Discord made twice on the board channel is kept once, stored, with the member in it."""
    alice = world.member("alice")
    await world.admin().slash("board setup", channel=world.guild.general)
    lost = lose(world, CREATE_THREAD)
    await join_cohort(world, alice)
    threads = live_threads(world, f"{EXAM} cohort")
    assert lost.fired
    assert len(threads) == 1
    assert alice.id in threads[0].members
    assert (await world.bot.services.cohorts.cohort_extras(world.guild.id, EXAM))[1] == threads[0].id
    assert deletions(world, "channels") == 1


async def test_a_lost_channel_answer_leaves_each_setup_channel_once(world, quick_retries):
    """/admin setup's "Create missing channels": the channel Discord made twice is kept once and chosen."""
    admin = world.admin()
    lost = lose(world, CREATE_CHANNEL)
    page = await admin.slash("admin setup")
    await page.click("Create missing channels")
    settings = await world.bot.services.guild_settings.settings_for(world.guild.id)
    channels = [c for c in world.emu.state.guild_channels(world.guild.record) if not c.is_thread]
    assert lost.fired
    for role, name in DEFAULT_CHANNEL_NAMES.items():
        same = [c for c in channels if c.name == name]
        assert len(same) == 1, name
        assert settings.channel(role) == same[0].id
    assert deletions(world, "channels") == 1


async def test_a_lost_answer_to_the_plan_leaves_one_plan_with_its_chart(world, quick_retries):
    """/plan fills its deferred answer with the chart by an edit, so a resent request changes nothing."""
    alice = world.member("alice")
    await alice.slash("exam set", code=EXAM)
    form = await alice.slash("report paste")
    field = form.modal["components"][0]
    field = field.get("component") or field["components"][0]
    preview = await form.submit_modal({field["custom_id"]: SY0_PASTE})
    await preview.click("Save report")
    edit = r"^/webhooks/\d+/[^/]+/messages/@original$"
    lost = lose(world, f"^PATCH {edit[1:]}")
    plan = await alice.slash("plan")
    await world.emu.wait_for(lambda: any(method == "PATCH" and re.match(edit, path) and status < 300
                                         for method, path, status in world.emu.requests), message="the resent edit")
    answers = [m for m in world.emu.state.messages.values() if m.interaction_id == plan.interaction.id]
    assert lost.fired
    assert len(answers) == 1
    assert [a.filename for a in answers[0].attachments] == ["plan.png"]
    assert answers[0].embeds[0]["title"].startswith(f"{EXAM} plan")


async def test_a_failed_search_for_copies_keeps_the_created_role(world, quick_retries):
    """When listing the roles fails on every try, the role just created is still stored and given."""
    alice = world.member("alice")
    world.emu.faults.fail(r"^GET /guilds/\d+/roles$", 500, times=5)
    await join_cohort(world, alice)
    roles = [r for r in world.guild.record.roles.values() if r.name == f"{EXAM} cohort"]
    assert len(world.emu.faults.log) == 5
    assert len(roles) == 1
    assert alice.has_role(roles[0].id)
    assert (await world.bot.services.cohorts.cohort_extras(world.guild.id, EXAM))[0] == roles[0].id
