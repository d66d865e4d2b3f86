"""What a reader sees before a model's first word (issue 23): the sources, then verbatim
sentences of them, then the model's own answer; a stream the reader leaves is traced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings


def _events(c: httpx.Client, question: str) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = []
    with c.stream("POST", "/api/v1/query", json={"question": question, "stream": True}) as r:
        assert r.status_code == 200
        name = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    return events


def test_a_model_answer_is_preceded_by_sources_and_a_verbatim_quote(tmp_path: Path) -> None:
    doc = (CORPUS / "wifi-guest-access.txt").read_text()
    with LiveServer(make_settings(tmp_path, llm="scripted")) as live, live.client() as c:
        live.services.ingestor.ingest(doc.encode(), "wifi-guest-access.txt", "default")
        for round_ in range(3):  # the second and third question too
            events = _events(c, "How long is a guest Wi-Fi code valid?")
            kinds = [k for k, _ in events]
            assert kinds[:2] == ["sources", "quote"], kinds
            assert kinds.index("quote") < kinds.index("token") and kinds[-1] == "done"
            quote = events[1][1]["text"]  # type: ignore[index]
            assert "24 hours" in quote
            for sentence in re.split(r"\s*\[\d+\]\s*", quote):  # every word from the document
                assert " ".join(sentence.split()) in " ".join(doc.split()), sentence
            done = events[-1][1]
            assert done["model"] == "scripted"  # type: ignore[index]
            trace = c.get(f"/api/v1/traces/{done['trace_id']}").json()  # type: ignore[index]
            assert any(o["name"] == "quote" for o in trace["observations"]), round_
        # a question the documents do not cover has no quote to show
        kinds = [k for k, _ in _events(c, "What is the airspeed of an unladen swallow?")]
        assert "quote" not in kinds
