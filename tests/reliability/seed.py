"""A member who has used every feature, built through the real services (and a few repositories).

Used by the privacy tests (export shows every table, delete empties every table) and by the isolation tests
(another server and another member see none of it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.clock import FakeClock, to_epoch
from bot.data.bank_loader import load_shipped_banks
from bot.db.connection import Database
from bot.db.repositories.mocks import ReadinessNotices
from bot.services.container import Services
from bot.services.guild_settings import FEATURES

EXAM = "SY0-701"
QUIZ_CHANNEL = 7_000_001
BOARD_CHANNEL = 7_000_002
THREAD = 7_000_003

SY0_PASTE = """CompTIA Security+ SY0-701 score report
General Security Concepts: 80%
threats vulnerabilities and mitigations - 70%
3: 75%
SECURITY-OPERATIONS 55%
5.0 Security Program Management and Oversight 72%
"""

LOCAL_EXAM = b"""
code: HALL-101
name: Study Hall Networking Basics
vendor: Study Hall
policy: comptia
status: current
passing_score: 70
scale_min: 0
scale_max: 100
domains:
  - {number: "1", name: Cabling, weight: 40}
  - {number: "2", name: Routing, weight: 60}
"""


@dataclass(frozen=True)
class Seeded:
    guild_id: int
    user_id: int
    partner_id: int


def bank_file(exam: str = EXAM, count: int = 2, *, title: str = "Study Hall extras") -> bytes:
    """A small valid bank file (questions copied from the shipped bank under new ids)."""
    bank = load_shipped_banks()[exam]
    questions = []
    for index, q in enumerate(bank.questions[:count]):
        questions.append({
            "id": f"hall-{index:03d}", "domain": q.domain, "type": "multi" if q.choose > 1 else "single",
            "stem": q.stem, **({"choose": q.choose} if q.choose > 1 else {}),
            "options": {o.id: o.text for o in q.options},
            "answer": sorted(q.answer) if q.choose > 1 else next(iter(q.answer)),
            "explanation": q.explanation,
        })
    return json.dumps({"bank": {"exam": exam, "version": 1, "title": title, "author": "Study Hall",
                                "licence": "CC-BY-4.0"}, "questions": questions}).encode()


async def seed_busy_member(db: Database, clock: FakeClock, services: Services, *, guild_id: int, user_id: int,
                           partner_id: int, voter_id: int) -> Seeded:
    """``user_id`` uses every feature in ``guild_id``; ``partner_id`` is paired with them, ``voter_id`` votes."""
    s = services
    g, u = guild_id, user_id
    await s.settings.set_timezone(g, u, "Europe/Berlin")
    await s.exams.set_exam(g, u, EXAM)
    await s.exams.record_attempt(g, u, "2026-05-20", passed=False, score=690)
    await s.exams.book(g, u, "2026-08-20")
    preview = await s.exams.preview_paste(g, u, SY0_PASTE)
    await s.exams.confirm_report(g, u, preview.draft_id)
    await s.exams.preview_paste(g, u, SY0_PASTE)  # a second draft, left unconfirmed
    await s.exams.diagnose(g, u, {"clock": ["ran_out"], "resources": ["video"]})
    await s.exams.define_local_exam(g, u, can_manage=True, filename="hall.yaml", data=LOCAL_EXAM)

    question = await s.practice.start(g, u, count=2)
    shipped = load_shipped_banks()[EXAM].question(question.question_id)
    wrong = next(o.id for o in shipped.options if o.id not in shipped.answer)
    await s.practice.answer(question.session_id, u, question.position, [wrong, *sorted(shipped.answer)[1:]])
    await s.practice.explain_miss(question.session_id, u, question.position, "misread")

    started = await s.mocks.start(g, u, length="half")
    mock_q = started.question
    await s.mocks.answer(mock_q.attempt_id, u, mock_q.position,
                         sorted(load_shipped_banks()[EXAM].question(mock_q.question_id).answer))
    async with db.transaction() as tx:
        await ReadinessNotices(tx).record(g, u, EXAM, mock_q.attempt_id, to_epoch(clock.now()))
    await s.readiness.configure(g, u, can_manage=True, required=2, buffer=12)

    await s.checkins.log(g, u, minutes=40, note="<@&1> @everyone subnetting", confidence=3, anxiety=2)
    await s.checkins.set_goal(g, u, weekly_minutes=300, share=True)
    await s.reminders.add_checkin_reminder(g, u, time="19:00", days="daily")
    await s.reminders.add_session(g, u, when="2026-06-03 18:30", duration_minutes=60, topic="ports")
    await s.reminders.note_closed_dm(g, u)

    await s.exams.set_exam(g, partner_id, EXAM)
    await s.partners.join(g, u, hours="18-21")
    await s.partners.join(g, partner_id)
    await s.partners.block(g, u, voter_id)
    await s.partners.block(g, voter_id, u)
    await s.partners.configure(g, every_days=7)
    await s.partners.run_round(g)
    await s.checkins.log(g, partner_id, minutes=20)  # tells the partner thread-less pair by a notice
    await s.reminders.set_away(g, u, 1)

    await s.onboarding.start(g, u)
    await s.cohorts.join(g, u)
    shared = await s.resources.add(g, u, title="Port list", url="https://example.org/ports", resource_type="book",
                                   why="It helped me remember ports", exam_code=EXAM)
    await s.resources.vote(g, voter_id, shared.id)
    other = await s.resources.add(g, voter_id, title="Labs", url="https://example.org/labs", resource_type="labs",
                                  why="Hands-on practice", exam_code=EXAM)
    await s.resources.vote(g, u, other.id)
    spam = await s.resources.add(g, voter_id, title="Spam", url="https://example.org/spam", resource_type="other",
                                 why="Not really useful")
    await s.resources.remove(g, u, spam.id, can_moderate=True, reason="off topic")

    await s.board.set_up(g, u, BOARD_CHANNEL, can_manage=True)
    await s.board.set_on_board(g, u, True)
    await s.guild_settings.set_timezone(g, u, can_manage=True, typed="Europe/Berlin")
    await s.guild_settings.set_features(g, u, can_manage=True, enabled=FEATURES)

    await s.banks.import_bank(g, u, "extras.yaml", bank_file(), can_manage=True)
    proposal = await s.banks.propose(g, voter_id, exam_code=EXAM, domain="2", stem="Which port does HTTPS use?",
                                     options_text="443\n80\n22", answer_text="A",
                                     explanation="HTTPS listens on TCP 443.")
    await s.banks.approve(g, u, proposal.id, can_manage=True)
    await s.banks.propose(g, u, exam_code=EXAM, domain="2", stem="Which port does SSH use?",
                          options_text="22\n23\n25", answer_text="A", explanation="SSH listens on TCP 22.")

    lobby = await s.quiz.start(g, QUIZ_CHANNEL, u, exam_code=EXAM, questions=1, seconds=30)
    await s.quiz.join(lobby.round_id, g, partner_id)
    clock.advance(seconds=61)
    await s.quiz.advance(lobby.round_id, -1)
    await s.quiz.answer(lobby.round_id, g, u, 0, "a")
    return Seeded(g, u, partner_id)
