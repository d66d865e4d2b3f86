"""The packaged sentence encoders: unit vectors, the same text the same vector, and a
question closer to its answer than to an unrelated sentence."""

import numpy as np
import pytest

from ragworks.embed import make_embedder

TEXTS = ["How long is a guest Wi-Fi code valid?",
         "Guest access codes are valid for 24 hours.",
         "The cafeteria serves lunch from 11:30 on weekdays."]


@pytest.mark.parametrize("spec", ["minilm", "bge-small"])
def test_an_encoder_ranks_the_answer_first(spec: str) -> None:
    encoder = make_embedder(spec)
    vectors = encoder.embed(TEXTS)
    assert vectors.shape == (3, encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
    again = encoder.embed(TEXTS[:1])
    assert np.allclose(again[0], vectors[0], atol=1e-5)
    assert encoder.embed([]).shape == (0, encoder.dim)


def test_an_unknown_encoder_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="bge-small"):
        make_embedder("word2vec")
