"""`rebound sandbox`: the real bot on a local practice server, driven from a terminal prompt or a script.

A person acts as any member: ``as alice``, ``/checkin minutes:45``, ``click 2``, ``select 1 3``,
``modal field=value``, ``dms``, ``channel #board``, ``time +1d`` (the clock moves and due reminders
fire), ``expect "text"``. Nothing leaves this machine: Discord is the local emulator.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock, SystemClock
from bot.emulator.harness import HarnessError, MemberHandle, Reply
from bot.emulator.render import render_message, render_reply
from bot.local import LocalWorld

HELP = """\
Commands (one per line; '#' starts a comment):
  as NAME                    act as this member (new names join the server)
  /command [sub] opt:value   run a slash command, e.g. /settings timezone name:Europe/Berlin
                             quote values with spaces: note:"two words"; attach a file: file:@path/to/file
  click N | click "Label"    press button N (as numbered in the last reply or message shown) or by label
  select [N] VALUE[,VALUE]   choose values in select N (default 1) of the last reply, by number or label
  modal FIELD=VALUE ...      fill and submit the modal the last reply opened
  dms                        the bot's direct messages to you
  channel #NAME              the latest messages in a channel
  time +1d | +3h | +30m | +2w   move the clock forward; whatever falls due is delivered
  today YYYY-MM-DD [HH:MM]   set the date (UTC) before anything happens, so a script reads the same every day
  answer right|wrong [N]     answer the mock question shown last (and the next N-1) right or wrong, for demos
  restart                    stop the bot and start it again on the same database
  expect "TEXT"              the last output must contain TEXT (scripts stop with an error if not)
  expect-not "TEXT"          the last output must not contain TEXT
  help | quit
"""

_MEMBERS = ("alice", "bob", "carol", "dana")
_CHANNELS = ("welcome", "check-ins", "board", "quiz-rounds", "resources")
_DURATION = re.compile(r"^\+?(\d+)\s*([wdhm])$")


class SandboxError(Exception):
    """A sandbox line that could not be carried out (bad syntax, no such button, an expectation not met)."""


@dataclass
class Sandbox:
    world: LocalWorld
    files_dir: Path
    out: Callable[[str], None] = print
    current: str = "alice"
    last_output: str = ""
    last_reply: Reply | None = None
    _members: dict[str, MemberHandle] = field(default_factory=dict)
    _seen: dict[int, int] = field(default_factory=dict)

    @classmethod
    async def open(cls, database: str, files_dir: Path, out: Callable[[str], None] = print) -> Sandbox:
        start = SystemClock().now().replace(second=0, microsecond=0)
        world = LocalWorld(database=database, clock=FakeClock(start))
        await world.start()
        sandbox = cls(world, files_dir, out)
        sandbox._seed()
        return sandbox

    def _seed(self) -> None:
        emu = self.world.emu
        self.guild = emu.add_guild("Rebound Practice", owner="sam")
        for name in _CHANNELS:
            self.guild.add_channel(name)
        self._members["sam"] = self.guild.owner
        for name in _MEMBERS:
            self._members[name] = self.guild.add_member(name)
        self._mark_all_seen()

    async def close(self) -> None:
        await self.world.stop()

    # ---------------------------------------------------------------------------------------------
    def member(self, name: str) -> MemberHandle:
        if name not in self._members:
            self._members[name] = self.guild.add_member(name)
        return self._members[name]

    def say(self, text: str) -> None:
        text = self._names(text)
        self.last_output = text
        self.out(text)

    def _names(self, text: str) -> str:
        """Show mentions as a Discord client does: <@123> as @alice, <#456> as #board."""
        state = self.world.emu.state

        def user(match: re.Match[str]) -> str:
            found = state.users.get(int(match.group(1)))
            return f"@{found.username}" if found else match.group(0)

        def channel(match: re.Match[str]) -> str:
            found = state.channels.get(int(match.group(1)))
            return f"#{found.name}" if found and found.name else match.group(0)

        return re.sub(r"<#(\d+)>", channel, re.sub(r"<@!?(\d+)>", user, text))

    async def execute(self, line: str) -> bool:
        """Carry out one line; returns False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise SandboxError(f"couldn't read that line ({exc})") from exc
        verb = words[0].lower()
        try:
            if verb.startswith("/"):
                await self._slash(words)
            elif verb == "as":
                self._as(words)
            elif verb == "click":
                await self._click(words)
            elif verb == "select":
                await self._select(words)
            elif verb == "modal":
                await self._modal(words)
            elif verb == "dms":
                self._dms()
            elif verb == "channel":
                self._channel(words)
            elif verb == "time":
                await self._time(words)
            elif verb == "today":
                self._today(words)
            elif verb == "answer":
                await self._answer(words)
            elif verb == "restart":
                await self.world.restart()
                self.say("The bot restarted on the same database.")
            elif verb in ("expect", "expect-not"):
                self._expect(words, negate=verb == "expect-not")
            elif verb == "help":
                self.out(HELP)
            elif verb in ("quit", "exit"):
                return False
            else:
                raise SandboxError(f"unknown sandbox command {verb!r}; type 'help'")
        except HarnessError as exc:
            raise SandboxError(str(exc)) from exc
        return True

    def _as(self, words: list[str]) -> None:
        if len(words) != 2:
            raise SandboxError("usage: as NAME")
        self.current = words[1].lstrip("@").lower()
        self.member(self.current)
        self.say(f"You are now {self.current}.")

    async def _slash(self, words: list[str]) -> None:
        path = [words[0][1:]]
        options: dict[str, Any] = {}
        for word in words[1:]:
            if re.match(r"^[\w-]+:", word):
                key, _, value = word.partition(":")
                options[key] = self._value(value)
            elif not options:
                path.append(word)  # a subcommand, before any option
            else:
                raise SandboxError(f"{word!r}: options are written name:value")
        member = self.member(self.current)
        command = " ".join(path)
        options = self._coerce(command, options)
        reply = await member.slash(command, **options)
        await self._show(reply)

    def _value(self, raw: str) -> Any:
        if raw.startswith("@"):
            path = Path(raw[1:])
            if not path.is_file():
                raise SandboxError(f"no file at {path}")
            return self.world.emu.attachment(path.name, path.read_bytes())
        return raw

    def _coerce(self, command: str, options: dict[str, Any]) -> dict[str, Any]:
        """Turn typed text into the option types the command registered (numbers, booleans, members)."""
        parts = command.split()
        definition = self.world.emu.find_command(parts[0], self.guild.record)
        node = definition
        for sub in parts[1:]:
            node = next((o for o in node.get("options") or [] if o["name"] == sub), node)
        types = {o["name"]: o["type"] for o in node.get("options") or []}
        out: dict[str, Any] = {}
        for key, value in options.items():
            kind = types.get(key)
            if not isinstance(value, str):
                out[key] = value
            elif kind == 4:
                try:
                    out[key] = int(value)
                except ValueError as exc:
                    raise SandboxError(f"{key} takes a whole number, not {value!r}") from exc
            elif kind == 10:
                try:
                    out[key] = float(value)
                except ValueError as exc:
                    raise SandboxError(f"{key} takes a number, not {value!r}") from exc
            elif kind == 5:
                out[key] = value.lower() in ("true", "yes", "on", "1")
            elif kind in (6, 9):
                out[key] = self.member(value.lstrip("@").lower())
            elif kind == 7:
                out[key] = self.guild.channel(value.lstrip("#"))
            else:
                out[key] = value
        return out

    def _require_reply(self) -> Reply:
        if self.last_reply is None:
            raise SandboxError("there is no reply to act on yet")
        return self.last_reply

    async def _click(self, words: list[str]) -> None:
        if len(words) != 2:
            raise SandboxError('usage: click N  or  click "Label"')
        reply = self._require_reply()
        target = words[1]
        member = self.member(self.current)
        if target.isdigit():
            result = await reply.click(index=int(target) - 1, by=member)
        else:
            result = await reply.click(target, by=member)
        await self._show(result)

    async def _select(self, words: list[str]) -> None:
        reply = self._require_reply()
        if len(words) == 3 and words[1].isdigit():
            index, raw = int(words[1]) - 1, words[2]
        elif len(words) == 2:
            index, raw = 0, words[1]
        else:
            raise SandboxError("usage: select [N] VALUE[,VALUE]")
        message = reply.message
        if message is None or index >= len(message.selects):
            raise SandboxError("the last reply has no such select")
        options = message.selects[index].get("options") or []
        values = []
        for item in (v.strip() for v in raw.split(",") if v.strip()):
            if item.isdigit() and 1 <= int(item) <= len(options):
                values.append(options[int(item) - 1]["value"])
                continue
            match = next((o["value"] for o in options if item in (o["value"], o.get("label"))), None)
            values.append(match if match is not None else item)
        result = await reply.select(values, index=index, by=self.member(self.current))
        await self._show(result)

    async def _modal(self, words: list[str]) -> None:
        reply = self._require_reply()
        if not reply.is_modal:
            raise SandboxError("the last reply is not a form (modal)")
        fields = {}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if not sep:
                raise SandboxError(f"{word!r}: fields are written name=value")
            fields[key] = value
        await self._show(await reply.submit_modal(fields))

    def _dms(self) -> None:
        member = self.member(self.current)
        channel_id = member.user.dm_channel_id
        history = self._history(channel_id) if channel_id is not None else []
        self._show_messages(history[-5:], empty="(no direct messages yet)")

    def _channel(self, words: list[str]) -> None:
        if len(words) != 2:
            raise SandboxError("usage: channel #NAME")
        channel = self.guild.channel(words[1].lstrip("#"))
        self._show_messages(channel.messages[-5:], empty=f"(#{channel.name} is empty)")

    def _history(self, channel_id: int) -> list[Any]:
        state = self.world.emu.state
        return [m for m in state.messages.values() if m.channel_id == channel_id and not m.deleted]

    async def _time(self, words: list[str]) -> None:
        if len(words) != 2 or not _DURATION.match(words[1].lower()):
            raise SandboxError("usage: time +1d  (w = weeks, d = days, h = hours, m = minutes)")
        amount, unit = _DURATION.match(words[1].lower()).groups()
        delta = {"w": timedelta(weeks=int(amount)), "d": timedelta(days=int(amount)),
                 "h": timedelta(hours=int(amount)), "m": timedelta(minutes=int(amount))}[unit]
        # Move in steps of at most an hour so daily reminders on the way each fire on their own day.
        step = timedelta(hours=1)
        remaining = delta
        delivered = 0
        while remaining > timedelta(0):
            move = min(step, remaining)
            delivered += await self.world.advance(move)
            remaining -= move
        now = self.world.clock.now().astimezone(UTC)
        new = self._new_messages()
        lines = [f"It is now {now:%a %Y-%m-%d %H:%M} UTC. {delivered} scheduled message(s) went out."]
        for where, message in new:
            lines.append(f"--- {where} ---\n{render_message(message)}")
            if where in (f"DM to {self.current}",) or where.startswith("#"):
                self.last_reply = self.member(self.current).sees(message)
        self.say("\n".join(lines))

    async def _answer(self, words: list[str]) -> None:
        usable = len(words) in (2, 3) and words[1] in ("right", "wrong")
        if not usable or (len(words) == 3 and not words[2].isdigit()):
            raise SandboxError("usage: answer right|wrong [N]")
        times = int(words[2]) if len(words) == 3 else 1
        reply = self._require_reply()
        for _ in range(times):
            question = self._shown_question(reply)
            picks = sorted(question.answer)
            if words[1] == "wrong":
                picks = [next(o.id for o in question.options if o.id not in question.answer), *picks[1:]]
            member = self.member(self.current)
            if reply.message is not None and reply.message.selects:
                reply = await reply.select(picks, by=member)
            else:
                reply = await reply.click(picks[0].upper(), by=member)
        await self._show(reply)

    def _shown_question(self, reply: Reply) -> Any:
        """The bank question a mock message shows (its footer names the exam and the question id)."""
        from bot.data.bank_loader import load_shipped_banks

        message = reply.message
        footer = ((message.embeds[0].get("footer") or {}).get("text", "") if message and message.embeds else "")
        match = re.match(r"^(\S+) .* question (\S+)$", footer)
        if not match:
            raise SandboxError("the message shown last is not a mock question")
        bank = load_shipped_banks().get(match.group(1))
        question = bank.question(match.group(2)) if bank else None
        if question is None:
            raise SandboxError(f"question {match.group(2)} is not in a shipped bank")
        return question

    def _today(self, words: list[str]) -> None:
        if len(words) not in (2, 3):
            raise SandboxError("usage: today YYYY-MM-DD [HH:MM]")
        text = " ".join(words[1:]) if len(words) == 3 else f"{words[1]} 09:00"
        try:
            when = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError as exc:
            raise SandboxError(f"couldn't read the date {text!r}; use YYYY-MM-DD [HH:MM]") from exc
        self.world.clock.set(when)
        self.say(f"It is now {when:%a %Y-%m-%d %H:%M} UTC.")

    def _new_messages(self) -> list[tuple[str, Any]]:
        state = self.world.emu.state
        out = []
        for message in sorted(state.messages.values(), key=lambda m: m.id):
            if message.id <= self._seen.get(message.channel_id, 0) or message.deleted:
                continue
            channel = state.channels.get(message.channel_id)
            if channel is None:
                continue
            if channel.type == 1:
                recipient = next((u.username for u in state.users.values() if u.dm_channel_id == channel.id), "?")
                where = f"DM to {recipient}"
            else:
                where = f"#{channel.name}"
            out.append((where, message))
        self._mark_all_seen()
        return out

    def _mark_all_seen(self) -> None:
        for message in self.world.emu.state.messages.values():
            if message.id > self._seen.get(message.channel_id, 0):
                self._seen[message.channel_id] = message.id

    def _show_messages(self, messages: list[Any], *, empty: str) -> None:
        if not messages:
            self.say(empty)
            return
        # The newest message shown becomes what `click` and `select` act on.
        self.last_reply = self.member(self.current).sees(messages[-1])
        self.say("\n\n".join(render_message(m) for m in messages))
        self._save_attachments(messages)

    async def _show(self, reply: Reply) -> None:
        self.last_reply = reply
        text = render_reply(reply)
        message = reply.message
        if message is not None:
            saved = self._save_attachments([message])
            if saved:
                text += "\n" + "\n".join(f"(saved {p})" for p in saved)
        self._mark_all_seen()
        self.say(text)

    def _save_attachments(self, messages: list[Any]) -> list[Path]:
        saved = []
        for message in messages:
            for attachment in message.attachments:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / f"{message.id}-{attachment.filename}"
                path.write_bytes(attachment.data)
                saved.append(path)
        return saved

    def _expect(self, words: list[str], *, negate: bool) -> None:
        if len(words) != 2:
            raise SandboxError('usage: expect "TEXT"')
        found = words[1] in self.last_output
        if found == negate:
            said = "not to contain" if negate else "to contain"
            raise SandboxError(f"expected the last output {said} {words[1]!r}; it was:\n{self.last_output}")


async def _run(database: str, script: tuple[str, list[str]] | None, files_dir: Path) -> int:
    sandbox = await Sandbox.open(database, files_dir)
    try:
        if script is not None:
            return await _run_script(sandbox, *script)
        return await _run_interactive(sandbox)
    finally:
        await sandbox.close()


async def _run_script(sandbox: Sandbox, name: str, lines: list[str]) -> int:
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.strip().startswith("#"):
            sandbox.out(f"\n{sandbox.current}> {line.strip()}")
        try:
            if not await sandbox.execute(line):
                break
        except SandboxError as exc:
            print(f"{name}:{number}: {exc}", file=sys.stderr)
            return 1
    return 0


async def _run_interactive(sandbox: Sandbox) -> int:
    sandbox.out("Rebound sandbox: a local practice server with members alice, bob, carol, dana and sam (admin).\n"
                "Type 'help' for the commands, 'quit' to leave.\n")
    while True:
        try:
            line = await asyncio.to_thread(input, f"{sandbox.current}> ")
        except EOFError:
            return 0
        try:
            if not await sandbox.execute(line):
                return 0
        except SandboxError as exc:
            sandbox.out(f"! {exc}")


def run_sandbox(*, database: str, script: str | None, files_dir: str) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    path = Path(database)
    # The practice server is created anew on every start, so old sandbox data would be unreachable.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    lines = None
    if script is not None:
        try:
            lines = (script, Path(script).read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            print(f"rebound sandbox: can't read {script}: {exc.strerror}", file=sys.stderr)
            return 2
    return asyncio.run(_run(str(path), lines, Path(files_dir)))

