"""Bad input, fuzzed: every registered slash command gets generated option values (and modal fields), and
must answer every one without an unhandled exception, refusing in private, in plain words, leaving the
database sound. Hypothesis is derandomised so CI sees the same inputs every run.

``REBOUND_FUZZ_EXAMPLES`` sets the number of examples per command (default 25) for a longer local run, and
``REBOUND_FUZZ_RANDOM=1`` draws new inputs on every run instead of CI's fixed ones.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import figures
from .commands import command_ids, registered_commands
from .fuzzing import FuzzSession

EXAMPLES = int(os.environ.get("REBOUND_FUZZ_EXAMPLES", "25"))
DERANDOMIZE = os.environ.get("REBOUND_FUZZ_RANDOM", "") != "1"
COMMANDS = {c.path: c for c in registered_commands()}


async def cancel_leftovers() -> None:
    """Views' timeout tasks outlive the bot; end them before the loop closes."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def run_fuzz(command, folder, log, monkeypatch) -> tuple[FuzzSession, list[str]]:
    loop = asyncio.new_event_loop()
    session = FuzzSession(command, folder, log)
    session.record_rendering(monkeypatch)
    problems: list[str] = []
    try:
        loop.run_until_complete(session.start())
        loop.run_until_complete(session.corpus())

        @settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def one(data):
            loop.run_until_complete(session.example(data.draw))

        one()
        problems += loop.run_until_complete(session.aftermath())
    finally:
        problems += loop.run_until_complete(session.stop())
        loop.run_until_complete(cancel_leftovers())
        loop.close()
    return session, problems


@pytest.mark.parametrize("path", command_ids())
def test_fuzzed_options_are_answered_cleanly(path, tmp_path, captured_logs, monkeypatch):
    """Generated values for every option of the command: no crash, refusals private and plain, data sound."""
    session, problems = run_fuzz(COMMANDS[path], tmp_path, captured_logs, monkeypatch)
    outcome = session.outcome
    figures.inputs(f"/{path}", tried=outcome.tried, rejected=outcome.rejected,
                   crashes=len(outcome.crashes) + len(problems))
    assert outcome.crashes == []
    assert problems == []
    assert outcome.tried > 0
