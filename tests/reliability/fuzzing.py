"""The fuzzing session: one world per command, hypothesis drawing option values, every answer checked.

An example never raises: what goes wrong is recorded (with the input that caused it) and the test asserts on
the whole list at the end, so hypothesis does not spend the time budget shrinking, and the run stays bounded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import bot.ui.errors as ui_errors
from bot.emulator import RateLimits
from bot.emulator.harness import HarnessError, NoReply, Reply
from bot.local import LocalWorld
from tests.e2e.conftest import World

from . import invariants
from .commands import (
    OPTION_ATTACHMENT,
    OPTION_BOOLEAN,
    OPTION_CHANNEL,
    OPTION_INTEGER,
    OPTION_MENTIONABLE,
    OPTION_NUMBER,
    OPTION_ROLE,
    OPTION_STRING,
    OPTION_USER,
    STRING_LIMIT,
    Command,
    channel_allowed,
    fit,
    looks_like_a_crash,
    modal_inputs,
    modal_text,
)
from .seed import EXAM, LOCAL_EXAM, bank_file

ANSWER_TIMEOUT = 5.0
DISCORD_INT = 2**53

NASTY = [
    "", " ", "\n\n", "@everyone", "@here", "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```py\nx\n```",
    "> quote\n# Heading\n- list", "[link](https://example.org)", "'; DROP TABLE members; --", "\" OR 1=1 --",
    "%", "_", "\\", "NULL", "None", "null", "undefined", "0", "-1", "1e309", "NaN", "inf", "-0", "9" * 40,
    "2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "9999-12-31", "1900-01-01", "31/12/2026",
    "2026-06-01T25:00", "2026-06-03 18:30", "2030-01-01 00:00", "tomorrow", "25:61", "24:00", "-1:00", "7pm",
    "19:00", "00:00",
    "Mars/Olympus_Mons", "UTC+25", "Europe/Berlin\n", "../../etc/passwd", "Etc/GMT+14", "europe/berlin", "EST",
    "Europe/Berlin", "Pacific/Kiritimati", "\u202etxt.exe", "\u200b", "🦆" * 40, "ｓｙ０－７０１", "SY0-701",
    "sy0-701", "AZ-900", "N10-009", "CLF-C02", "mon-fri", "daily", "weekdays", "mon,wed,fri", "sun-sat",
    "fri-mon", "mon-", "18-21", "7,19", "99-100", "c1", "s1", "c999999999999", "1.0", "2", "D2", "Threats",
    "<script>alert(1)</script>",
]


@dataclass
class Outcome:
    tried: int = 0
    rejected: int = 0
    crashes: list[str] = field(default_factory=list)


@dataclass
class Context:
    world: World
    alice: Any
    bob: Any
    admin: Any
    victim: Any
    role: Any
    channels: list[Any]


def nasty_text(ctx: Context) -> list[str]:
    extra = [f"<@{ctx.victim.id}>", f"<@!{ctx.victim.id}>", f"<@&{ctx.role.id}>", f"<#{ctx.channels[0].id}>",
             f"@everyone <@&{ctx.role.id}> <@{ctx.victim.id}>"]
    return NASTY + extra


def text_strategy(ctx: Context, low: int = 0, high: int = STRING_LIMIT) -> st.SearchStrategy[str]:
    repeated = st.builds(lambda token, n: token * n, st.sampled_from(["a", "🦆", "@everyone ", "*", "'; --", "\n"]),
                         st.integers(1, max(1, high)))
    corpus = st.sampled_from(nasty_text(ctx))
    # The hand-picked corpus is listed three times so that half the draws come from it.
    text = st.one_of(corpus, corpus, corpus, st.text(max_size=min(high, 200)), repeated, st.just("x" * high))
    return text.map(lambda s: fit(s, {"min_length": low, "max_length": high}))


def value_strategy(ctx: Context, command: Command, option: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = option["type"]
    if option.get("choices"):
        return st.sampled_from([c["value"] for c in option["choices"]])
    if kind == OPTION_STRING:
        return text_strategy(ctx, int(option.get("min_length") or 0), int(option.get("max_length") or STRING_LIMIT))
    if kind == OPTION_INTEGER:
        low = option.get("min_value", -DISCORD_INT)
        high = option.get("max_value", DISCORD_INT)
        return st.one_of(st.sampled_from([low, high]), st.integers(int(low), int(high)))
    if kind == OPTION_NUMBER:
        low = float(option.get("min_value", -DISCORD_INT))
        high = float(option.get("max_value", DISCORD_INT))
        return st.one_of(st.sampled_from([low, high]), st.floats(low, high, allow_nan=False, allow_infinity=False))
    if kind == OPTION_BOOLEAN:
        return st.booleans()
    if kind == OPTION_USER:
        bot_member = ctx.world.guild.member(ctx.world.emu.application.name)
        return st.sampled_from([ctx.alice, ctx.bob, ctx.admin, ctx.victim, bot_member])
    if kind == OPTION_ROLE:
        return st.sampled_from([ctx.role, ctx.world.guild.bot_role])
    if kind == OPTION_MENTIONABLE:
        return st.sampled_from([ctx.role, ctx.victim])
    if kind == OPTION_CHANNEL:
        allowed = [c for c in ctx.channels if channel_allowed(option, c)]
        return st.sampled_from(allowed) if allowed else st.nothing()
    if kind == OPTION_ATTACHMENT:
        return attachment_strategy(ctx, command)
    return st.nothing()


def attachment_strategy(ctx: Context, command: Command) -> st.SearchStrategy[Any]:
    valid = bank_file() if command.path.startswith("bank") else LOCAL_EXAM
    # Discord strips path separators from attachment names, so none are generated.
    names = st.sampled_from(["upload.yaml", "upload.yml", "upload.txt", "UPLOAD.YAML", ".yaml", "a" * 200 + ".yaml",
                             "..yaml", "@everyone.yaml", "bank.yaml.exe"])
    data = st.one_of(
        st.just(valid), st.just(b""), st.binary(max_size=2000), st.just(valid[: len(valid) // 2]),
        st.just(b"\xff\xfe" + valid), st.just(b"a: &a [*a, *a]"), st.just(b"- [" * 500),
        st.text(max_size=500).map(str.encode),
    )
    return st.builds(lambda name, body: ctx.world.emu.attachment(name, body), names, data)


def plain_value(ctx: Context, command: Command, option: dict[str, Any]) -> Any:
    """An ordinary, valid-looking value for an option the corpus is not aimed at."""
    kind = option["type"]
    if option.get("choices"):
        return option["choices"][0]["value"]
    if kind == OPTION_STRING:
        return fit({"code": EXAM, "exam": EXAM, "time": "19:00", "when": "2026-06-03 18:30", "date": "2026-05-20",
                    "id": "c1", "name": "Europe/Berlin"}.get(option["name"], "plain words"), option)
    if kind in (OPTION_INTEGER, OPTION_NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        value = 1 if low is None else low
        return value if high is None else min(value, high)
    if kind == OPTION_BOOLEAN:
        return True
    if kind == OPTION_USER:
        return ctx.victim
    if kind in (OPTION_ROLE, OPTION_MENTIONABLE):
        return ctx.role
    if kind == OPTION_CHANNEL:
        return next((c for c in ctx.channels if channel_allowed(option, c)), None)
    if kind == OPTION_ATTACHMENT:
        valid = bank_file() if command.path.startswith("bank") else LOCAL_EXAM
        return ctx.world.emu.attachment("upload.yaml", valid)
    return None


class FuzzSession:
    """A world for one command, seeded so that most commands have something to act on."""

    def __init__(self, command: Command, folder: Path, log: Any) -> None:
        self.command = command
        self.folder = folder
        self.log = log
        self.outcome = Outcome()
        self.local: LocalWorld | None = None
        self.ctx: Context | None = None
        self._rendered: list[tuple[str, bool]] = []
        self._opens_modal = False

    # --- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        # Discord's 5-messages-per-5-seconds channel limit would make a week of DMs wait in real time; the
        # fault tests cover rate limits.
        self.local = LocalWorld(database=str(self.folder / "fuzz.db"),
                                emulator_options={"rate_limits": RateLimits.disabled()})
        await self.local.start()
        world = World(self.local)
        await world.emu.wait_for(lambda: world.guild.general.messages, message="the setup guide")
        alice, bob, admin, victim = (world.member("alice"), world.member("bob"),
                                     world.member("admin", manage_guild=True), world.member("victim"))
        role = world.guild.add_role("Moderators")
        category = world.guild.add_channel("Study", is_category=True)
        channels = [world.guild.general, world.guild.add_channel("study-hall", category=category), category]
        self.ctx = Context(world, alice, bob, admin, victim, role, channels)
        await alice.slash("exam set", code=EXAM)
        await alice.slash("checkin log", minutes=30)
        await alice.slash("remind checkin", time="19:00")
        await alice.slash("partner join")
        await victim.slash("exam set", code=EXAM)
        await victim.slash("partner join")
        await admin.slash("admin pairing", run_now=True)

    async def stop(self) -> list[str]:
        """Stop the world; returns what the emulator saw that Discord would not accept."""
        assert self.local is not None
        await self.local.stop()
        emu = self.local.emu
        found = [f"unknown route {r}" for r in emu.unknown_routes]
        found += [f"Discord would reject {v.method} {v.route}: {v.problems}" for v in emu.violations]
        found += [f"pinged: {m.content[:60]!r}" for m in emu.state.messages.values()
                  if m.pinged_users or m.pinged_roles or m.pinged_everyone]
        return found

    def record_rendering(self, monkeypatch: Any) -> None:
        """Note every error the bot's one error handler renders, and whether it was expected."""
        original = ui_errors.message_for

        def recording(error: BaseException) -> tuple[str, bool]:
            result = original(error)
            self._rendered.append(result)
            return result

        monkeypatch.setattr(ui_errors, "message_for", recording)

    # --- one example -------------------------------------------------------------------------------------
    async def example(self, draw: Any) -> None:
        ctx = self.ctx
        assert ctx is not None
        command = self.command
        members = [ctx.admin] if command.admin_only else [ctx.alice, ctx.bob, ctx.admin]
        member = draw(st.sampled_from(members), label="member")
        dm = command.allowed_in_dms and draw(st.integers(0, 3), label="in DMs") == 0
        values = {}
        for option in command.options:
            if option.get("required") or draw(st.booleans(), label=f"give {option['name']}"):
                values[option["name"]] = draw(value_strategy(ctx, command, option), label=option["name"])
        autocomplete = [o for o in command.options if o.get("autocomplete")]
        if autocomplete and draw(st.integers(0, 3), label="autocomplete") == 0:
            option = draw(st.sampled_from(autocomplete), label="focused")
            typed = draw(text_strategy(ctx, 0, 100), label="typed")
            await self._autocomplete(member, option["name"], typed, values, dm)
            return
        described = f"{member.name}{' in DMs' if dm else ''} /{command.path} {values!r}"[:400]

        def typed_into(item: dict[str, Any]) -> str:
            high = int(item.get("max_length") or 4000)
            return draw(text_strategy(ctx, 0, high), label=f"modal {item['custom_id']}")

        await self._run(described, lambda: member.slash(command.path, options=values, dm=dm, wait=False), typed_into)

    async def corpus(self) -> None:
        """Every hand-picked nasty string in every string option (and modal field), the rest plain and valid."""
        ctx = self.ctx
        assert ctx is not None
        command = self.command
        member = ctx.admin if command.admin_only else ctx.alice
        strings = [o for o in command.options if o["type"] == OPTION_STRING and not o.get("choices")]
        plain = {o["name"]: plain_value(ctx, command, o) for o in command.options if o.get("required")}
        plain = {k: v for k, v in plain.items() if v is not None}
        targets = strings or [None]
        for option in targets:
            for text in nasty_text(ctx):
                values = dict(plain)
                if option is not None:
                    values[option["name"]] = fit(text, option)
                described = f"{member.name} /{command.path} {values!r}"[:400]
                await self._run(described, lambda v=values: member.slash(command.path, options=v, wait=False),
                                lambda item, t=text: modal_text(item, t))
                if option is None and not self._opens_modal:
                    return  # nothing to type anywhere: one run says all there is to say

    async def _autocomplete(self, member: Any, option: str, typed: str, values: dict, dm: bool) -> None:
        others = {k: v for k, v in values.items() if k != option}
        marker = len(self.log.records)
        self.outcome.tried += 1
        try:
            choices = await member.autocomplete(self.command.path, option, typed, options=others, dm=dm)
        except HarnessError:
            self.outcome.tried -= 1
            return
        except NoReply:
            choices = None
        problems = self._new_errors(marker)
        if choices is None and not problems:
            return  # a DM autocomplete of a server-only command is answered with nothing, as Discord shows it
        if problems or len(choices or []) > 25 or any(len(c["name"]) > 100 for c in choices or []):
            self.outcome.crashes.append(f"autocomplete {option}={typed!r}: {problems or choices}")

    async def _run(self, described: str, start: Any, typed_into: Any) -> None:
        self._rendered.clear()
        self._opens_modal = False
        marker = len(self.log.records)
        first_message = self._last_message_id()
        self.outcome.tried += 1
        try:
            reply: Reply = await start()
            await reply.wait(ANSWER_TIMEOUT)
            if reply.is_modal:
                self._opens_modal = True
                fields = {item["custom_id"]: modal_text(item, typed_into(item)) for item in modal_inputs(reply)}
                described += f" modal {fields!r}"[:300]
                reply = await reply.submit_modal(fields, timeout=ANSWER_TIMEOUT)
        except HarnessError as exc:
            if isinstance(exc, NoReply):
                self.outcome.crashes.append(f"no answer: {described}")
            else:
                self.outcome.tried -= 1  # not something Discord would send
            return
        self._judge(described, reply, marker, first_message)

    def _judge(self, described: str, reply: Reply, marker: int, first_message: int) -> None:
        problems = self._new_errors(marker)
        problems += [f"unexpected error rendered: {text[:80]!r}" for text, expected in self._rendered if not expected]
        rejected = any(expected for _, expected in self._rendered)
        emu = self.ctx.world.emu
        shown = [m for m in emu.state.messages.values() if m.id > first_message]
        answers = [m for m in (reply.message, *[emu.state.messages.get(i) for i in reply.interaction.followup_ids])
                   if m is not None]
        for text, expected in self._rendered:
            for message in answers:
                if expected and text in message.content and not message.ephemeral:
                    problems.append(f"a refusal shown to everyone: {text[:80]!r}")
        for message in shown:
            words = " ".join([message.content, *(str(e.get("description", "")) for e in message.embeds)])
            if looks_like_a_crash(words):
                problems.append(f"internals shown to the member: {words[:120]!r}")
        if problems:
            self.outcome.crashes.append(f"{described}: {problems}")
        elif rejected:
            self.outcome.rejected += 1

    def _new_errors(self, marker: int) -> list[str]:
        return [f"{r.name}: {r.getMessage()[:200]}" for r in self.log.records[marker:] if r.levelno >= logging.ERROR]

    def _last_message_id(self) -> int:
        messages = self.ctx.world.emu.state.messages
        return max(messages) if messages else 0

    # --- after the examples ------------------------------------------------------------------------------
    async def aftermath(self) -> list[str]:
        """A week of deliveries on whatever the examples stored, then the database checks."""
        world = self.ctx.world
        marker = len(self.log.records)
        await world.advance(days=8)
        found = [f"after a week of deliveries: {e}" for e in self._new_errors(marker)]
        found += await invariants.problems(world.bot.db, world.clock)
        return found
