"""Hardening inside the service container: bounded per-variant pipelines, one loaded
model per model id, and overrides limited to values the service offers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragworks.errors import BadInput
from ragworks.experiments.service import check_overrides
from ragworks.services import Services
from tests.conftest import make_settings


def test_variant_pipelines_are_bounded_and_share_one_model(tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path, variant_cache_size=3))
    try:
        pipes = {k: svc.pipeline_for({"llm": "scripted", "top_k": k}) for k in range(1, 11)}
        # every variant naming the same model uses the one loaded copy
        chats = {id(p.answerer.chat) for p in pipes.values()}  # type: ignore[attr-defined]
        assert chats == {id(svc.chat("scripted"))}
        # the three most recent are kept; older ones were let go and are built anew
        assert svc.pipeline_for({"llm": "scripted", "top_k": 10}) is pipes[10]
        assert svc.pipeline_for({"llm": "scripted", "top_k": 8}) is pipes[8]
        assert svc.pipeline_for({"llm": "scripted", "top_k": 1}) is not pipes[1]
        # a variant with the default model shares the default answerer
        assert svc.pipeline_for({"top_k": 3}).answerer is svc.answerer
    finally:
        svc.close()


@pytest.mark.parametrize("overrides, message", [
    ({"llm": "local:../../etc/passwd"}, "not an answerer"),
    ({"llm": "huggingface:bigmodel"}, "not an answerer"),
    ({"min_relevance": 7}, "between 0 and 1"),
    ({"min_confidence": -1}, "between 0 and 1"),
    ({"top_k": 10_000}, "between 1 and 50"),
    ({"dense_weight": "lots"}, "must be a float"),
    ({"temperature": 2}, "unknown override"),
])
def test_overrides_outside_the_allow_list_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        check_overrides(overrides)


def test_offered_overrides_pass() -> None:
    ok = {"llm": "local:qwen2.5-1.5b", "top_k": "7", "min_relevance": 0.3,
          "dense_weight": 0.6, "rerank": "true"}
    assert check_overrides(ok) == {"llm": "local:qwen2.5-1.5b", "top_k": 7,
                                   "min_relevance": 0.3, "dense_weight": 0.6, "rerank": True}
    assert check_overrides({"llm": "openai:gpt-4o-mini"})["llm"] == "openai:gpt-4o-mini"
