"""/exam, /report, /weak, /diagnose and /plan through the real client and the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

LOCAL_EXAM = b"""
code: HALL-101
name: Study Hall Networking Basics
vendor: Study Hall
policy: comptia
status: current
domains:
  - {number: "1", name: Cabling, weight: 40}
  - {number: "2", name: Routing, weight: 60}
"""

PASTE = """Security+ SY0-701 score report
general security concepts: 80%
Threats, Vulnerabilities and Mitigations - 70%
3: 75%
SECURITY-OPERATIONS 55%
5.0 Security Program Management and Oversight 72%
"""


async def db_count(world, sql: str, *params) -> int:
    async with world.bot.db.read() as tx:
        return await tx.scalar(sql, params)


def day(world, offset: int) -> str:
    """A date ``offset`` days from the world's today, as the member types it."""
    return (world.clock.now().date() + timedelta(days=offset)).isoformat()


def text_of(reply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            parts += [field.get("name") or "", field.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


async def test_the_whole_retake_flow(world):
    """fail → report → weak → diagnose → plan → book, every reply private."""
    alice = world.member("alice")
    chosen = await alice.slash("exam set", code="SY0-701")
    assert chosen.ephemeral and "SY0-701" in chosen.content and "as of" in chosen.content

    failed = await alice.slash("exam attempt", date=day(world, -1), result="fail", score=690)
    assert failed.ephemeral
    assert "Earliest retake" in text_of(failed) and "as of" in text_of(failed)
    assert "Enter report" in failed.buttons

    panel = await failed.click("Enter report")
    assert panel.ephemeral and "Save report" in panel.buttons
    page = await panel.click(index=0)
    assert page.is_modal
    filled = await page.submit_modal({"1.0": "80", "2.0": "near", "4.0": "55%"})
    assert "≈" in text_of(filled) and "4.0 Security Operations" in text_of(filled)
    assert await db_count(world, "SELECT COUNT(*) FROM score_reports") == 0
    saved = await filled.click("Save report")
    assert "Score report saved" in text_of(saved)
    assert await db_count(world, "SELECT COUNT(*) FROM score_reports") == 1

    weak = await alice.slash("weak")
    assert weak.ephemeral
    assert weak.embeds[0]["fields"][0]["name"] == "Weak"
    assert "4.0 Security Operations" in weak.embeds[0]["fields"][0]["value"]

    questionnaire = await alice.slash("diagnose")
    assert questionnaire.ephemeral
    step = await questionnaire.select(["crammed"], index=0)
    step = await step.select(["video"], index=2)
    step = await step.click("Next")
    step = await step.select(["ran_out"], index=0)
    result = await step.click("See my diagnosis")
    assert "The clock ran out" in text_of(result)
    assert await db_count(world, "SELECT COUNT(*) FROM diagnoses") == 1

    plan = await alice.slash("plan", hours_per_week=8)
    assert plan.ephemeral
    assert [a.filename for a in plan.attachments] == ["plan.png"]
    assert "Practise against the clock" in text_of(plan) or "pacing" in text_of(plan)
    assert "proposed" in text_of(plan)

    booked = await alice.slash("exam book", date=day(world, 30))
    assert booked.ephemeral and f"Booked: **SY0-701 on {day(world, 30)}**" in booked.content
    replanned = await alice.slash("plan")
    assert f"{day(world, 30)} (booked)" in text_of(replanned)


async def test_exam_info_shows_facts_with_their_dates(world):
    """/exam info gives the blueprint, passing score and retake policy, each with its source date."""
    reply = await world.member("bob").slash("exam info", code="AZ-900")
    text = text_of(reply)
    assert reply.ephemeral
    assert "Describe cloud concepts" in text and "25–30%" in text
    assert "Passing score: 700" in text
    assert text.count("as of") >= 2


async def test_unknown_exam_code_gets_suggestions(world):
    """A mistyped code is a private error naming close codes; nothing is saved."""
    carol = world.member("carol")
    reply = await carol.slash("exam set", code="SY0-710")
    assert reply.ephemeral and "SY0-701" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM member_exams") == 0


async def test_exam_code_autocomplete(world):
    """Typing part of a code offers matching exams, at most 25."""
    choices = await world.member("dana").autocomplete("exam set", "code", "sy0")
    values = [c["value"] if isinstance(c, dict) else c for c in choices]
    assert "SY0-701" in values and len(values) <= 25


async def test_attempt_in_the_future_is_refused(world):
    """An attempt dated tomorrow is a clear private error and no attempt is saved."""
    erin = world.member("erin")
    await erin.slash("exam set", code="SY0-701")
    reply = await erin.slash("exam attempt", date=day(world, 1), result="fail")
    assert reply.ephemeral and "future" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM exam_attempts") == 0


@pytest.mark.parametrize(
    ("offset", "expected"), [(-1, "already passed"), (5, "the retake opens on {eligible}")],
    ids=["past", "before-eligible"],
)
async def test_bad_bookings_are_refused(world, offset, expected):
    """A booking in the past, or before the vendor's wait ends, is refused with the reason."""
    frank = world.member("frank")
    await frank.slash("exam set", code="SY0-701")
    await frank.slash("exam attempt", date=day(world, -12), result="fail")
    await frank.slash("exam attempt", date=day(world, -1), result="fail")
    reply = await frank.slash("exam book", date=day(world, offset))
    assert reply.ephemeral and expected.format(eligible=day(world, 13)) in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM member_exams WHERE booked_date IS NOT NULL") == 0


async def test_pasted_report_matches_domains_loosely_and_confirms(world):
    """Pasted lines match by name regardless of case and punctuation, and by number; header lines come back."""
    gina = world.member("gina")
    await gina.slash("exam set", code="SY0-701")
    modal = await gina.slash("report paste")
    assert modal.is_modal
    preview = await modal.submit_modal({"Domain results from your report": PASTE})
    text = text_of(preview)
    assert preview.ephemeral
    assert "1.0 General Security Concepts**: 80%" in text and "3.0 Security Architecture**: 75%" in text
    assert "Not read" in text and "score report" in text
    assert await db_count(world, "SELECT COUNT(*) FROM score_reports") == 0
    await preview.click("Save report")
    assert await db_count(world, "SELECT COUNT(*) FROM score_report_domains") == 5


@pytest.mark.parametrize("value", ["120", "-5"])
async def test_report_percentage_outside_0_to_100_is_refused(world, value):
    """A percentage outside 0–100 on a report page is a private error, and nothing is kept."""
    hana = world.member("hana")
    await hana.slash("exam set", code="SY0-701")
    panel = await hana.slash("report enter")
    page = await panel.click(index=0)
    reply = await page.submit_modal({"1.0": value})
    assert reply.ephemeral and "between 0 and 100" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM report_drafts WHERE entries != '{}'") == 0
    assert await db_count(world, "SELECT COUNT(*) FROM score_reports") == 0


async def test_report_save_survives_a_restart(world):
    """A previewed report can still be saved after the bot restarts: the draft is in the database."""
    ivy = world.member("ivy")
    await ivy.slash("exam set", code="SY0-701")
    modal = await ivy.slash("report paste")
    preview = await modal.submit_modal({"Domain results from your report": PASTE})
    await world.restart()
    saved = await preview.click("Save report")
    assert "Score report saved" in text_of(saved)


async def test_commands_before_choosing_an_exam_explain_what_to_do(world):
    """Without an exam, /weak, /plan and /report tell the member to use /exam set."""
    jo = world.member("jo")
    for command in ("weak", "plan", "report enter", "diagnose"):
        reply = await jo.slash(command)
        assert reply.ephemeral and "/exam set" in reply.content, command


async def test_plan_hours_out_of_range_are_refused(world):
    """Impossible weekly hours are a clear error and are not kept."""
    kim = world.member("kim")
    await kim.slash("exam set", code="SY0-701")
    reply = await kim.slash("plan", hours_per_week=200)
    assert reply.ephemeral and "hours a week" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM member_exams WHERE hours_per_week IS NOT NULL") == 0


async def test_weak_can_be_shared_by_choice(world):
    """/weak is private; the Share button posts a copy to the channel."""
    lee = world.member("lee")
    await lee.slash("exam set", code="SY0-701")
    weak = await lee.slash("weak")
    shared = await weak.click("Share in channel")
    await world.emu.wait_for(lambda: shared.interaction.followup_ids, message="the shared copy")
    messages = await shared.followups()
    assert [m.ephemeral for m in messages] == [False]
    assert "SY0-701" in messages[0].content


async def test_define_needs_manage_server(world):
    """A member without Manage Server cannot define an exam; nothing is saved."""
    max_ = world.member("max")
    reply = await max_.slash("exam define", file=world.emu.attachment("hall.yaml", LOCAL_EXAM))
    assert reply.ephemeral and "Manage Server" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM local_exams") == 0


async def test_admin_defines_a_server_exam_members_can_choose(world):
    """An admin's valid YAML adds an exam that members of the server can then set."""
    admin = world.member("nell", manage_guild=True)
    reply = await admin.slash("exam define", file=world.emu.attachment("hall.yaml", LOCAL_EXAM))
    assert reply.ephemeral and "HALL-101" in reply.content
    chosen = await world.member("olga").slash("exam set", code="hall-101")
    assert "Study Hall Networking Basics" in chosen.content


async def test_invalid_definition_lists_the_problems(world):
    """A definition with bad weights is refused with the problem named; nothing is saved."""
    admin = world.member("pat", manage_guild=True)
    bad = LOCAL_EXAM.replace(b"weight: 60", b"weight: 70")
    reply = await admin.slash("exam define", file=world.emu.attachment("hall.yaml", bad))
    assert reply.ephemeral and "110" in reply.content
    assert await db_count(world, "SELECT COUNT(*) FROM local_exams") == 0
