"""The sentence reranker lifts a chunk whose one sentence answers the question."""

from __future__ import annotations

from ragworks.embed import make_embedder
from ragworks.models import Chunk, Hit
from ragworks.retrieve.rerank import SentenceReranker, sentences


def _hit(cid: str, text: str, fused: float) -> Hit:
    chunk = Chunk(id=cid, doc_id=cid, tenant="t", collection="c", source=f"{cid}.txt",
                  title="", section="", text=text, start=0, end=len(text), ordinal=0)
    return Hit(chunk=chunk, fused=fused)


def test_sentences_split_and_keep_short_text() -> None:
    assert sentences("One two three. Four five six! Seven") == ["One two three.",
                                                                 "Four five six!"]
    assert sentences("Hi.") == ["Hi."]


def test_best_sentence_lifts_the_answering_chunk_and_tail_is_kept() -> None:
    embedder = make_embedder("minilm")
    vague = _hit("a", "The office has several meeting rooms. Rooms have screens and "
                      "whiteboards. The kitchen is on the second floor.", 0.9)
    answer = _hit("b", "Parking is free for staff. Visitors park in the north lot. "
                       "Guest Wi-Fi codes are valid for 24 hours after they are issued. "
                       "Bicycles go in the basement.", 0.8)
    tail = _hit("c", "Unrelated tail text about holidays.", 0.1)
    reranker = SentenceReranker(embedder, weight=0.5, candidates=2)
    query = embedder.embed(["How long is a guest Wi-Fi code valid?"])[0]
    out = reranker.rerank(query, [vague, answer, tail])
    assert [h.chunk.id for h in out] == ["b", "a", "c"]
    assert out[2] == tail  # outside the candidates: untouched
    assert reranker.rerank(query, [vague]) == [vague]  # nothing to reorder
