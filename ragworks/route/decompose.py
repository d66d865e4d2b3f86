"""Split a multi-hop question into sub-questions, one per thing it asks about.

Rule based so that it works without a model: comparisons ("compare X and Y",
"X vs Y", "difference between X and Y"), several questions in one, and
clauses joined by "and" that each carry their own subject.
"""

from __future__ import annotations

import re

_COMPARE = [
    re.compile(r"(?:compare|comparing)\s+(?P<a>.+?)\s+(?:and|with|to|versus|vs\.?)\s+(?P<b>.+?)"
               r"(?:\s+(?:on|in terms of|regarding|for)\s+(?P<aspect>.+))?$", re.I),
    re.compile(r"(?:difference|differences)\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)"
               r"(?:\s+(?:on|in terms of|regarding|for)\s+(?P<aspect>.+))?$", re.I),
    re.compile(r"^(?P<a>.+?)\s+(?:versus|vs\.?)\s+(?P<b>.+?)(?:[:,]\s*(?P<aspect>.+))?$", re.I),
]
_CLAUSE_SPLIT = re.compile(r"\s*(?:;|\?\s+(?=\w)|,?\s+and\s+(?=(?:what|when|where|who|which|how|"
                           r"is|are|does|do|can|why)\b)|,?\s+and then\s+)\s*", re.I)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ?.,;:").strip()


def decompose(question: str, max_parts: int = 4) -> tuple[str, ...]:
    """Sub-questions of ``question``; one element (the question) when it does not split."""
    q = _clean(question)
    for pattern in _COMPARE:
        m = pattern.search(q)
        if m:
            aspect = _clean(m.group("aspect") or "")
            parts = [_clean(m.group("a")), _clean(m.group("b"))]
            parts = [f"{p} {aspect}".strip() for p in parts if p]
            if len(parts) == 2:
                return tuple(parts)
    parts = [_clean(p) for p in _CLAUSE_SPLIT.split(q)]
    parts = [p for p in parts if len(p.split()) >= 3]
    if len(parts) >= 2:
        return tuple(parts[:max_parts])
    return (q,)
