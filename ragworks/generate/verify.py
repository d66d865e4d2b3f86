"""A second opinion on grounding from the local model: does the passage support this?

The claim-level check (``grounding.py``) is a rule set: it catches changed numbers,
flipped negations and claims that sit in the wrong place, but not a plausible sentence
that swaps one term of the passage for another. A natural-language-inference model
would; none ships in a package here, so the local instruct model is asked instead, in
one forward pass and no generation: the verdict is the margin between the logits of
the first tokens of "UNSUPPORTED" and "SUPPORTED". A sentence is flagged when the
heuristic flags it *or* that margin passes ``threshold`` (chosen on
``evals/grounding/pairs.jsonl``; see ``bench/grounding.py --verifier``).

While the local model writes, each finished sentence is checked *in the answer's own
context* (``in_context``): the question "is this sentence SUPPORTED by the passage it
cites?" is appended to what the model has read and written so far (a ``Probe`` of the
llama.cpp context), scored, and taken back out of the KV cache. Only the check's 40-70
tokens are read, not the passages again, so sentences are released while the next one is
written. ``margin`` (a fresh read of the passage) is for models without such a context.

    verifier = ModelVerifier(chat)                    # a loaded LlamaChatModel
    verifier.margin(question, [passage], sentence)    # > 0: leans "unsupported"
    verifier.in_context(probe, sentence)              # the same, inside the answer's context
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

SYSTEM = ("You verify answers against a source passage. An answer is SUPPORTED only if the "
          "passage states everything the answer says, with the same numbers, names, options "
          "and meaning (including 'not'). Otherwise it is UNSUPPORTED. Reply with one word.")


#: the check asked inside the answer's context ({sentence} carries its citation marker)
IN_CONTEXT = ("Check one sentence of your answer: \"{sentence}\"\n"
              "It is SUPPORTED only if the passage it cites states everything it says, with "
              "the same numbers, names, options and meaning (including 'not'); otherwise it "
              "is UNSUPPORTED. Reply with one word: SUPPORTED or UNSUPPORTED.")


class Verifier(Protocol):
    name: str
    threshold: float
    context_threshold: float

    def margin(self, question: str, passages: Sequence[str], answer: str) -> float: ...

    def in_context(self, probe: Asker, sentence: str) -> float | None: ...


class Asker(Protocol):
    def ask(self, user: str, yes: str, no: str) -> float | None: ...


@runtime_checkable
class MarginModel(Protocol):
    def first_token_margin(self, messages: Sequence[dict[str, str]], yes: str,
                           no: str) -> float: ...


class ModelVerifier:
    def __init__(self, model: MarginModel, threshold: float = 1.0, name: str = "",
                 context_threshold: float = 1.0) -> None:
        self.model, self.threshold = model, threshold
        #: the threshold of ``in_context`` margins (another prompt, another scale)
        self.context_threshold = context_threshold
        self.name = name or getattr(model, "name", "model")

    def margin(self, question: str, passages: Sequence[str], answer: str) -> float:
        user = (f"Passage:\n{chr(10).join(passages)}\n\nQuestion: {question}\n"
                f"Answer: {answer}\n\nIs the answer SUPPORTED or UNSUPPORTED by the passage?")
        return self.model.first_token_margin(
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
            yes="SUPPORTED", no="UNSUPPORTED")

    def in_context(self, probe: Asker, sentence: str) -> float | None:
        """The margin of "UNSUPPORTED" for ``sentence`` asked inside the answer's context
        (None when that context is gone)."""
        return probe.ask(IN_CONTEXT.format(sentence=sentence.strip()), yes="SUPPORTED",
                         no="UNSUPPORTED")

    def unsupported(self, question: str, passages: Sequence[str], answer: str) -> bool:
        return self.margin(question, passages, answer) > self.threshold
