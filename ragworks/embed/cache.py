"""Vectors of short texts (sentences, questions), cached by text: one embedding each.

A question is embedded once per request, however many stages need it: the classifier,
the retriever, the reranker and the extractive answerer all read it from this cache
(it is an Embedder itself). The reranker and the extractive answerer both score
sentences of retrieved passages against the question; a popular passage's sentences
are embedded once per process.

    cache = VectorCache(embedder)
    matrix = cache.vectors(["First sentence.", "Second one."])
    cache.embed(["a question"])      # the same, as the Embedder protocol spells it
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ragworks.embed import Embedder


class VectorCache:
    def __init__(self, embedder: Embedder, size: int = 20_000) -> None:
        self.embedder = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors(texts)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) unit vectors, in the order given."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            fresh = self.embedder.embed(missing)
            with self._lock:
                for t, v in zip(missing, fresh, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                self._cache.move_to_end(t)
                out.append(self._cache[t])
            return np.stack(out)
