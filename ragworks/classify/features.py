"""Features for the query classifier: sentence embedding + hashed word n-grams + shape cues."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from ragworks.embed import Embedder

HASH_DIM = 1024
_WORD = re.compile(r"[a-z0-9']+")
_CUES = (
    r"\b(and|both|versus|vs|compare|difference|between|also|then|before|after|while)\b",
    r"\b(summar\w*|overview|outline|main points|key points|in short|tl;?dr|gist|recap)\b",
    r"^(hi|hello|hey|thanks|thank you|good (morning|evening|afternoon)|bye|how are you)\b",
    r"\b(weather|stock|price of|score|recipe|poem|joke|song|movie|news|lottery)\b",
    r"^(what|when|where|who|which|how many|how much|is|does|can)\b",
)


def _bucket(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % HASH_DIM


def lexical_features(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), HASH_DIM + len(_CUES) + 2), dtype=np.float32)
    for row, text in enumerate(texts):
        low = text.lower().strip()
        words = _WORD.findall(low)
        for tok in words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]:
            out[row, _bucket(tok)] += 1.0
        norm = np.linalg.norm(out[row, :HASH_DIM])
        if norm:
            out[row, :HASH_DIM] /= norm
        for i, cue in enumerate(_CUES):
            out[row, HASH_DIM + i] = float(bool(re.search(cue, low)))
        out[row, -2] = min(len(words), 40) / 20.0
        out[row, -1] = low.count("?") + low.count(";")
    return out


def features(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    return np.hstack([embedder.embed(list(texts)), lexical_features(texts)]).astype(np.float32)
