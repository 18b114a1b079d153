"""What the fuzzer found, each pinned by a plain test: every case below was an unexpected error before its fix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.emulator.harness import HarnessError
from bot.errors import InvalidInput
from bot.scheduling.recurrence import next_occurrence, parse_days
from bot.services.banks import BankService
from bot.ui.respond import CONTENT_LIMIT

from .seed import EXAM


@pytest.mark.parametrize(("typed", "days"), [
    ("sun-sat", "*"), ("fri-mon", "fri-sun,mon-mon"), ("sat-sun", "sat-sun"), ("mon-fri", "mon-fri"),
    ("mon,tue,wed,thu,fri,sat,sun", "*"),
])
def test_day_ranges_that_run_over_the_weekend_wrap_around(typed, days):
    """'fri-mon' means Friday to Monday; 'sun-sat' is the whole week (cron ranges only run from Monday)."""
    assert parse_days(typed) == days
    assert next_occurrence(hour=19, minute=0, days=days, timezone="UTC", after=datetime(2026, 6, 1, tzinfo=UTC))


def test_thousands_of_nested_brackets_are_refused_as_a_bank_file():
    """A bank file nested deeper than the YAML parser's stack is refused in words, not a RecursionError."""
    with pytest.raises(InvalidInput, match="nested too deeply"):
        BankService(None, None).parse_upload("deep.yaml", b"bank: " + b"[" * 5000 + b"]" * 5000)  # type: ignore


async def test_thousands_of_nested_brackets_are_refused_as_an_exam_file(world):
    """The same for /exam define."""
    admin = world.admin()
    reply = await admin.slash("exam define", file=world.emu.attachment("deep.yaml", b"code: " + b"[" * 5000))
    assert reply.ephemeral and "nested too deeply" in reply.content


async def test_a_booking_years_away_is_refused_kindly(world):
    """9999-12-31 is a typo, not a booking: the member is asked about the year (it overflowed the countdown)."""
    alice = world.member("alice")
    await alice.slash("exam set", code=EXAM)
    reply = await alice.slash("exam book", date="9999-12-31")
    assert reply.ephemeral and "more than two years away" in reply.content


async def test_an_echo_of_a_very_long_input_still_reaches_the_member(world):
    """A 6000-character exam code echoed in the refusal is cut to Discord's limit instead of failing with 50035."""
    reply = await world.member("alice").slash("exam set", code="x" * 6000)
    assert reply.ephemeral and len(reply.content) == CONTENT_LIMIT and reply.content.endswith("…")


@pytest.mark.parametrize("path", ["bank list", "checkin log", "exam info", "mock resume", "partner status",
                                  "privacy show", "question propose", "quiz stop", "remind list", "report enter",
                                  "resources list", "settings show"])
async def test_server_only_groups_are_not_offered_in_dms(world, path):
    """Discord applies contexts to top-level commands only, so each server-only group carries it and DMs hide it."""
    command = world.emu.find_command(path.split()[0], None)
    assert command["contexts"] == [0]
    with pytest.raises(HarnessError, match="not available in DMs"):
        await world.member("alice").slash(path, dm=True)
