"""The LLM judge: strict parsing, rescaling, and a traced generation."""

from __future__ import annotations

from ragworks.evaluate.judge import LLMJudge, parse_grades
from ragworks.generate.scripted import ScriptedChatModel
from ragworks.observe.recorder import TraceRecorder


def test_parse_grades_accepts_the_format_and_refuses_anything_else() -> None:
    assert parse_grades("faithfulness: 5\nrelevance: 1") == {
        "judge_faithfulness": 1.0, "judge_relevance": 0.0}
    assert parse_grades("**Faithfulness**: 3\n**Relevance** = 4") == {
        "judge_faithfulness": 0.5, "judge_relevance": 0.75}
    assert parse_grades("faithfulness: 4") is None  # one grade is no grade
    assert parse_grades("faithfulness: 9\nrelevance: 4") is None  # out of range
    assert parse_grades("The answer looks good!") is None
    assert parse_grades("") is None


def test_judge_prompts_with_context_and_reference_and_records_a_generation() -> None:
    chat = ScriptedChatModel(["faithfulness: 4\nrelevance: 5", "no idea"])
    judge = LLMJudge(chat)
    rec = TraceRecorder("eval_item", "default")
    grades = judge.grade("How long are codes valid?", "24 hours [1].", [], "24 hours", rec)
    assert grades == {"judge_faithfulness": 0.75, "judge_relevance": 1.0}
    user = chat.calls[0][-1]["content"]
    assert "How long are codes valid?" in user and "Reference answer: 24 hours" in user
    obs = rec.trace.observations[-1]
    assert (obs.name, obs.type, obs.prompt_name, obs.metadata["parsed"]) == (
        "judge", "generation", "judge", True)
    assert judge.grade("q", "a", [], None) is None  # unparseable reply: no score
    assert "Reference answer: (none)" in chat.calls[1][-1]["content"]
