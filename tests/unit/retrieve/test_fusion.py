from ragworks.models import Chunk, Hit
from ragworks.retrieve.fusion import fuse
from ragworks.retrieve.mmr import mmr


def hit(i: int, lexical: float, dense: float, doc: str = "d", text: str = "") -> Hit:
    c = Chunk(id=f"c{i}", doc_id=doc, tenant="t", collection="c", source=f"{doc}.md", title="",
              section="", text=text or f"text {i}", start=0, end=1, ordinal=i)
    return Hit(chunk=c, lexical=lexical, dense=dense)


HITS = [hit(1, 9.0, 0.2), hit(2, 1.0, 0.9), hit(3, 5.0, 0.5), hit(4, 0.0, 0.7)]


def test_weight_one_is_dense_order_and_zero_is_lexical_order() -> None:
    assert [h.chunk.id for h in fuse(HITS, 1.0)] == ["c2", "c4", "c3", "c1"]
    assert [h.chunk.id for h in fuse(HITS, 0.0)][:3] == ["c1", "c3", "c2"]


def test_fused_scores_are_between_zero_and_one() -> None:
    fused = fuse(HITS, 0.5)
    assert all(0.0 <= h.fused <= 1.0 for h in fused)
    assert fused == sorted(fused, key=lambda h: -h.fused)


def test_rrf_uses_ranks() -> None:
    ranked = [h.model_copy(update={"lexical_rank": r, "dense_rank": 5 - r})
              for r, h in enumerate(HITS, 1)]
    assert len(fuse(ranked, 0.5, method="rrf")) == 4


def test_mmr_prefers_other_documents() -> None:
    same = [hit(i, 5.0, 0.9 - i * 0.01, doc="a", text="battery care storage charge")
            for i in range(3)]
    other = hit(9, 4.5, 0.86, doc="b", text="vacation carry over days")
    weak = hit(10, 0.5, 0.3, doc="c", text="unrelated words")
    picked = mmr(fuse([*same, other, weak], 0.5), 2)
    assert {h.chunk.doc_id for h in picked} == {"a", "b"}
