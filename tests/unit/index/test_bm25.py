import random

import numpy as np

from ragworks.index.lexical import BM25
from ragworks.text import tokenize

TEXTS = ["the robot battery lasts nine hours", "replace the battery pack when health is low",
         "vacation days carry over until march", "robot robot robot speed"]


def test_matches_bm25s_scores() -> None:
    import bm25s

    ours = BM25(k1=1.5, b=0.75)
    ours.add(TEXTS)
    ref = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    ref.index([tokenize(t) for t in TEXTS], show_progress=False)
    for query in ("robot battery", "vacation march", "speed"):
        q = tokenize(query)
        expected = ref.get_scores(q)
        got = ours.scores(query)
        np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_keep_removes_documents() -> None:
    idx = BM25()
    idx.add(TEXTS)
    idx.keep(np.array([False, True, True, True]))
    scores = idx.scores("battery")
    assert len(scores) == 3 and scores[0] > 0 and scores[1:].max() == 0


def test_unknown_words_score_zero() -> None:
    idx = BM25()
    idx.add(TEXTS)
    assert idx.scores("zeppelin").max() == 0


def test_adds_and_removals_in_any_order_match_a_fresh_index() -> None:
    texts = [f"doc {i} about topic{i % 7} and robot battery {'care' if i % 3 else ''}"
             for i in range(40)]
    grown = BM25()
    grown.add(texts[:10])
    grown.scores("robot")  # weights built, then more added
    grown.add(texts[10:30])
    mask = np.array([i % 4 != 0 for i in range(30)])
    grown.keep(mask)
    grown.add(texts[30:])
    fresh = BM25()
    fresh.add([t for t, k in zip(texts[:30], mask, strict=True) if k] + texts[30:])
    for query in ("robot battery care", "topic3", "doc 17"):
        np.testing.assert_allclose(grown.scores(query), fresh.scores(query), rtol=1e-6)


def test_empty_documents_anywhere() -> None:
    idx = BM25()
    idx.add(["", "robot battery", ""])
    idx.add([""])
    scores = idx.scores("battery")
    assert len(scores) == 4 and scores[1] > 0 and scores[[0, 2, 3]].max() == 0


def test_batches_merged_at_any_time_give_the_matrix_one_batch_gives() -> None:
    """Postings are written straight to their place when batches merge: merging after
    every batch, now and then, or once, and deleting between, all score alike."""
    rng = random.Random(0)
    words = [f"w{i}" for i in range(300)]
    texts = [" ".join(rng.choices(words, k=rng.randint(0, 30))) for _ in range(1500)]
    texts[5] = texts[700] = ""  # documents without a term
    once, often = BM25(), BM25()
    once.add(texts)
    for i in range(0, 1500, 137):
        often.add(texts[i:i + 137])
        if i % 3 == 0:
            often.compact()
    for query in ("w1 w2", "w299", "w5 w5 w17 w250"):
        assert np.allclose(once.scores(query), often.scores(query))
    keep = np.arange(1500) % 4 != 1
    once.keep(keep)
    fresh = BM25()
    fresh.add([t for t, k in zip(texts, keep, strict=True) if k])
    assert np.allclose(once.scores("w1 w2"), fresh.scores("w1 w2"))
    assert once.scores("w1 w2").max() > 0
