"""Feedback: thumbs or a 1-5 rating, a comment, a corrected category, expected sources.

A second feedback by the same user on the same trace updates the first. Each one
becomes "user" scores on the trace (so the dashboard, rollups and Langfuse see it):
``user_rating`` (0..1), ``thumbs_up`` (boolean, for thumbs), ``corrected_category`` and
``classification_correct`` (boolean; its rollup is the online classification accuracy).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ragworks.errors import BadInput, NotFound
from ragworks.models import CATEGORIES, content_hash
from ragworks.observe.model import Score
from ragworks.observe.store import TraceStore
from ragworks.observe.tracer import Tracer


@dataclass(frozen=True)
class Feedback:
    trace_id: str
    user_id: str
    rating: float  # normalised 0..1
    rating_kind: str  # "thumbs" | "stars"
    comment: str = ""
    corrected_category: str | None = None
    expected_sources: tuple[str, ...] = ()


def normalise(rating: str | int) -> tuple[float, str]:
    """"up"/"down" or 1..5 -> (0..1, kind)."""
    if isinstance(rating, str):
        if rating.lower() in ("up", "down"):
            return (1.0 if rating.lower() == "up" else 0.0), "thumbs"
        raise BadInput("rating must be 'up', 'down' or a number from 1 to 5")
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise BadInput("rating must be 'up', 'down' or a number from 1 to 5")
    return (rating - 1) / 4, "stars"


class FeedbackService:
    def __init__(self, store: TraceStore, tracer: Tracer) -> None:
        self.store = store
        self.tracer = tracer

    def submit(self, tenant: str, fb: Feedback) -> tuple[dict[str, Any], bool]:
        """Store (or update) feedback; returns it and whether it was new."""
        if fb.corrected_category is not None and fb.corrected_category not in CATEGORIES:
            raise BadInput(f"corrected_category must be one of {', '.join(CATEGORIES)}")
        trace = self.store.get_trace(tenant, fb.trace_id)
        if trace is None:
            raise NotFound(f"no trace {fb.trace_id!r}")
        created = self.store.upsert_feedback(tenant, fb.trace_id, fb.user_id, {
            "rating": fb.rating, "rating_kind": fb.rating_kind, "comment": fb.comment,
            "corrected_category": fb.corrected_category,
            "expected_sources": json.dumps(list(fb.expected_sources))})
        scores = [self._score(fb, "user_rating", fb.rating)]
        if fb.rating_kind == "thumbs":
            scores.append(self._score(fb, "thumbs_up", fb.rating >= 0.5, "BOOLEAN"))
        if fb.corrected_category:
            scores.append(self._score(fb, "corrected_category", None, "CATEGORICAL",
                                      fb.corrected_category))
            # the online classification accuracy: was the routed category the right one?
            scores.append(self._score(fb, "classification_correct",
                                      fb.corrected_category == trace.get("category"), "BOOLEAN"))
        self.tracer.add_scores(tenant, scores, roll_up=created)
        return self.store.get_feedback(tenant, fb.trace_id, fb.user_id) or {}, created

    @staticmethod
    def _score(fb: Feedback, name: str, value: float | bool | None, kind: str = "NUMERIC",
               text: str | None = None) -> Score:
        # one id per (trace, user, name): an update replaces the score, never adds one
        return Score(id=content_hash(fb.trace_id, fb.user_id, name, length=16),
                     trace_id=fb.trace_id, name=name,
                     value=None if value is None else float(value), string_value=text,
                     data_type=kind, source="user", comment=fb.comment,
                     created_at=time.time())
