"""The local SmolLM2 model answers through the same pipeline (slow: marked `model`)."""

from __future__ import annotations

import pytest

from ragworks.generate import Usage
from ragworks.generate.llm import LLMAnswerer
from ragworks.generate.local_hf import LocalChatModel
from ragworks.models import Chunk, Hit, Plan

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def chat() -> LocalChatModel:
    model = LocalChatModel(threads=1)
    model.load()
    return model


def test_answers_from_context_with_usage(chat: LocalChatModel) -> None:
    chunk = Chunk(id="c", doc_id="d", tenant="t", collection="c", source="wifi.txt", title="Wi-Fi",
                  section="Guest network", text="Guest access codes are valid for 24 hours.",
                  start=0, end=42, ordinal=0)
    usage = Usage()
    answer = "".join(LLMAnswerer(chat, max_tokens=40).answer(
        "How long is a guest Wi-Fi code valid?", [Hit(chunk=chunk, dense=0.8, fused=1.0)],
        Plan(category="factoid"), usage))
    assert "24" in answer
    assert usage.input_tokens > 20 and 0 < usage.output_tokens <= 40
    assert usage.first_token_ms is not None and usage.first_token_ms < 30_000


def test_stop_sequences_cut_the_reply(chat: LocalChatModel) -> None:
    messages = [{"role": "user", "content": "Count from one to ten in words, separated by commas."}]
    text = "".join(chat.stream(messages, max_tokens=40, stop=("five",)))
    assert "five" not in text and "six" not in text
