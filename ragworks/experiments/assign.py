"""Deterministic, sticky assignment: hash(experiment, unit) -> bucket -> variant."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def bucket(experiment: str, unit: str) -> float:
    """A number in [0, 1) that depends only on the experiment and the unit id."""
    digest = hashlib.sha256(f"{experiment}\x00{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(experiment: str, unit: str, variants: Sequence[tuple[str, float]]) -> str:
    """The variant of ``unit``; weights need not sum to 1 (they are normalised)."""
    total = sum(w for _, w in variants)
    point = bucket(experiment, unit) * total
    upto = 0.0
    for name, weight in variants:
        upto += weight
        if point < upto:
            return name
    return variants[-1][0]
