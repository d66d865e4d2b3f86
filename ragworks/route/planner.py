"""Category -> retrieval plan. Low confidence takes the safe plan.

| category      | plan                                                          |
|---------------|---------------------------------------------------------------|
| chitchat      | no retrieval, a short reply                                   |
| factoid       | hybrid top-k                                                  |
| multi_hop     | sub-questions, retrieval per sub-question, merged context     |
| summary       | wide candidate pool, MMR for diverse chunks                    |
| out_of_scope  | answer that the documents do not cover it (no generation)     |
| (low conf.)   | hybrid top-k with the relevance threshold deciding coverage    |
"""

from __future__ import annotations

from ragworks.models import Plan
from ragworks.route.decompose import decompose


class Planner:
    def __init__(self, top_k: int = 5, min_confidence: float = 0.45,
                 prompt_version: str = "v1") -> None:
        self.top_k = top_k
        self.min_confidence = min_confidence
        self.v = prompt_version

    def plan(self, question: str, category: str, confidence: float) -> Plan:
        if confidence < self.min_confidence:
            return Plan(category=category, mode="hybrid", top_k=self.top_k, fallback=True,
                        prompt=f"answer_{self.v}")
        if category == "chitchat":
            return Plan(category=category, mode="none", top_k=0, prompt=f"chitchat_{self.v}")
        if category == "out_of_scope":
            # Still retrieve a little: a confident "out of scope" that the documents do
            # cover (a strong hit) is answered rather than refused.
            return Plan(category=category, mode="hybrid", top_k=3, candidates=10,
                        prompt=f"answer_{self.v}")
        if category == "multi_hop":
            subs = decompose(question)
            return Plan(category=category, mode="hybrid", top_k=max(self.top_k, 6),
                        decompose=len(subs) > 1, sub_questions=subs if len(subs) > 1 else (),
                        prompt=f"answer_{self.v}")
        if category == "summary":
            return Plan(category=category, mode="hybrid", top_k=8, candidates=40, mmr=True,
                        prompt=f"summary_{self.v}")
        return Plan(category=category, mode="hybrid", top_k=self.top_k, prompt=f"answer_{self.v}")
