"""Real exam blueprints built directly as ``Exam`` objects, for domain tests.

Weights, passing scores and scales follow ``/work/shared/exam-facts.md`` (section B). Security+
objective numbers follow CompTIA's SY0-701 objectives document (4, 5, 4, 9 and 6 objectives per
domain); Network+ is left without objectives on purpose, so tests cover the leading-number fallback.
"""

from __future__ import annotations

from datetime import date

from bot.domain.exams import Confidence, Domain, Exam, ExamStatus, Source

_SOURCE = Source(
    urls=("https://example.invalid/exam-facts",), as_of=date(2026, 10, 1), confidence=Confidence.HIGH
)


def _objectives(domain: int, count: int) -> tuple[str, ...]:
    return tuple(f"{domain}.{n}" for n in range(1, count + 1))


SY0_701 = Exam(
    code="SY0-701",
    name="CompTIA Security+ (V7)",
    vendor="CompTIA",
    policy_id="comptia",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1.0", "General Security Concepts", weight=12, objectives=_objectives(1, 4)),
        Domain("2.0", "Threats, Vulnerabilities, and Mitigations", weight=22, objectives=_objectives(2, 5)),
        Domain("3.0", "Security Architecture", weight=18, objectives=_objectives(3, 4)),
        Domain("4.0", "Security Operations", weight=28, objectives=_objectives(4, 9)),
        Domain("5.0", "Security Program Management and Oversight", weight=20, objectives=_objectives(5, 6)),
    ),
    source=_SOURCE,
    passing_score=750,
    scale_min=100,
    scale_max=900,
    max_questions=90,
    duration_minutes=90,
)

N10_009 = Exam(
    code="N10-009",
    name="CompTIA Network+ (V9)",
    vendor="CompTIA",
    policy_id="comptia",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1.0", "Networking Concepts", weight=23),
        Domain("2.0", "Network Implementation", weight=20),
        Domain("3.0", "Network Operations", weight=19),
        Domain("4.0", "Network Security", weight=14),
        Domain("5.0", "Network Troubleshooting", weight=24),
    ),
    source=_SOURCE,
    passing_score=720,
    scale_min=100,
    scale_max=900,
    max_questions=90,
    duration_minutes=90,
)

AZ_900 = Exam(
    code="AZ-900",
    name="Microsoft Azure Fundamentals",
    vendor="Microsoft",
    policy_id="microsoft",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1", "Describe cloud concepts", weight_min=25, weight_max=30),
        Domain("2", "Describe Azure architecture and services", weight_min=35, weight_max=40),
        Domain("3", "Describe Azure management and governance", weight_min=30, weight_max=35),
    ),
    source=_SOURCE,
    passing_score=700,
    scale_min=1,
    scale_max=1000,
    duration_minutes=45,
)

CLF_C02 = Exam(
    code="CLF-C02",
    name="AWS Certified Cloud Practitioner",
    vendor="AWS",
    policy_id="aws",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1", "Cloud Concepts", weight=24),
        Domain("2", "Security and Compliance", weight=30),
        Domain("3", "Cloud Technology and Services", weight=34),
        Domain("4", "Billing, Pricing, and Support", weight=12),
    ),
    source=_SOURCE,
    passing_score=700,
    scale_min=100,
    scale_max=1000,
    max_questions=65,
    duration_minutes=90,
)

CCNA_200_301 = Exam(
    code="200-301",
    name="Cisco Certified Network Associate (CCNA) v1.1",
    vendor="Cisco",
    policy_id="cisco-associate",
    status=ExamStatus.CURRENT,
    domains=(
        Domain("1.0", "Network Fundamentals", weight=20),
        Domain("2.0", "Network Access", weight=20),
        Domain("3.0", "IP Connectivity", weight=25),
        Domain("4.0", "IP Services", weight=10),
        Domain("5.0", "Security Fundamentals", weight=15),
        Domain("6.0", "Automation and Programmability", weight=10),
    ),
    source=_SOURCE,
    duration_minutes=120,
)

ALL_EXAMS = (SY0_701, N10_009, AZ_900, CLF_C02, CCNA_200_301)
