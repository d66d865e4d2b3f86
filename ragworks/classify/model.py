"""A multinomial logistic-regression query classifier, trained from labelled queries.

Weights are saved as a small ``.npz`` (no pickle): the shipped default lives in
``classify/data/classifier.npz`` and is rebuilt with ``ragworks classifier train``.

    clf = QueryClassifier.load(path, embedder)
    category, confidence = clf.predict("compare the R1 and R2 battery life")
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ragworks.classify.features import features
from ragworks.embed import Embedder
from ragworks.models import CATEGORIES


def data_dir() -> Path:
    return Path(str(resources.files("ragworks.classify") / "data"))


def load_examples(path: Path | None = None) -> list[tuple[str, str]]:
    path = path or data_dir() / "queries.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(r["text"], r["category"]) for r in rows]


def split(examples: Sequence[tuple[str, str]], test_share: float = 0.2, seed: int = 7):
    """Stratified train/test split, deterministic for a seed."""
    rng = random.Random(seed)
    train, test = [], []
    for cat in sorted({c for _, c in examples}):
        items = [e for e in examples if e[1] == cat]
        rng.shuffle(items)
        cut = max(1, round(len(items) * test_share))
        test += items[:cut]
        train += items[cut:]
    return train, test


@dataclass
class QueryClassifier:
    weights: np.ndarray
    bias: np.ndarray
    classes: tuple[str, ...]
    embedder: Embedder
    version: str = "default"

    @classmethod
    def train(cls, examples: Sequence[tuple[str, str]], embedder: Embedder,
              c: float = 4.0, version: str = "trained") -> QueryClassifier:
        from sklearn.linear_model import LogisticRegression

        x = features([t for t, _ in examples], embedder)
        y = [label for _, label in examples]
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit(x, y)
        return cls(model.coef_.astype(np.float32), model.intercept_.astype(np.float32),
                   tuple(str(k) for k in model.classes_), embedder, version)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez(fh, weights=self.weights, bias=self.bias,
                     classes=np.array(self.classes), version=np.array(self.version),
                     embedder=np.array(self.embedder.name))

    @classmethod
    def load(cls, path: Path | None, embedder: Embedder) -> QueryClassifier:
        path = path or data_dir() / "classifier.npz"
        with np.load(path, allow_pickle=False) as data:
            if str(data["embedder"]) != embedder.name:
                raise ValueError(
                    f"classifier {path} was trained with {data['embedder']}, not {embedder.name}; "
                    "retrain it with `ragworks classifier train`"
                )
            return cls(data["weights"], data["bias"], tuple(str(c) for c in data["classes"]),
                       embedder, str(data["version"]))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        logits = features(texts, self.embedder) @ self.weights.T + self.bias
        if logits.shape[1] == 1:  # binary sklearn model
            logits = np.hstack([-logits, logits])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, text: str) -> tuple[str, float]:
        probs = self.probabilities([text])[0]
        best = int(probs.argmax())
        return self.classes[best], float(probs[best])

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every category with its probability, best first."""
        probs = self.probabilities([text])[0]
        return sorted(((c, float(p)) for c, p in zip(self.classes, probs, strict=True)),
                      key=lambda cp: -cp[1])

    def predict_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        probs = self.probabilities(texts)
        return [(self.classes[int(p.argmax())], float(p.max())) for p in probs]


def confusion(truth: Sequence[str], pred: Sequence[str],
              labels: Sequence[str] = CATEGORIES) -> list[list[int]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, pred, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return matrix
