"""/bank and /question end to end: a good import, a bad one that imports nothing, proposals and review."""

from __future__ import annotations

SY0 = "SY0-701"

GOOD = b"""
bank: {exam: SY0-701, version: 1, title: Study Hall extras, author: Study Hall, licence: CC-BY-SA-4.0}
questions:
  - id: sh-001
    domain: "2.0"
    type: single
    stem: An email asks staff to confirm their password on a look-alike site. What is this?
    options: {a: Phishing, b: Tailgating, c: Shoulder surfing}
    answer: a
    explanation: A deceptive message that leads to a fake login page is phishing.
"""

BAD = GOOD.replace(b"answer: a", b"answer: z").replace(b"type: single", b"type: sometimes")


async def test_a_good_bank_imports_with_counts(world):
    """A moderator imports a valid file and sees the counts; /bank list shows the server's questions."""
    mod = world.member("mod", manage_guild=True)
    reply = await mod.slash("bank import", file=world.emu.attachment("extras.yaml", GOOD))
    assert reply.ephemeral and "1 new" in reply.content
    listing = await mod.slash("bank list")
    assert "+ 1 from this server" in listing.content


async def test_a_bad_bank_imports_nothing_and_attaches_every_problem(world):
    """A file with errors imports nothing; the reply names the problems and attaches the full list."""
    mod = world.member("mod", manage_guild=True)
    reply = await mod.slash("bank import", file=world.emu.attachment("extras.yaml", BAD))
    assert "Nothing was imported" in reply.content
    assert "question sh-001: answer" in reply.content
    assert [a.filename for a in reply.attachments] == ["bank-problems.txt"]
    listing = await mod.slash("bank list")
    assert "from this server" not in listing.content


async def test_export_gives_a_yaml_file(world):
    """/bank export attaches the exam's bank as YAML."""
    reply = await world.member("alice").slash("bank export", exam="AZ-900")
    assert [a.filename for a in reply.attachments] == ["az-900.yaml"]
    assert reply.attachments[0].data.startswith(b"bank:")


async def test_a_proposal_is_reviewed_and_approved(world):
    """A member proposes through the modal; a moderator approves it into the server bank."""
    alice = world.member("alice")
    mod = world.member("mod", manage_guild=True)
    modal = await alice.slash("question propose", exam=SY0)
    sent = await modal.submit_modal({
        "Domain (number or name)": "2",
        "Question": "A caller pretends to be IT support and asks for a one-time code. What is this?",
        "Options, one per line (2 to 6)": "Vishing\nSmishing\nWhaling",
        "Right answer letter(s), e.g. A or A,C": "A",
        "Why it is right": "Voice phishing over the phone is vishing.",
    })
    assert "waiting for a moderator" in sent.content
    queue = await mod.slash("question review")
    assert "caller pretends" in queue.embeds[0]["description"]
    approved = await queue.click("Approve")
    assert "Approved" in approved.content
    listing = await mod.slash("bank list")
    assert "+ 1 from this server" in listing.content

