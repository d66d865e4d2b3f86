import pytest

from ragworks.route.decompose import decompose
from ragworks.route.planner import Planner


@pytest.mark.parametrize("question,parts", [
    ("Compare the battery life of the R1 Scout and the R2 Hauler",
     ("the battery life of the R1 Scout", "the R2 Hauler")),
    ("What is the difference between priority support and enterprise support",
     ("priority support", "enterprise support")),
    ("What does E202 mean and how long does calibration take?",
     ("What does E202 mean", "how long does calibration take")),
    ("Who founded the company? When did the R1 ship?",
     ("Who founded the company", "When did the R1 ship")),
])
def test_decompose(question: str, parts: tuple[str, ...]) -> None:
    assert decompose(question) == parts


def test_single_question_stays_whole() -> None:
    assert decompose("How long is the warranty?") == ("How long is the warranty",)


def test_plans_by_category() -> None:
    p = Planner(top_k=5, min_confidence=0.5)
    assert p.plan("hi", "chitchat", 0.9).mode == "none"
    assert p.plan("summarize x", "summary", 0.9).mmr
    multi = p.plan("compare a thing and b thing", "multi_hop", 0.9)
    assert multi.decompose and len(multi.sub_questions) == 2
    safe = p.plan("hi", "chitchat", 0.3)
    assert safe.fallback and safe.mode == "hybrid"
