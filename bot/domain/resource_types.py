"""The kinds of study resource members record in check-ins and recommend in the library."""

from __future__ import annotations

from bot.errors import InvalidInput

RESOURCE_TYPES = {
    "book": "Book",
    "video": "Video",
    "labs": "Labs",
    "practice_questions": "Practice questions",
    "flashcards": "Flashcards",
    "study_group": "Study group",
    "other": "Other",
}


def resource_key(typed: str | None) -> str | None:
    """'Practice questions', 'practice-questions' -> 'practice_questions'; None when nothing was given."""
    if typed is None or not typed.strip():
        return None
    key = typed.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in RESOURCE_TYPES:
        raise InvalidInput(f"I don't know the resource type {typed!r}.",
                           hint="Pick one of: " + ", ".join(v.lower() for v in RESOURCE_TYPES.values()) + ".")
    return key
