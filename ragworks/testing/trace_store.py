"""The TraceStore contract: every backend of ``TraceStore`` passes these tests.

A backend of your own runs them by subclassing and giving the ``store`` fixture::

    class TestMyBackend(TraceStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from ragworks.dashboard.seed import synthetic_trace
from ragworks.observe.model import Score
from ragworks.observe.store_sqlite import TraceFilter


def dynamo_trace_store(spec: str) -> Any:
    from ragworks.observe.store_dynamodb import DynamoTraceStore
    from ragworks.storage.dynamodb import DynamoRecordStore

    return DynamoTraceStore(DynamoRecordStore(spec), flush_s=3600)


def settle(store: Any) -> Any:
    if hasattr(store, "flush"):
        store.flush()
    return store


def make_trace(n: int, at: float, **fields: Any) -> Any:
    t = synthetic_trace(np.random.default_rng(n), "acme", at, False, n)
    for k, v in fields.items():
        setattr(t, k, v)
    return t


class TraceStoreContract:
    """Tests of any TraceStore; subclasses provide the ``store`` fixture."""

    def test_save_get_and_list_with_filters(self, store: Any) -> None:
        now = time.time()
        traces = [make_trace(n, now - n, category="factoid" if n % 2 else "summary")
                  for n in range(12)]
        for n, t in enumerate(traces):
            t.status = "error" if n == 3 else "ok"
        traces[5].variant = "exp_a/k3"
        for t in traces:
            store.save_trace(t)
        store.save_trace(make_trace(99, now, tenant="other"))
        got = store.get_trace("acme", traces[0].id)
        assert got["id"] == traces[0].id and got["category"] == "summary"
        assert [o["name"] for o in got["observations"]] == ["classify", "plan", "retrieve",
                                                            "generate"]
        assert {s["name"] for s in got["scores"]} >= {"top_retrieval_score"}
        assert store.get_trace("other", traces[0].id) is None
        assert store.get_trace("acme", "nope") is None
        rows, total = store.list_traces("acme", TraceFilter(), limit=5, offset=0)
        assert total == 12 and [r["id"] for r in rows] == [t.id for t in traces[:5]]  # newest first
        rows, _ = store.list_traces("acme", TraceFilter(), limit=5, offset=10)
        assert [r["id"] for r in rows] == [t.id for t in traces[10:]]
        for f, expected in ((TraceFilter(category="factoid"), 6), (TraceFilter(status="error"), 1),
                            (TraceFilter(variant="exp_a/k3"), 1),
                            (TraceFilter(since=now - 4.5), 5),
                            (TraceFilter(since=now - 4.5, until=now - 1.5), 3)):
            assert store.list_traces("acme", f, limit=50)[1] == expected, f

    def test_scores_feedback_and_the_questions_they_give(self, store: Any) -> None:
        now = time.time()
        a = make_trace(1, now - 10, category="factoid")
        b = make_trace(2, now - 5, variant="exp_x/b")
        for t in (a, b):
            store.save_trace(t)
        fields = {"rating": 0.0, "rating_kind": "thumbs", "comment": "wrong",
                  "corrected_category": "summary", "expected_sources": json.dumps(["a.txt"])}
        assert store.upsert_feedback("acme", a.id, "u1", fields) is True
        again = {**fields, "comment": "very wrong"}
        assert store.upsert_feedback("acme", a.id, "u1", again) is False
        store.upsert_feedback("acme", b.id, "u2", {**fields, "rating": 1.0,
                                                    "corrected_category": None})
        fb = store.get_feedback("acme", a.id, "u1")
        assert fb["comment"] == "very wrong" and fb["expected_sources"] == ["a.txt"]
        assert store.get_feedback("acme", a.id, "u9") is None
        # as the feedback service does: the feedback, then its scores
        store.add_scores("acme", [Score(id="s0", trace_id=a.id, name="thumbs_up", value=0.0,
                                        source="user")])
        store.add_scores("acme", [Score(id="s1", trace_id=b.id, name="thumbs_up", value=1.0,
                                        source="user")])
        assert store.get_trace("acme", b.id)["has_feedback"] is True
        assert store.list_traces("acme", TraceFilter(has_feedback=True))[1] == 2
        recent = store.recent_feedback("acme")
        assert [r["trace_id"] for r in recent] == [b.id, a.id]  # newest first, no duplicate
        assert recent[1]["comment"] == "very wrong"
        assert store.corrections("acme") == [(a.input["question"], "summary")]
        assert [t["id"] for t in store.answered("acme", now - 60)] == [a.id]  # thumbs down only
        assert store.variant_rows("acme", "exp_x")[0][0] == "b"
        assert ("b", 1.0) in store.variant_scores("acme", "exp_x", "thumbs_up")

    def test_search_rating_user_and_session(self, store: Any) -> None:
        now = time.time()
        a = make_trace(1, now - 3, user_id="ana", session_id="s1",
                       input={"question": "How do I rotate the Signing key?"},
                       output={"answer": "Run keys rotate.", "citations": []})
        b = make_trace(2, now - 2, user_id="ana", session_id="s2",
                       input={"question": "Where are backups kept?"},
                       output={"answer": "In the 100%_bucket.", "citations": []})
        c = make_trace(3, now - 1, user_id="bo", session_id="s1")
        for t in (a, b, c):
            t.scores = [s for s in t.scores if s.source != "user"]
            store.save_trace(t)
        for trace, user, value in ((a, "ana", 1.0), (b, "ana", 0.0), (b, "bo", 0.0)):
            store.add_scores("acme", [Score(id=f"r{trace.id}{user}", trace_id=trace.id,
                                            name="user_rating", value=value, source="user")])

        def ids(**f: Any) -> list[str]:
            return [r["id"] for r in settle(store).list_traces("acme", TraceFilter(**f))[0]]

        assert ids(text="signing KEY") == [a.id]       # every word, any case, question
        assert ids(text="rotate backups") == []        # every word, not any
        assert ids(text="100%_bucket") == [b.id]        # wildcards match themselves
        assert ids(text="keys rotate.") == [a.id]       # the answer counts too
        assert ids(user_id="ana") == [b.id, a.id]
        assert ids(session_id="s1") == [c.id, a.id]
        assert ids(rating="up") == [a.id] and ids(rating="down") == [b.id]
        rows = {r["id"]: r for r in store.list_traces("acme", TraceFilter())[0]}
        assert rows[a.id]["rating"] == 1.0 and rows[b.id]["rating"] == 0.0
        assert rows[c.id]["rating"] is None
        assert store.get_trace("acme", a.id)["rating"] == 1.0

    def test_a_deleted_documents_passages_leave_the_prompts(self, store: Any) -> None:
        now = time.time()

        def traced(n: int, doc: str, tenant: str = "acme") -> Any:
            t = make_trace(n, now - n, tenant=tenant)
            for o in t.observations:
                if o.name == "retrieve":
                    o.output = [{"chunk_id": f"{doc}:0", "doc_id": doc, "source": "a.md"}]
                if o.type == "generation":
                    o.input = [{"role": "user", "content": f"[1] secret text of {doc}"}]
            return t

        gone, kept, other = traced(1, "doc_gone"), traced(2, "doc_kept"), \
            traced(3, "doc_gone", tenant="other")
        for t in (gone, kept, other):
            store.save_trace(t)
        assert store.forget_document("acme", "doc_gone") == 1
        assert store.forget_document("acme", "doc_gone") == 0  # once is enough

        def prompt(tenant: str, t: Any) -> Any:
            got = store.get_trace(tenant, t.id)
            return next(o["input"] for o in got["observations"] if o["type"] == "generation")

        assert "secret text" not in json.dumps(prompt("acme", gone))
        assert "doc_gone" in prompt("acme", gone)["removed"]
        assert "secret text of doc_kept" in json.dumps(prompt("acme", kept))
        assert "secret text of doc_gone" in json.dumps(prompt("other", other))  # its own tenant
        got = store.get_trace("acme", gone.id)
        assert got["output"] == gone.output  # the answer the user was given stays

    def test_erasing_a_document_redacts_the_answers_that_quote_it(self, store: Any) -> None:
        now = time.time()
        secret = ("The vault combination for the Harrow office is kept by the night porter. "
                  "Badges are renewed every March.")

        def traced(n: int, doc: str, answer: str, variant: str = "") -> Any:
            t = make_trace(n, now - n, variant=variant,
                           input={"question": "who keeps the vault combination?"})
            t.output = {"answer": answer, "citations": ["vault.md"]}
            for o in t.observations:
                if o.name == "retrieve":
                    o.output = [{"chunk_id": f"{doc}:0", "doc_id": doc, "source": "vault.md"}]
                if o.type == "generation":
                    o.input = [{"role": "user", "content": f"[1] {secret}"}]
                    o.output = answer
                    o.metadata = {"withdrawn": ["The vault combination for the Harrow "
                                                "office is kept by the night porter."]}
            return t

        quoting = traced(1, "doc_vault", "Hello. The vault combination for the Harrow office "
                         "is kept by the night porter [1]. Ask at the desk.", variant="exp_v/a")
        other = traced(2, "doc_other", "The vault combination for the Harrow office is kept "
                       "by the night porter [1].")
        for t in (quoting, other):
            store.save_trace(t)

        def found(words: str) -> list[str]:
            return [r["id"] for r in settle(store).list_traces("acme",
                                                                TraceFilter(text=words))[0]]

        assert set(found("night porter")) == {quoting.id, other.id}
        assert store.forget_document("acme", "doc_vault", erase=[secret]) == 1
        assert found("night porter") == [other.id]  # only a trace that retrieved it changes
        got = store.get_trace("acme", quoting.id)
        answer = got["output"]["answer"]
        assert "porter" not in answer and answer.startswith("Hello.") \
            and answer.endswith("Ask at the desk.") and "[removed" in answer
        assert "porter" not in json.dumps(got["observations"])
        assert got["input"]["question"] == "who keeps the vault combination?"  # the user's own
        assert store.forget_document("acme", "doc_vault", erase=[secret]) == 0
