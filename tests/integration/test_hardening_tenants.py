"""No side channel between tenants: the embedding cache and the lexical statistics are
per tenant, so what one tenant uploads cannot be probed from another."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.integration.test_api_documents import upload

SECRET = (b"# Access codes\n\nThe vault door code for the Hamburg office is 4471-9925. "
          b"Rotate it every quarter.\n")
B_DOC = (b"# Office notes\n\nThe Hamburg office keeps its visitor badges at reception. "
         b"Badges are returned at the end of the day.\n")


def test_the_embedding_cache_never_answers_across_tenants(live: LiveServer) -> None:
    key_a = live.services.keys.create("acme", ["query", "ingest"], "a")
    key_b = live.services.keys.create("globex", ["query", "ingest"], "b")
    with live.client(key_a) as a, live.client(key_b) as b:
        first = upload(a, "codes.md", SECRET).json()
        assert first["embedded"] >= 1
        # B guessing A's exact file learns nothing: everything is embedded afresh
        guess = upload(b, "codes.md", SECRET).json()
        assert guess["embedded"] == first["embedded"]
        # within one tenant, a re-upload under another name still reuses vectors
        again = upload(a, "codes-copy.md", SECRET).json()
        assert again["embedded"] == 0


def test_lexical_scores_do_not_move_with_another_tenants_uploads(live: LiveServer) -> None:
    key_a = live.services.keys.create("acme", ["query", "ingest"], "a")
    key_b = live.services.keys.create("globex", ["query", "ingest"], "b")
    question = {"question": "Where are the Hamburg office badges?", "include_hits": True}
    with live.client(key_a) as a, live.client(key_b) as b:
        assert upload(b, "notes.md", B_DOC).status_code == 201
        before = [h["lexical"] for h in b.post("/api/v1/query", json=question).json()["hits"]]
        for i in range(5):  # A writes about Hamburg a lot
            assert upload(a, f"hamburg-{i}.md", SECRET + f"Note {i}.".encode()).status_code == 201
        after = [h["lexical"] for h in b.post("/api/v1/query", json=question).json()["hits"]]
        assert before and after == before
