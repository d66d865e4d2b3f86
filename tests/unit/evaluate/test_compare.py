"""Comparing two evaluation runs: the colour follows the metric's direction and the test,
and the per-question changes come worst first with both answers."""

from __future__ import annotations

from typing import Any

from ragworks.evaluate.runs import compare, item_changes, verdict


def run(*rows: tuple[str, float, float, str]) -> dict[str, Any]:
    return {"items": [{"question": q, "recall@5": r, "latency_ms": ms, "answer": ans}
                      for q, r, ms, ans in rows]}


A = run(("q1", 1.0, 100.0, "a1"), ("q2", 1.0, 100.0, "a2"), ("q3", 0.0, 100.0, "a3"),
        ("q4", 1.0, 100.0, "a4"))
B = run(("q1", 1.0, 190.0, "b1"), ("q2", 0.0, 210.0, "b2"), ("q3", 1.0, 205.0, "b3"),
        ("q4", 0.0, 195.0, "b4"), ("q9", 1.0, 1.0, "only in B"))


def test_slower_is_worse_and_lower_recall_is_worse() -> None:
    rows = {m["metric"]: m for m in compare(A, B)}
    assert rows["latency_ms"]["delta"] > 0 and rows["latency_ms"]["verdict"] == "worse"
    assert rows["latency_ms"]["better"] == "lower" and rows["latency_ms"]["p_value"] < 0.05
    assert rows["recall@5"]["verdict"] == "not significant"  # 2 down, 1 up of 4
    assert rows["recall@5"]["changed"] == 3 and rows["recall@5"]["n"] == 4


def test_verdicts() -> None:
    assert verdict("latency_ms", -5.0) == "better"
    assert verdict("output_tokens", 3.0) == "worse"
    assert verdict("recall@5", 0.1, 0.01) == "better"
    assert verdict("recall@5", -0.1, 0.2) == "not significant"
    assert verdict("recall@5", 0.0, None) == "same"


def test_changed_questions_come_worst_first_with_both_answers() -> None:
    changes = item_changes(A, B, "recall@5")
    assert [c["question"] for c in changes] == ["q2", "q4", "q3"]
    assert [c["verdict"] for c in changes] == ["worse", "worse", "better"]
    assert changes[0]["answer_a"] == "a2" and changes[0]["answer_b"] == "b2"
    slowest = item_changes(A, B, "latency_ms")
    assert slowest[0]["question"] == "q2" and slowest[-1]["question"] == "q1"
    assert item_changes(A, A, "recall@5") == []
