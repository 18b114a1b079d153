"""The one error handler: member errors become private plain words; bugs are logged, never shown."""

from __future__ import annotations

import logging

import pytest

from bot.client import all_extensions
from bot.local import LocalWorld


@pytest.fixture
async def boom_world(tmp_path):
    local = LocalWorld(
        database=str(tmp_path / "boom.db"),
        bot_options={"extensions": [*all_extensions(), "tests.e2e.boom_ext"]},
    )
    await local.start()
    guild = local.emu.add_guild("Errors", owner="owner")
    try:
        yield local, guild.add_member("alice")
    finally:
        await local.stop()


async def test_member_error_is_private_and_in_plain_words(boom_world):
    """A UserError reaches the member privately with its message and hint."""
    _, alice = boom_world
    reply = await alice.slash("oops")
    assert reply.ephemeral
    assert "That date is in the future." in reply.content
    assert "Use the day you sat the exam." in reply.content


async def test_unexpected_error_is_logged_with_context_and_hidden(boom_world, caplog):
    """A bug is logged with the command and ids; the member sees a kind sentence, no internals."""
    _, alice = boom_world
    with caplog.at_level(logging.ERROR, logger="rebound.errors"):
        reply = await alice.slash("boom")
    assert reply.ephemeral
    assert "it was logged" in reply.content
    assert "secret internal detail" not in reply.content
    assert "Traceback" not in reply.content
    records = [r for r in caplog.records if r.name == "rebound.errors"]
    assert records and "boom" in records[0].getMessage()
    assert records[0].exc_info is not None
