"""Names in a question (codes, models, versions) must appear in a passage to answer."""

from __future__ import annotations

import pytest

from ragworks.route.coverage import identifiers, unmatched_identifiers


@pytest.mark.parametrize(("question", "names"), [
    ("What does error E104 mean?", ["e104"]),
    ("How do I set up utf-8 encoding?", ["utf8"]),
    ("Is the R2 Hauler faster than R1?", ["r2", "r1"]),
    ("How do I configure IPv6?", ["ipv6"]),
    ("What is new in v2.3.1?", ["v231"]),
    # ordinals, quantities and plain numbers are not names
    ("Do I get 24h notice on the 1st?", []),
    ("What is 2FA and PEP 8 in Python 3.12?", []),
    ("What is the x-request-id header?", []),
])
def test_names_in_questions(question: str, names: list[str]) -> None:
    assert identifiers(question) == names


def test_a_name_no_passage_holds_is_unmatched() -> None:
    passages = ["ROBOT ERROR CODES > Drive errors\nE101 means a wheel motor is overheating.",
                "E102 means a wheel is blocked.", "Set the encoding to UTF-8 everywhere."]
    assert unmatched_identifiers("What does error E104 mean?", passages) == ["e104"]
    assert unmatched_identifiers("What does error E102 mean?", passages) == []
    assert unmatched_identifiers("What does E10 mean?", passages) == []  # no E-two-digits
    assert unmatched_identifiers("What does E1012 mean?", passages) == []  # nor E-four
    assert unmatched_identifiers("How do I set utf8?", passages) == []  # spelled apart
    assert unmatched_identifiers("Compare E102 and E999", passages) == []  # one is enough
    assert unmatched_identifiers("How long is a guest code valid?", passages) == []
    # a name with no sibling in the passages is not what the question is about
    assert unmatched_identifiers("How long is a guest code valid? re ACME-42", passages) == []
    assert unmatched_identifiers("Is UTF-7 supported?", passages) == ["utf7"]  # UTF-8 is
