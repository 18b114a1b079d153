"""Why the attempt went wrong: preparation or exam-day execution, and what to change.

A short questionnaire (``QUESTIONS``, shaped for Discord select menus: labels of at most 80
characters, at most 25 options) plus the score report. Preparation causes are fixed by studying
differently; execution causes by practising the exam itself. Every cause maps to a ``Remedy`` that
``bot.domain.plan.build_plan`` turns into concrete activities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.exams import Exam
from bot.domain.priority import DomainPriority, Standing, rank_domains
from bot.domain.reports import ScoreReport
from bot.errors import InvalidInput

# A domain is "heavy" when it weighs at least an equal share of the exam, and "far below" when it
# misses the target by this many points or more.
FAR_BELOW_GAP = 15.0


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    kind: QuestionKind
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "study_time",
        "How did your study time go before that attempt?",
        QuestionKind.SINGLE,
        (
            Option("rushed", "I had much less time than I needed"),
            Option("patchy", "On and off, with long gaps between sessions"),
            Option("crammed", "Most of it in the last week or two"),
            Option("steady", "Steady and regular"),
        ),
    ),
    Question(
        "coverage",
        "Had you covered every domain of the exam before the attempt?",
        QuestionKind.SINGLE,
        (
            Option("all", "Yes, all of them properly"),
            Option("light", "Most of them, but some only lightly"),
            Option("skipped", "No, I skipped or rushed some domains"),
            Option("unsure", "I did not check against the exam objectives"),
        ),
    ),
    Question(
        "resources",
        "What did you prepare with? Pick all that apply.",
        QuestionKind.MULTI,
        (
            Option("video", "A video course"),
            Option("book", "A book or study guide"),
            Option("practice", "Practice questions or practice exams"),
            Option("labs", "Hands-on labs or my own practice setup"),
            Option("class", "A class or bootcamp"),
            Option("flashcards", "Flashcards or my own notes"),
        ),
    ),
    Question(
        "clock",
        "How did the clock go during the exam?",
        QuestionKind.SINGLE,
        (
            Option("ran_out", "I ran out of time or rushed the last questions"),
            Option("tight", "Tight, but I finished"),
            Option("fine", "I had time left to review"),
        ),
    ),
    Question(
        "exam_day",
        "Did any of these happen during the exam? Pick all that apply.",
        QuestionKind.MULTI,
        (
            Option("nerves", "Nerves made it hard to think clearly"),
            Option("blank", "My mind went blank on things I knew"),
            Option("misread", "I misread questions or missed words like NOT or BEST"),
            Option("changed", "I changed answers that were right the first time"),
            Option("stuck_tasks", "I got stuck on the hands-on or simulation questions"),
            Option("surprised", "Topics came up that I had not studied"),
            Option("none", "None of these"),
        ),
    ),
)

_QUESTIONS_BY_ID = {q.id: q for q in QUESTIONS}
# Study materials that count as a distinct kind of resource (notes and flashcards are the member's own).
_RESOURCE_KINDS = {"video", "book", "practice", "labs", "class"}


class CauseKind(StrEnum):
    PREPARATION = "preparation"
    EXECUTION = "execution"


class CauseId(StrEnum):
    TOO_LITTLE_TIME = "too_little_time"
    HEAVY_DOMAINS_UNDERCOVERED = "heavy_domains_undercovered"
    SINGLE_RESOURCE = "single_resource"
    NO_HANDS_ON = "no_hands_on"
    RAN_OUT_OF_TIME = "ran_out_of_time"
    ANXIETY = "anxiety"
    MISREAD_STEMS = "misread_stems"
    CHANGED_RIGHT_ANSWERS = "changed_right_answers"


class Remedy(StrEnum):
    """Concrete changes ``build_plan`` knows how to schedule."""

    FIXED_STUDY_BLOCKS = "fixed_study_blocks"
    HEAVY_DOMAINS_FIRST = "heavy_domains_first"
    SECOND_RESOURCE = "second_resource"
    HANDS_ON_LABS = "hands_on_labs"
    TIMED_PRACTICE = "timed_practice"
    EXAM_REHEARSAL = "exam_rehearsal"
    READ_THE_STEM = "read_the_stem"
    ANSWER_CHANGE_RULE = "answer_change_rule"


REMEDY_ACTIONS: dict[Remedy, str] = {
    Remedy.FIXED_STUDY_BLOCKS: "Put your study hours in the calendar as fixed, regular blocks.",
    Remedy.HEAVY_DOMAINS_FIRST: "Start with the heavy domains where you were furthest from the target.",
    Remedy.SECOND_RESOURCE: "Learn your weak domains from a different kind of resource than last time.",
    Remedy.HANDS_ON_LABS: "Add hands-on lab time for each weak domain.",
    Remedy.TIMED_PRACTICE: "Practise against the clock with a pacing plan.",
    Remedy.EXAM_REHEARSAL: "Rehearse the exam itself: full simulations in real conditions and a calm routine.",
    Remedy.READ_THE_STEM: "Drill reading the question: find the exact ask before looking at the answers.",
    Remedy.ANSWER_CHANGE_RULE: "Change an answer only for a concrete reason.",
}


@dataclass(frozen=True)
class CauseInfo:
    kind: CauseKind
    title: str
    explanation: str
    remedies: tuple[Remedy, ...]


CAUSES: dict[CauseId, CauseInfo] = {
    CauseId.TOO_LITTLE_TIME: CauseInfo(
        CauseKind.PREPARATION,
        "Not enough regular study time",
        "Knowledge sticks with steady repetition. Short or patchy study leaves gaps that show up under "
        "exam pressure, even on topics you had seen.",
        (Remedy.FIXED_STUDY_BLOCKS,),
    ),
    CauseId.HEAVY_DOMAINS_UNDERCOVERED: CauseInfo(
        CauseKind.PREPARATION,
        "Heavy domains got too little attention",
        "The domains with the most weight decide most of the score. Being short there costs more "
        "than anywhere else, and it is also where extra hours pay back the most.",
        (Remedy.HEAVY_DOMAINS_FIRST,),
    ),
    CauseId.SINGLE_RESOURCE: CauseInfo(
        CauseKind.PREPARATION,
        "One resource only",
        "Every course has blind spots and a style of asking. A second, different resource fills "
        "the gaps and shows the same ideas from another angle.",
        (Remedy.SECOND_RESOURCE,),
    ),
    CauseId.NO_HANDS_ON: CauseInfo(
        CauseKind.PREPARATION,
        "Little hands-on practice",
        "Performance-based and simulation questions test what you can do, not only what you know. "
        "Doing the tasks yourself makes them quicker and calmer on the day.",
        (Remedy.HANDS_ON_LABS,),
    ),
    CauseId.RAN_OUT_OF_TIME: CauseInfo(
        CauseKind.EXECUTION,
        "The clock ran out",
        "Knowing the material is half of it; the other half is pace. Time management is a skill you "
        "can practise like any other.",
        (Remedy.TIMED_PRACTICE,),
    ),
    CauseId.ANXIETY: CauseInfo(
        CauseKind.EXECUTION,
        "Nerves got in the way",
        "Stress narrows attention and blocks recall. It eases with familiarity: the more the real "
        "exam feels like something you have already done, the calmer it gets.",
        (Remedy.EXAM_REHEARSAL,),
    ),
    CauseId.MISREAD_STEMS: CauseInfo(
        CauseKind.EXECUTION,
        "Questions were misread",
        "Exam questions hinge on small words such as NOT, BEST or FIRST. Reading for the exact ask "
        "is a habit you can build with practice.",
        (Remedy.READ_THE_STEM,),
    ),
    CauseId.CHANGED_RIGHT_ANSWERS: CauseInfo(
        CauseKind.EXECUTION,
        "Right answers were changed",
        "Second-guessing under pressure often swaps a good answer for a worse one. A simple rule for "
        "when to change an answer protects the points you already earned.",
        (Remedy.ANSWER_CHANGE_RULE,),
    ),
}


@dataclass(frozen=True)
class Cause:
    id: CauseId
    kind: CauseKind
    title: str
    explanation: str
    evidence: tuple[str, ...]  # what pointed to it: an answer or a line of the score report


@dataclass(frozen=True)
class Diagnosis:
    causes: list[Cause]
    remedies: list[Remedy]
    summary: str

    def causes_of_kind(self, kind: CauseKind) -> list[Cause]:
        return [c for c in self.causes if c.kind is kind]


Answers = Mapping[str, str | Sequence[str]]


def validate_answers(answers: Answers) -> dict[str, tuple[str, ...]]:
    """Check answers against ``QUESTIONS``; returns question id -> chosen option ids."""
    checked: dict[str, tuple[str, ...]] = {}
    for question_id, raw in answers.items():
        question = _QUESTIONS_BY_ID.get(question_id)
        if question is None:
            raise InvalidInput(f"There is no question “{question_id}” in the questionnaire.")
        chosen = (raw,) if isinstance(raw, str) else tuple(raw)
        if question.kind is QuestionKind.SINGLE and len(chosen) > 1:
            raise InvalidInput(f"“{question.prompt}” takes one answer; please pick just one.")
        for option_id in chosen:
            if question.option(option_id) is None:
                raise InvalidInput(f"“{option_id}” is not one of the answers to “{question.prompt}”.")
        if "none" in chosen and len(chosen) > 1:
            chosen = tuple(o for o in chosen if o != "none")
        checked[question_id] = tuple(dict.fromkeys(chosen))
    return checked


def diagnose(
    answers: Answers,
    *,
    report: ScoreReport | None = None,
    exam: Exam | None = None,
    priorities: Sequence[DomainPriority] | None = None,
) -> Diagnosis:
    """Turn questionnaire answers (and the score report, when there is one) into causes and remedies."""
    chosen = validate_answers(answers)
    if priorities is None and report is not None and exam is not None:
        priorities = rank_domains(exam, report)
    evidence: dict[CauseId, list[str]] = {}

    def found(cause: CauseId, why: str) -> None:
        evidence.setdefault(cause, []).append(why)

    def picked(question_id: str, option_id: str) -> bool:
        return option_id in chosen.get(question_id, ())

    def said(question_id: str, option_id: str) -> str:
        option = _QUESTIONS_BY_ID[question_id].option(option_id)
        return f"You said: “{option.label if option else option_id}”."

    for option_id in ("rushed", "patchy", "crammed"):
        if picked("study_time", option_id):
            found(CauseId.TOO_LITTLE_TIME, said("study_time", option_id))
    for option_id in ("light", "skipped", "unsure"):
        if picked("coverage", option_id):
            found(CauseId.HEAVY_DOMAINS_UNDERCOVERED, said("coverage", option_id))
    if picked("exam_day", "surprised"):
        found(CauseId.HEAVY_DOMAINS_UNDERCOVERED, said("exam_day", "surprised"))
    for line in _heavy_domains_far_below(priorities or ()):
        found(CauseId.HEAVY_DOMAINS_UNDERCOVERED, line)

    resources = set(chosen.get("resources", ())) & _RESOURCE_KINDS
    if "resources" in chosen and len(resources) <= 1:
        found(CauseId.SINGLE_RESOURCE, "You prepared with one kind of resource.")
    if "resources" in chosen and "labs" not in chosen["resources"]:
        found(CauseId.NO_HANDS_ON, "Hands-on labs were not among your resources.")
    if picked("exam_day", "stuck_tasks"):
        found(CauseId.NO_HANDS_ON, said("exam_day", "stuck_tasks"))

    if picked("clock", "ran_out"):
        found(CauseId.RAN_OUT_OF_TIME, said("clock", "ran_out"))
    for option_id in ("nerves", "blank"):
        if picked("exam_day", option_id):
            found(CauseId.ANXIETY, said("exam_day", option_id))
    if picked("exam_day", "misread"):
        found(CauseId.MISREAD_STEMS, said("exam_day", "misread"))
    if picked("exam_day", "changed"):
        found(CauseId.CHANGED_RIGHT_ANSWERS, said("exam_day", "changed"))

    causes = [
        Cause(cause_id, info.kind, info.title, info.explanation, tuple(evidence[cause_id]))
        for cause_id, info in CAUSES.items()
        if cause_id in evidence
    ]
    remedies = list(dict.fromkeys(r for c in causes for r in CAUSES[c.id].remedies))
    return Diagnosis(causes, remedies, _summary(causes, priorities or ()))


def _heavy_domains_far_below(priorities: Sequence[DomainPriority]) -> list[str]:
    if not priorities:
        return []
    equal_share = 100.0 / len(priorities)
    lines = []
    for p in priorities:
        if (
            p.label is Standing.WEAK
            and p.gap is not None
            and p.gap >= FAR_BELOW_GAP
            and p.planning_weight >= equal_share
        ):
            lines.append(
                f"Your report: {p.domain_number} {p.domain_name} ({p.weight_text} of the exam) was at "
                f"{p.percent_text()}, {p.gap:g} points below the {p.target:g}% target."
            )
    return lines


def _summary(causes: list[Cause], priorities: Sequence[DomainPriority]) -> str:
    preparation = [c.title.lower() for c in causes if c.kind is CauseKind.PREPARATION]
    execution = [c.title.lower() for c in causes if c.kind is CauseKind.EXECUTION]
    close = bool(priorities) and all(p.label is not Standing.WEAK for p in priorities)
    if preparation and execution:
        return (
            f"Two things worked against you: how you prepared ({_join(preparation)}) and how the exam day went "
            f"({_join(execution)}). Both are fixable, and your plan now works on each."
        )
    if preparation:
        return (
            f"This looks like a preparation gap ({_join(preparation)}), not a lack of ability. "
            "That is the most fixable kind, and your plan is built around it."
        )
    if execution:
        text = f"Your preparation looks sound; exam-day execution cost you points ({_join(execution)})."
        if close:
            text += " Your score report agrees: no domain was far from the target."
        return text + " Your plan adds practice for the exam itself."
    if close:
        return (
            "Nothing in your answers stands out, and no domain was far from the target: you were close. "
            "Your plan follows your score report, with full timed simulations near the end."
        )
    return "Nothing in your answers stands out. Your plan follows your score report, weakest domains first."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
