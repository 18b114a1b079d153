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

import discord.http
import discord.webhook.async_
import pytest

from bot.data.bank_loader import load_shipped_banks
from bot.db.repositories.privacy import GUILD_DATA
from bot.emulator import Emulator, RateLimits
from bot.endpoints import apply_endpoints
from bot.local import LocalWorld
from tests.e2e.conftest import World

from . import figures
from .seed import EXAM, SY0_PASTE, bank_file

_real_sleep = asyncio.sleep


async def _short_sleep(delay: float, *args, **kwargs):
    return await _real_sleep(min(delay, 0.05), *args, **kwargs)


@pytest.fixture
def quick_retries(monkeypatch):
    for module in (discord.http, discord.webhook.async_):
        fast = SimpleNamespace(**vars(asyncio))
        fast.sleep = _short_sleep
        monkeypatch.setattr(module, "asyncio", fast)


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
    """The clean run used interaction, webhook, message, DM, thread and role routes (so the faults hit them)."""
    routes = set(clean_run.routes)
    for needed in ("POST /interactions/{interaction_id}/{interaction_token}/callback",
                   "POST /webhooks/{webhook_id}/{webhook_token}", "POST /channels/{channel_id}/messages",
                   "PATCH /channels/{channel_id}/messages/{message_id}", "POST /users/@me/channels",
                   "POST /channels/{channel_id}/threads", "PUT /applications/{application_id}/commands",
                   "POST /guilds/{guild_id}/channels", "POST /guilds/{guild_id}/roles",
                   "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
                   "DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}"):
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

    def __init__(self, patterns: dict[str, str]) -> None:
        self.left = {name: re.compile(pattern) for name, pattern in patterns.items()}
        self.fired: list[str] = []

    def install(self, emu: Emulator) -> None:
        original = emu._handle

        async def handle(request, method, path):
            response = await original(request, method, path)
            for name, pattern in list(self.left.items()):
                if response.status < 300 and pattern.search(f"{method} {path}"):
                    del self.left[name]
                    self.fired.append(name)
                    body = json.dumps({"message": "500: Internal Server Error", "code": 0}).encode()
                    return type(response)(status=500, body=body, headers={"Content-Type": "application/json"})
            return response

        emu._handle = handle


async def test_a_lost_response_on_every_route_doubles_no_scheduled_message(tmp_path, clean_run, quick_retries):
    """Each route acts once without telling the bot; scheduled messages (sent with a nonce) still go out once."""
    lost = LostResponses(clean_run.routes)
    world, shown, kept = await run_day(tmp_path, "lost", lost.install)
    missing, extra = differences(clean_run.shown, shown)
    scheduled_extra = [e for e in extra if e[0].startswith("DM") or e[0] == "#general" and "reply" not in e[0]]
    figures.fault("REST response lost after Discord acted, once per route", injected=len(lost.fired),
                  survived=len(lost.fired) - len({e[0] for e in extra}) - len(missing), lost=len(missing),
                  note=f"doubled: {sorted({f'{w}: {c or t}' for w, c, t in extra})}" if extra else "")
    assert lost.fired
    assert missing == []
    assert scheduled_extra == []
