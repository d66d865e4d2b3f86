"""A second opinion on grounding from the local model: does the passage support this?

The claim-level check (``grounding.py``) is a rule set: it catches changed numbers,
flipped negations and claims that sit in the wrong place, but not a plausible sentence
that swaps one term of the passage for another. A natural-language-inference model
would; none ships in a package here, so the local instruct model is asked instead, in
one forward pass and no generation: the verdict is the margin between the logits of
the first tokens of "UNSUPPORTED" and "SUPPORTED". A sentence is flagged when the
heuristic flags it *or* that margin passes ``threshold`` (chosen on
``evals/grounding/pairs.jsonl``; see ``bench/grounding.py --verifier``).

It needs the model to itself, so the pipeline uses it after a local model has finished
its answer (the answer is then released sentence by sentence, verified), never while
it streams.

    verifier = ModelVerifier(chat)                    # a loaded LlamaChatModel
    verifier.margin(question, [passage], sentence)    # > 0: leans "unsupported"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

SYSTEM = ("You verify answers against a source passage. An answer is SUPPORTED only if the "
          "passage states everything the answer says, with the same numbers, names, options "
          "and meaning (including 'not'). Otherwise it is UNSUPPORTED. Reply with one word.")


class Verifier(Protocol):
    name: str
    threshold: float

    def margin(self, question: str, passages: Sequence[str], answer: str) -> float: ...


@runtime_checkable
class MarginModel(Protocol):
    def first_token_margin(self, messages: Sequence[dict[str, str]], yes: str,
                           no: str) -> float: ...


class ModelVerifier:
    def __init__(self, model: MarginModel, threshold: float = 1.0, name: str = "") -> None:
        self.model, self.threshold = model, threshold
        self.name = name or getattr(model, "name", "model")

    def margin(self, question: str, passages: Sequence[str], answer: str) -> float:
        user = (f"Passage:\n{chr(10).join(passages)}\n\nQuestion: {question}\n"
                f"Answer: {answer}\n\nIs the answer SUPPORTED or UNSUPPORTED by the passage?")
        return self.model.first_token_margin(
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
            yes="SUPPORTED", no="UNSUPPORTED")

    def unsupported(self, question: str, passages: Sequence[str], answer: str) -> bool:
        return self.margin(question, passages, answer) > self.threshold
