"""Prompt version, rerank and chunking profile as experiment dimensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragworks.errors import BadInput
from ragworks.experiments.service import check_overrides
from ragworks.models import Scope
from ragworks.services import Services
from tests.conftest import CORPUS, make_settings

SPEC = {"name": "dims", "variants": [{"name": "control"}, {"name": "b", "overrides": {}}]}


def _long_document() -> bytes:
    """Paragraphs of about 150 tokens: one default chunk each, two small ones."""
    paragraphs = []
    for n in range(6):
        sentences = [f"Policy {n} clause {i} says that team {n} files request {i} "
                     f"through the portal within {i + 2} working days." for i in range(10)]
        paragraphs.append(" ".join(sentences))
    return ("# Handbook\n\n" + "\n\n".join(paragraphs)).encode()


def test_chunking_profile_is_built_kept_current_and_selectable(tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path))
    try:
        svc.ingestor.ingest(_long_document(), "handbook.md", "default")
        with pytest.raises(BadInput, match="reindex --profile small"):
            svc.experiments.create("default", {**SPEC, "variants": [
                {"name": "control"}, {"name": "small",
                                      "overrides": {"chunking_profile": "small"}}]})
        with pytest.raises(BadInput, match="does not exist"):
            check_overrides({"chunking_profile": "tiny"})
        seen: list[str] = []
        docs, embedded = svc.build_profile("small", lambda d: seen.append(d.source))
        assert (docs, seen) == (1, ["handbook.md"]) and embedded > 0
        small = svc.profile_index("small")
        assert small.count() > svc.index.count()  # smaller budget, more chunks
        assert svc.build_profile("small") == (1, 0)  # nothing to redo
        # new uploads are chunked into the built profile too; deletes remove them
        new = svc.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                  "error-codes.txt", "default")
        assert small.chunks_of("default", new.document.id)
        exp = svc.experiments.create("default", {**SPEC, "variants": [
            {"name": "control"}, {"name": "small", "overrides": {"chunking_profile": "small"}}]})
        assert exp["variants"][1]["overrides"] == {"chunking_profile": "small"}
        answer = svc.pipeline_for({"chunking_profile": "small"}).run(
            "What does error E102 mean?", Scope(tenant="default"), include_hits=True)
        assert answer.hits[0].chunk.source == "error-codes.txt"
        assert all(small.chunks_of("default", h.chunk.doc_id) for h in answer.hits)
        svc.ingestor.delete("default", new.document.id)
        assert not small.chunks_of("default", new.document.id)
    finally:
        svc.close()
    again = Services(make_settings(tmp_path))  # the BUILT marker survives a restart
    try:
        assert list(again.built_profiles()) == ["small"]
    finally:
        again.close()


def test_prompt_version_and_rerank_reach_the_trace(tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path, llm="scripted"))
    try:
        svc.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                            "wifi-guest-access.txt", "default")
        with pytest.raises(BadInput, match="prompt_version 'v9'"):
            check_overrides({"prompt_version": "v9"})
        with pytest.raises(BadInput, match="rerank"):
            check_overrides({"rerank": "maybe"})
        assert check_overrides({"rerank": "on", "prompt_version": "v2"}) == {
            "rerank": True, "prompt_version": "v2"}
        pipeline = svc.pipeline_for({"prompt_version": "v2", "rerank": True})
        rec = svc.tracer.start("query", "default")
        pipeline.run("How long are guest Wi-Fi codes valid?", Scope(tenant="default"),
                     trace=rec)
        gen = next(o for o in rec.trace.observations if o.name == "generate")
        assert (gen.prompt_name, gen.prompt_version) == ("answer", "2")
        assert "The documents do not say." in gen.input[0]["content"]  # the v2 system prompt
        assert any(o.name == "rerank" for o in rec.trace.observations)
        default = svc.pipeline.run("How long are guest Wi-Fi codes valid?",
                                   Scope(tenant="default"))
        assert default.plan.prompt == "answer_v1"
    finally:
        svc.close()
