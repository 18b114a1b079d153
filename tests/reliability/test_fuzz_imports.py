"""Question-bank and exam-definition imports, fuzzed with malformed and oversized files: every file is answered,
and a refused file changes nothing at all (no half-imported bank, no half-defined exams)."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.data.bank_loader import load_shipped_banks
from bot.domain.banks import LIMITS, bank_to_doc
from bot.emulator import RateLimits
from bot.emulator.harness import HarnessError
from bot.local import LocalWorld
from tests.e2e.conftest import World

from . import figures
from .fuzzing import NASTY
from .seed import EXAM, LOCAL_EXAM

EXAMPLES = int(os.environ.get("REBOUND_FUZZ_EXAMPLES", "25")) * 2
DERANDOMIZE = os.environ.get("REBOUND_FUZZ_RANDOM", "") != "1"

BAD_VALUES = [None, "", " ", 0, -1, 10**30, 3.5, True, [], {}, ["a", "b"], {"a": 1}, "x" * 5000, "@everyone",
              "2026-02-30", "'; DROP TABLE server_questions; --", "🦆" * 300]
QUESTION_FIELDS = ["id", "domain", "objective", "type", "choose", "stem", "options", "answer", "explanation",
                   "rationale", "difficulty", "tags", "reference", "unknown_field"]
EXAM_FIELDS = ["code", "name", "vendor", "policy", "status", "passing_score", "scale_min", "scale_max", "domains",
               "unknown_field"]


def valid_bank(count: int, first: int = 0) -> dict:
    """``count`` shipped questions under new ids, as an importable bank document."""
    shipped = load_shipped_banks()[EXAM]
    document = bank_to_doc(shipped)
    questions = document["questions"][first: first + count]
    for index, question in enumerate(questions):
        question["id"] = f"fuzz-{first + index:04d}"
    document["questions"] = questions
    document["bank"]["title"] = "Fuzzed bank"
    return document


def valid_exams(count: int) -> dict:
    one = yaml.safe_load(LOCAL_EXAM)
    exams = []
    for index in range(count):
        entry = copy.deepcopy(one)
        entry["code"] = f"HALL-{101 + index}"
        exams.append(entry)
    return {"exams": exams}


def alias_bomb(levels: int) -> bytes:
    """YAML aliases that expand to 9 ** (levels + 1) strings if anything walks them ("billion laughs")."""
    lines = ["a: &a ['x','x','x','x','x','x','x','x','x']"]
    for level in range(levels):
        name, below = chr(98 + level), chr(97 + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + below] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def bank_files(draw) -> tuple[str, bytes, str]:
    """(filename, data, what was done to it)."""
    kind = draw(st.sampled_from(["mutate", "mutate", "mutate", "duplicate", "truncate", "garbage", "bomb", "deep",
                                 "oversized", "many", "valid", "json", "not a mapping"]), label="kind")
    count = draw(st.integers(1, 30), label="questions")
    document = valid_bank(count)
    if kind == "mutate":
        for _ in range(draw(st.integers(1, 3), label="mutations")):
            question = document["questions"][draw(st.integers(0, count - 1), label="which")]
            field = draw(st.sampled_from(QUESTION_FIELDS), label="field")
            question[field] = draw(st.sampled_from(BAD_VALUES + NASTY[:20]), label="value")
        if draw(st.booleans(), label="bad header"):
            document["bank"][draw(st.sampled_from(["exam", "version", "title", "licence", "as_of"]))] = \
                draw(st.sampled_from(BAD_VALUES), label="header value")
    elif kind == "duplicate" and count > 1:
        document["questions"][-1]["id"] = document["questions"][0]["id"]
    elif kind == "many":
        document["questions"] = document["questions"] * (LIMITS.questions // max(1, count) + 1)
    elif kind == "not a mapping":
        document = document["questions"]
    text = json.dumps(document) if kind == "json" else yaml.safe_dump(document, allow_unicode=True)
    data = text.encode("utf-8")
    if kind == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)), label="cut at")]
    elif kind == "garbage":
        data = draw(st.binary(min_size=1, max_size=3000), label="bytes")
    elif kind == "bomb":
        data = alias_bomb(8) + data
    elif kind == "deep":
        data = b"bank: " + b"[" * 5000 + b"]" * 5000
    elif kind == "oversized":
        data += b"\n# " + b"x" * (LIMITS.document_bytes + 10)
    name = draw(st.sampled_from(["fuzz.yaml", "fuzz.yml", "fuzz.txt", "FUZZ.YAML"]), label="name")
    return name, data, kind


def exam_files(draw) -> tuple[str, bytes, str]:
    kind = draw(st.sampled_from(["mutate", "mutate", "mutate", "duplicate", "truncate", "garbage", "bomb", "deep",
                                 "oversized", "valid", "not a mapping", "unknown top"]), label="kind")
    count = draw(st.integers(1, 5), label="exams")
    document = valid_exams(count)
    if kind == "mutate":
        entry = document["exams"][draw(st.integers(0, count - 1), label="which")]
        entry[draw(st.sampled_from(EXAM_FIELDS), label="field")] = draw(st.sampled_from(BAD_VALUES + NASTY[:20]),
                                                                         label="value")
    elif kind == "duplicate" and count > 1:
        document["exams"][-1]["code"] = document["exams"][0]["code"]
    elif kind == "not a mapping":
        document = document["exams"]
    elif kind == "unknown top":
        document["surprise"] = True
    data = yaml.safe_dump(document, allow_unicode=True).encode("utf-8")
    if kind == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)), label="cut at")]
    elif kind == "garbage":
        data = draw(st.binary(min_size=1, max_size=3000), label="bytes")
    elif kind == "bomb":
        data = alias_bomb(5) + LOCAL_EXAM
    elif kind == "deep":
        data = b"code: " + b"[" * 5000 + b"]" * 5000
    elif kind == "oversized":
        data += b"\n# " + b"x" * 70_000
    return "fuzz.yaml", data, kind


async def snapshot(world) -> str:
    async with world.bot.db.read() as tx:
        tables = {}
        for table in ("server_banks", "server_questions", "local_exams"):
            rows = await tx.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
            tables[table] = [tuple(r) for r in rows]
    return json.dumps(tables, default=str)


class ImportFuzz:
    def __init__(self, folder, log, command: str) -> None:
        self.folder, self.log, self.command = folder, log, command
        self.tried = self.rejected = 0
        self.crashes: list[str] = []

    async def start(self) -> None:
        self.local = LocalWorld(database=str(self.folder / "imports.db"),
                                emulator_options={"rate_limits": RateLimits.disabled()})
        await self.local.start()
        self.world = World(self.local)
        await self.world.emu.wait_for(lambda: self.world.guild.general.messages, message="the setup guide")
        self.admin = self.world.member("admin", manage_guild=True)
        baseline = (yaml.safe_dump(valid_bank(3, first=100)).encode() if self.command == "bank import"
                    else LOCAL_EXAM)
        reply = await self.admin.slash(self.command, file=self.world.emu.attachment("baseline.yaml", baseline))
        assert "Imported" in reply.content or "Added" in reply.content, reply.content

    async def one(self, name: str, data: bytes, kind: str) -> None:
        before = await snapshot(self.world)
        marker = len(self.log.records)
        self.tried += 1
        try:
            reply = await self.admin.slash(self.command, file=self.world.emu.attachment(name, data), timeout=20)
        except HarnessError as exc:
            self.crashes.append(f"{kind} ({len(data)} bytes): {exc}")
            return
        after = await snapshot(self.world)
        errors = [r.getMessage()[:160] for r in self.log.records[marker:] if r.levelno >= logging.ERROR]
        accepted = any(word in reply.content for word in ("Imported", "Added", "Updated"))
        if errors or not reply.ephemeral:
            self.crashes.append(f"{kind} ({len(data)} bytes): {errors or 'a public reply'}")
        elif not accepted and after != before:
            self.crashes.append(f"{kind} ({len(data)} bytes): refused, yet the database changed")
        elif not accepted:
            self.rejected += 1

    async def stop(self) -> list[str]:
        await self.local.stop()
        emu = self.local.emu
        return [f"Discord would reject {v.route}: {v.problems}" for v in emu.violations]


def run(command: str, files, folder, log) -> ImportFuzz:
    loop = asyncio.new_event_loop()
    fuzz = ImportFuzz(folder, log, command)
    problems: list[str] = []
    try:
        loop.run_until_complete(fuzz.start())

        @settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def one(data):
            loop.run_until_complete(fuzz.one(*files(data.draw)))

        one()
    finally:
        problems += loop.run_until_complete(fuzz.stop())
        loop.run_until_complete(_cancel_leftovers())
        loop.close()
    fuzz.crashes += problems
    return fuzz


async def _cancel_leftovers() -> None:
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def test_bank_import_is_all_or_nothing(tmp_path, captured_logs):
    """Malformed, truncated, oversized or hostile bank files are refused whole; the bank stays as it was."""
    fuzz = run("bank import", bank_files, tmp_path, captured_logs)
    figures.inputs("/bank import files", tried=fuzz.tried, rejected=fuzz.rejected, crashes=len(fuzz.crashes),
                   note="a refused file must leave server_banks and server_questions unchanged")
    assert fuzz.crashes == []
    assert fuzz.rejected > fuzz.tried // 2


def test_exam_definitions_are_all_or_nothing(tmp_path, captured_logs):
    """Malformed exam files are refused whole: no exam of a refused file is defined."""
    fuzz = run("exam define", exam_files, tmp_path, captured_logs)
    figures.inputs("/exam define files", tried=fuzz.tried, rejected=fuzz.rejected, crashes=len(fuzz.crashes),
                   note="a refused file must leave local_exams unchanged")
    assert fuzz.crashes == []
    assert fuzz.rejected > fuzz.tried // 2
