"""Parsing the domains a member names in a check-in or a shared resource."""

from __future__ import annotations

import pytest

from bot.data.loader import load_catalogue
from bot.domain.text import domain_numbers
from bot.errors import InvalidInput

EXAM = load_catalogue().exam("SY0-701")


@pytest.mark.parametrize(("typed", "numbers"), [
    (None, ()),
    ("", ()),
    (" , ,", ()),
    ("2", ("2.0",)),
    ("D4, security operations", ("4.0",)),
    ("3, 1.0, 3", ("3.0", "1.0")),
    ("domain 5,General Security Concepts", ("5.0", "1.0")),
])
def test_named_domains_become_their_numbers_once_in_order(typed, numbers):
    """Numbers, names and 'D2'/'domain 2' forms all resolve; repeats and empty parts are dropped."""
    assert domain_numbers(EXAM, typed) == numbers


@pytest.mark.parametrize(("typed", "shown"), [
    ("6", "'6'"),
    ("2, cooking", "'cooking'"),
    ("x" * 500, repr("x" * 60)),
    ("@everyone", "'@everyone'"),
])
def test_an_unknown_domain_is_refused_naming_it_and_the_exam_s_domains(typed, shown):
    """The refusal quotes the bad part (cut to 60 characters) and lists the exam's domains."""
    with pytest.raises(InvalidInput) as refused:
        domain_numbers(EXAM, typed)
    assert refused.value.message == f"{shown} isn't a domain of SY0-701."
    assert "4.0 Security Operations" in refused.value.hint
