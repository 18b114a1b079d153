"""Isolation: one server's data never shows in another server or in another member's DMs, and a button only
acts for the member whose session it belongs to (even when the click is forged with someone else's id)."""

from __future__ import annotations

from bot.db.repositories.partners import Partners
from bot.emulator.harness import HarnessError, NoReply, Reply

from .commands import walk

MARKERS = ("Pacific/Chatham", "zebra-marker-note", "quokka-marker-topic")
EXAM = "SY0-701"


def texts_of(message) -> str:
    parts = [message.content]
    for embed in message.embeds:
        parts += [str(embed.get("title", "")), str(embed.get("description", "")), str(embed.get("footer", ""))]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields", [])]
    parts += [a.data.decode("utf-8", "replace") for a in message.attachments if a.filename.endswith((".json", ".txt",
                                                                                                    ".yaml"))]
    return "\n".join(parts)


async def leave_markers(member):
    await member.slash("settings timezone", name="Pacific/Chatham")
    await member.slash("exam set", code=EXAM)
    await member.slash("checkin log", minutes=25, note="zebra-marker-note")
    await member.slash("remind session", when="2026-06-03 18:30", topic="quokka-marker-topic")
    await member.slash("partner join")


async def everything_shown(member, commands, *, dm: bool = False) -> list[str]:
    """Run every command that needs no option; return the text of every answer."""
    shown = []
    for command in commands:
        if command.admin_only or any(o.get("required") for o in command.options):
            continue
        if dm and not command.allowed_in_dms:
            continue
        try:
            reply = await member.slash(command.path, dm=dm)
        except (HarnessError, NoReply):
            continue
        if reply.is_modal or reply.message is None:
            continue
        shown.append(texts_of(reply.message))
        shown += [texts_of(m) for m in await reply.followups()]
    return shown


async def test_another_server_shows_nothing_of_this_one(world):
    """Alice's data in one server never appears in any answer she gets in a second server."""
    alice = world.member("alice")
    await leave_markers(alice)
    other = world.emu.add_guild("Other Hall", owner="other-owner")
    await world.emu.wait_for(lambda: world.bot.get_guild(other.id) is not None)
    there = other.add_member("alice")
    await there.slash("exam set", code="AZ-900")
    shown = await everything_shown(there, walk(world.emu.state.global_commands))
    leaked = [m for m in MARKERS for text in shown if m in text]
    assert len(shown) > 10
    assert leaked == []


async def test_another_members_dms_show_nothing_of_a_member(world):
    """Bob's DMs (commands there, and a week of deliveries) carry none of Alice's details."""
    alice, bob = world.member("alice"), world.member("bob")
    await leave_markers(alice)
    await bob.slash("exam set", code=EXAM)
    await bob.slash("partner join")
    await world.admin().slash("admin pairing", run_now=True)
    shown = await everything_shown(bob, walk(world.emu.state.global_commands), dm=True)
    await world.advance(days=8)
    shown += [texts_of(m) for m in await bob.dms()]
    assert [m for m in MARKERS for text in shown if m in text] == []


# --- buttons belong to their session's member --------------------------------------------------------------
async def forged_click(world, member, message, custom_id: str, *, values: list[str] | None = None) -> Reply:
    """``member`` presses ``custom_id`` on ``message`` (as a modified client could), from their own channel."""
    data = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
    if values is not None:
        data["values"] = values
    channel = world.emu.state.channels[message.channel_id]
    if channel.guild_id is None:
        channel = world.emu.state.dm_channel(member.user)
    interaction = world.emu.dispatch_interaction(3, data, user=member, channel=channel, message=message)
    return await Reply(world.emu, interaction, member).wait()


async def count(world, sql: str, *params) -> int:
    async with world.bot.db.read() as tx:
        return await tx.scalar(sql, params)


def first_button(message, prefix: str) -> str:
    return next(c["custom_id"] for c in message.component_items() if c.get("custom_id", "").startswith(prefix))


async def test_practice_buttons_answer_only_their_member(world):
    """Mallory pressing Alice's practice answer is refused privately; Alice's session is untouched."""
    alice, mallory = world.member("alice"), world.member("mallory")
    await alice.slash("exam set", code=EXAM)
    question = await alice.slash("practice", count=2)
    custom_id = first_button(question.message, "rb:p")
    refused = await forged_click(world, mallory, question.message, custom_id,
                                 values=["a", "b"] if custom_id.startswith("rb:pm:") else None)
    assert refused.ephemeral and "someone else's" in refused.content
    assert await count(world, "SELECT COUNT(*) FROM practice_answers") == 0


async def test_mock_buttons_answer_only_their_member(world):
    """Mallory pressing a button of Alice's mock (in Alice's DMs) is refused and changes nothing."""
    alice, mallory = world.member("alice"), world.member("mallory")
    await alice.slash("exam set", code="AZ-900")
    await alice.slash("mock start", length="half")
    message = (await alice.dms())[-1]
    # A single-answer question has buttons; a multi-answer one a select (both belong to Alice's mock).
    item = next(c for c in message.component_items() if c.get("custom_id", "").startswith("rb:mock"))
    values = None
    if item["type"] == 3:
        values = [o["value"] for o in item["options"][: item.get("min_values", 1)]]
    refused = await forged_click(world, mallory, message, item["custom_id"], values=values)
    assert refused.ephemeral and "someone else's" in refused.content
    assert await count(world, "SELECT COUNT(*) FROM mock_answers") == 0


async def test_report_buttons_save_only_their_members_draft(world):
    """Mallory pressing Save on Alice's report preview is refused; no report is saved for anyone."""
    alice, mallory = world.member("alice"), world.member("mallory")
    await alice.slash("exam set", code=EXAM)
    form = await alice.slash("report paste")
    field = form.modal["components"][0]
    field = field.get("component") or field["components"][0]
    preview = await form.submit_modal({field["custom_id"]: "General Security Concepts: 80%\nSecurity Operations 55%"})
    custom_id = first_button(preview.message, "rb:report:save")
    refused = await forged_click(world, mallory, preview.message, custom_id)
    assert refused.ephemeral
    assert await count(world, "SELECT COUNT(*) FROM score_reports") == 0


async def pair(world, *names):
    members = [world.member(n) for n in names]
    for member in members:
        await member.slash("exam set", code=EXAM)
        await member.slash("partner join")
    await world.admin().slash("admin pairing", run_now=True)
    async with world.bot.db.read() as tx:
        group = await Partners(tx).current_group(world.guild.id, members[0].id)
    return members, group


def message_with(messages, prefix: str):
    return next(m for m in reversed(messages)
                if any(c.get("custom_id", "").startswith(prefix) for c in m.component_items()))


async def test_connect_question_answers_only_for_group_members(world):
    """Someone outside a study pair pressing its "did you connect?" button is refused privately."""
    (alice, _), group = await pair(world, "alice", "bob")
    mallory = world.member("mallory")
    await world.advance(days=4)
    message = message_with(await alice.dms(), f"rebound:connect:{group.id}:")
    refused = await forged_click(world, mallory, message, f"rebound:connect:{group.id}:1")
    assert refused.ephemeral and "members of this group" in refused.content
    assert await count(world, "SELECT COUNT(*) FROM partner_group_members WHERE connected IS NOT NULL") == 0


async def test_session_buttons_answer_only_for_their_member(world):
    """Mallory pressing "It happened" on Alice's study session is refused privately."""
    alice, mallory = world.member("alice"), world.member("mallory")
    await alice.slash("remind session", when="2026-06-01 18:30")
    await world.advance(hours=12)
    message = message_with(await alice.dms(), "rebound:session:")
    custom_id = first_button(message, "rebound:session:")
    refused = await forged_click(world, mallory, message, custom_id)
    assert refused.ephemeral
    assert await count(world, "SELECT COUNT(*) FROM study_sessions WHERE happened IS NOT NULL") == 0


async def test_encouragement_goes_only_from_a_partner(world):
    """Mallory, not Alice's partner, pressing "Send encouragement" for her is refused and sends nothing."""
    (alice, bob), _ = await pair(world, "alice", "bob")
    mallory = world.member("mallory")
    await world.advance(days=4)
    message = message_with(await bob.dms(), "rebound:encourage:")
    refused = await forged_click(world, mallory, message, first_button(message, "rebound:encourage:"))
    assert refused.ephemeral and "current study partner" in refused.content
    assert await count(world, "SELECT COUNT(*) FROM scheduled_deliveries WHERE idempotency_key LIKE 'encourage:%'") == 0


async def test_proposal_review_buttons_need_manage_server(world):
    """A member pressing Approve on a proposal (a forged click) is refused and the proposal stays pending."""
    admin, alice, mallory = world.admin(), world.member("alice"), world.member("mallory")
    await alice.slash("exam set", code=EXAM)
    await world.bot.services.banks.propose(world.guild.id, alice.id, exam_code=EXAM, domain="2",
                                           stem="Which port does SSH use?", options_text="22\n23\n25",
                                           answer_text="A", explanation="SSH listens on TCP 22.")
    review = await admin.slash("question review")
    custom_id = first_button(review.message, "rb:qr:")
    refused = await forged_click(world, mallory, review.message, custom_id)
    assert refused.ephemeral and "Manage Server" in refused.content
    assert await count(world, "SELECT COUNT(*) FROM question_proposals WHERE status = 'pending'") == 1


async def test_setup_pages_answer_only_the_admin_who_opened_them(world):
    """Another member pressing a button of an admin's /admin setup page is refused privately."""
    admin, mallory = world.admin(), world.member("mallory")
    page = await admin.slash("admin setup")
    custom_id = next(c["custom_id"] for c in page.message.component_items() if c.get("type") == 2)
    refused = await forged_click(world, mallory, page.message, custom_id)
    assert refused.ephemeral
    assert "Manage Server" in refused.content or "someone else" in refused.content
