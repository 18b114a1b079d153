"""Accountability through the real client and the emulator: check-ins, reminders, /away, partners, countdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import to_epoch
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members


async def set_exam(world, member, code="SY0-701", booked_at: datetime | None = None):
    now = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        await Members(tx).ensure(world.guild.id, member.id, now)
        await Exams(tx).set_active(world.guild.id, member.id, code, now)
        if booked_at is not None:
            await Exams(tx).set_booking(world.guild.id, member.id, code, booked_at.date().isoformat(),
                                        to_epoch(booked_at), now)


async def test_week_of_checkins_across_dst_keeps_the_streak(world):
    """Seven daily check-ins in New York across the November DST change make a seven-day streak."""
    world.clock.set(datetime(2026, 10, 29, 23, 0, tzinfo=UTC))  # 19:00 in New York, DST ends 1 Nov
    alice = world.member("alice")
    await alice.slash("settings timezone", name="America/New_York")
    for _ in range(7):
        reply = await alice.slash("checkin log", minutes=30)
        await world.advance(days=1)
    assert reply.ephemeral and "Streak: **7**" in reply.content
    history = await alice.slash("checkin history")
    assert history.content.count("30 min") == 7


async def test_reminder_fires_only_without_a_checkin(world):
    """The daily reminder is skipped on a day with a check-in and arrives on a day without."""
    bob = world.member("bob")
    await bob.slash("remind checkin", time="19:00", days="daily")
    await bob.slash("checkin log", minutes=20)
    await world.advance(hours=11)
    assert await bob.dms() == []
    await world.advance(days=1)
    dms = await bob.dms()
    assert len(dms) == 1 and "haven't checked in" in dms[0].content


async def test_away_silences_everything(world):
    """While /away, no reminder and no partner ping arrive."""
    carol, dan = world.member("carol"), world.member("dan")
    admin = world.member("admin", manage_guild=True)
    for m in (carol, dan):
        await set_exam(world, m)
        await m.slash("partner join")
    await admin.slash("admin pairing", run_now=True)
    await world.advance(minutes=1)
    await carol.slash("remind checkin", time="19:00", days="daily")
    reply = await carol.slash("away", days=5)
    assert reply.ephemeral and "no reminders" in reply.content
    before = len(await dan.dms())
    await world.advance(days=4)
    assert await carol.dms() == [] or all("quiet" not in m.content for m in await carol.dms())
    assert not any("hasn't checked in" in m.content for m in (await dan.dms())[before:])


async def test_pairing_round_of_seven(world):
    """Seven members: same-exam pairs in private threads, the odd one told, no repeats next round, a block honoured."""
    world.guild.add_channel("partners")
    admin = world.member("admin", manage_guild=True)
    names = [f"m{i}" for i in range(7)]
    members = [world.member(n) for n in names]
    for i, m in enumerate(members):
        await set_exam(world, m, "SY0-701" if i < 4 else "N10-009")
        await m.slash("partner join")
    await members[0].slash("partner block", member=members[1])
    reply = await admin.slash("admin pairing", channel=world.guild.channel("partners"), run_now=True)
    assert "Round 1" in reply.content
    await world.advance(minutes=1)
    threads = world.guild.threads()
    first = {frozenset(t.members) - {world.bot.user.id} for t in threads}
    assert all(len(g) in (2, 3) for g in first)
    assert frozenset({members[0].id, members[1].id}) not in first
    grouped = set().union(*first)
    odd = [m for m in members if m.id not in grouped]
    for m in odd:
        assert any("first in line" in d.content for d in await m.dms())
    for m in members:
        await m.slash("checkin log", minutes=15)
    await admin.slash("admin pairing", run_now=True)
    await world.advance(minutes=1)
    second = {frozenset(t.members) - {world.bot.user.id} for t in world.guild.threads()} - first
    pairs_before = {g for g in first if len(g) == 2}
    assert not pairs_before & {g for g in second if len(g) == 2}


async def test_partner_ping_after_two_quiet_days(world):
    """After two days without a check-in the partner gets a private ping with an encouragement button."""
    erin, finn = world.member("erin"), world.member("finn")
    admin = world.member("admin", manage_guild=True)
    for m in (erin, finn):
        await set_exam(world, m)
        await m.slash("partner join")
    await admin.slash("admin pairing", run_now=True)
    await world.advance(minutes=1)
    await finn.slash("checkin log", minutes=30)
    await world.advance(days=3, hours=2)
    pings = [d for d in await finn.dms() if "hasn't checked in" in d.content]
    assert len(pings) == 1 and "Send encouragement" in pings[0].buttons
    assert sum("quiet days" in d.content for d in await erin.dms()) == 1


async def test_full_countdown_sequence(world):
    """A booked exam gets T-21, T-7, T-2, the evening checklist and T+1, each once."""
    gina = world.member("gina")
    exam_at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    await set_exam(world, gina, booked_at=exam_at)
    await world.bot.services.countdown.on_booked(world.guild.id, gina.id)
    await world.bot.services.countdown.on_booked(world.guild.id, gina.id)  # a second call sends nothing twice
    for _ in range(32):
        await world.advance(days=1)
    texts = [d.content for d in await gina.dms()]
    assert len(texts) == 5
    assert "Three weeks" in texts[0] and "One week" in texts[1] and "Two days" in texts[2]
    assert "checklist" in texts[3] and "How did it go" in texts[4]


async def test_booking_by_command_leads_to_the_next_day_question_and_a_fail_restarts_the_retake_flow(world):
    """/exam book schedules the countdown; answering "Not this time" the day after records the failed
    attempt and gives the new earliest retake date."""
    ivy = world.member("ivy")
    await ivy.slash("exam set", code="SY0-701")
    booked = await ivy.slash("exam book", date="2026-06-10")
    assert booked.content.startswith("Booked: **SY0-701 on 2026-06-10**")
    for _ in range(11):
        await world.advance(days=1)
    question = [d for d in await ivy.dms() if "How did it go" in d.content]
    assert len(question) == 1
    answered = await ivy.sees(question[0]).click("Not this time")
    assert answered.ephemeral
    assert "2026-06-10" in str(answered.embeds)
    assert "retake" in str(answered.embeds).lower()
    rebooked = await ivy.slash("exam book", date="2026-06-20")  # CompTIA: no wait after a first failure
    assert rebooked.content.startswith("Booked: **SY0-701 on 2026-06-20**")
    async with world.bot.db.read() as tx:
        recorded = await Exams(tx).attempts(world.guild.id, ivy.id, ("SY0-701",))
    assert [(a.taken_on, a.passed) for a in recorded] == [("2026-06-10", False)]


async def test_restart_mid_fan_out_delivers_each_of_100_once(world):
    """100 due reminders to 100 members; the process dies mid fan-out (some claimed, some of those already
    accepted by Discord); after the restart every member has exactly one message."""
    members = [world.member(f"m{i:03d}") for i in range(100)]
    now = to_epoch(world.clock.now())
    async with world.bot.db.transaction() as tx:
        for i, m in enumerate(members):
            await Members(tx).ensure(world.guild.id, m.id, now)
            await Deliveries(tx).schedule(kind="acc_notice", due_at=now + 60, key=f"bulk:{i}", now=now,
                                          guild_id=world.guild.id, user_id=m.id, payload={"text": f"note {i}"})
    world.clock.advance(minutes=2)
    # The dying process had claimed 30 rows and Discord had accepted 10 of those messages when it stopped.
    async with world.bot.db.transaction() as tx:
        claimed = await Deliveries(tx).claim_due(to_epoch(world.clock.now()), 30)
    handler = world.bot.dispatcher.handler_for("acc_notice")
    for delivery in claimed[:10]:
        await handler(delivery)
    await world.restart()
    await world.advance(minutes=1)
    for i, m in enumerate(members):
        assert [d.content for d in await m.dms()] == [f"note {i}"]
    async with world.bot.db.read() as tx:
        rows = await tx.fetchall("SELECT status FROM scheduled_deliveries WHERE idempotency_key LIKE 'bulk:%'")
    assert [r["status"] for r in rows] == ["sent"] * 100


async def test_bad_input_is_a_private_error(world):
    """Invalid times, past sessions, self-blocks and joining without an exam are private errors."""
    ivy = world.member("ivy")
    cases = [
        ("remind checkin", {"time": "25:61"}, "isn't a time"),
        ("remind session", {"when": "2020-01-01 10:00"}, "already passed"),
        ("partner block", {"member": ivy}, "yourself"),
        ("partner join", {}, "haven't set yours"),
        ("remind session", {"when": "someday"}, "couldn't read"),
    ]
    for command, options, expected in cases:
        reply = await ivy.slash(command, **options)
        assert reply.ephemeral and expected in reply.content
    listed = await ivy.slash("remind list")
    assert "no reminders" in listed.content


async def member_delivery_counts(world, member) -> dict[str, int]:
    """Deliveries for one member by status (server-wide jobs such as the daily purge are left out)."""
    async with world.bot.db.read() as tx:
        pending = await Deliveries(tx).pending_for_member(world.guild.id, member.id)
        rows = await tx.fetchall(
            "SELECT status, COUNT(*) AS n FROM scheduled_deliveries WHERE user_id = ? GROUP BY status", (member.id,))
    counts = {r["status"]: r["n"] for r in rows}
    assert counts.get("pending", 0) == len(pending)
    return counts


async def test_closed_dms_are_reported_once(world):
    """A reminder to closed DMs is not retried, and the member is told once in the server."""
    jo = world.member("jo")
    jo.close_dms()
    await jo.slash("remind checkin", time="19:00", days="daily")
    await world.advance(hours=11)
    first = await jo.slash("remind list")
    second = await jo.slash("remind list")
    assert "DMs are closed" in first.content and "DMs are closed" not in second.content
    await world.advance(days=1)
    counts = await member_delivery_counts(world, jo)
    assert counts.get("failed", 0) == 2 and counts.get("pending", 0) == 1


async def test_breathe_walks_a_message_through_the_steps(world):
    """/breathe posts a DM and edits it through each step."""
    kim = world.member("kim")
    reply = await kim.slash("breathe", cycles=1)
    assert "DMs" in reply.content
    await world.advance(seconds=20)
    dms = await kim.dms()
    assert len(dms) == 1 and "Done" in dms[0].content


async def test_examday_shows_the_checklist(world):
    """/examday shows the checklist and the days left."""
    lee = world.member("lee")
    await set_exam(world, lee, booked_at=world.clock.now() + timedelta(days=3))
    reply = await lee.slash("examday")
    assert "in 3 days" in reply.content and "checklist" in reply.content
