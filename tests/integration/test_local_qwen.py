"""The demo's model (Qwen2.5-Coder-1.5B-Instruct through llama.cpp) answers through the
pipeline, one verified sentence at a time (slow: marked `model`)."""

from __future__ import annotations

import pytest

from ragworks.generate.grounding import GroundingChecker
from ragworks.generate.llm import LLMAnswerer
from ragworks.generate.local_llama import MODELS, LlamaChatModel, model_path
from ragworks.models import Chunk, Hit, Scope
from ragworks.pipeline import QueryPipeline
from ragworks.settings import Settings

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def chat() -> LlamaChatModel:
    model = LlamaChatModel("qwen2.5-1.5b", Settings().model_dir, threads=2)
    model.load()
    return model


def test_the_joined_model_file_is_the_published_one() -> None:
    path = model_path("qwen2.5-1.5b", Settings().model_dir)
    assert path.stat().st_size == MODELS["qwen2.5-1.5b"].size


class OneHit:
    """A retriever that always finds the policy passage."""

    def __init__(self, text: str) -> None:
        self.hit = Hit(chunk=Chunk(id="c", doc_id="d", tenant="t", collection="c",
                                   source="leave.md", title="Leave", section="Parental leave",
                                   text=text, start=0, end=len(text), ordinal=0),
                       dense=0.8, fused=1.0)

    def retrieve(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [self.hit]


def test_the_model_answers_with_a_grounded_cited_sentence(chat: LlamaChatModel) -> None:
    from ragworks.classify.model import QueryClassifier
    from ragworks.embed import make_embedder
    from ragworks.generate.extractive import ExtractiveAnswerer
    from ragworks.route.planner import Planner

    embedder = make_embedder("minilm")
    text = ("The primary caregiver receives 20 weeks of fully paid leave. The secondary "
            "caregiver receives 8 weeks of fully paid leave.")
    pipeline = QueryPipeline(
        classifier=QueryClassifier.load(None, embedder), planner=Planner(prompt_version="v3"),
        retriever=OneHit(text), answerer=LLMAnswerer(chat, max_tokens=80),  # type: ignore[arg-type]
        fallback=ExtractiveAnswerer(), grounding=GroundingChecker())
    events = list(pipeline.stream("How many weeks of paid leave does the secondary caregiver "
                                  "get?", Scope(tenant="t")))
    answer = events[-1][1]
    shown = "".join(v for k, v in events if k == "token")
    assert "8 weeks" in answer.answer and "[1]" in answer.answer  # type: ignore[attr-defined]
    assert "20 weeks" not in shown  # nothing ungrounded was ever streamed
    assert GroundingChecker().check(answer.answer, [OneHit(text).hit]).grounded  # type: ignore[attr-defined]


def test_the_model_verifier_leans_against_a_swapped_term(chat: LlamaChatModel) -> None:
    from ragworks.generate.verify import ModelVerifier

    verifier = ModelVerifier(chat, threshold=1.0)
    passage = ["The secondary caregiver receives 8 weeks of fully paid leave, which can be "
               "taken in up to three blocks within the first year."]
    question = "How many weeks of paid leave does the secondary caregiver get?"
    right = verifier.margin(question, passage, "The secondary caregiver gets 8 weeks.")
    wrong = verifier.margin(question, passage, "The secondary caregiver gets 20 weeks.")
    assert wrong > right
    assert not verifier.unsupported(question, passage, "The secondary caregiver gets 8 weeks.")
    assert verifier.unsupported(question, passage, "The secondary caregiver gets 20 weeks.")


def test_a_probe_inside_the_answer_leaves_the_answer_as_it_would_have_been(
        chat: LlamaChatModel) -> None:
    from ragworks.generate import Usage

    messages = [{"role": "system", "content": "Answer in two short sentences."},
                {"role": "user", "content": "Passage: The secondary caregiver receives 8 "
                 "weeks of fully paid leave. It can be taken in up to three blocks.\n\n"
                 "Question: How much leave does the secondary caregiver get, and how?"}]
    plain = "".join(chat.stream(messages, max_tokens=40))
    usage = Usage()
    pieces, margins = [], []
    for piece in chat.stream(messages, max_tokens=40, usage=usage):
        pieces.append(piece)
        if piece.rstrip().endswith("."):  # ask between two sentences, as the gate does
            margins.append(usage.extra["probe"].ask("Is that SUPPORTED or UNSUPPORTED?",
                                                    "SUPPORTED", "UNSUPPORTED"))
    assert margins and all(isinstance(m, float) for m in margins)
    assert "".join(pieces) == plain  # the check's tokens left the context untouched
    # after the stream, the probe still works until someone else uses the model
    assert usage.extra["probe"].ask("Is that SUPPORTED?", "SUPPORTED", "UNSUPPORTED") \
        is not None
    chat.first_token_margin(messages, "SUPPORTED", "UNSUPPORTED")
    assert usage.extra["probe"].ask("Is that SUPPORTED?", "SUPPORTED", "UNSUPPORTED") is None


def test_with_the_in_context_check_each_sentence_is_checked_inside_the_answers_context(
        chat: LlamaChatModel) -> None:
    from ragworks.classify.model import QueryClassifier
    from ragworks.embed import make_embedder
    from ragworks.generate.extractive import ExtractiveAnswerer
    from ragworks.generate.verify import ModelVerifier
    from ragworks.route.planner import Planner

    class Counting(ModelVerifier):
        fresh = 0

        def margin(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            Counting.fresh += 1
            return super().margin(*args, **kwargs)

    text = ("The primary caregiver receives 20 weeks of fully paid leave. The secondary "
            "caregiver receives 8 weeks of fully paid leave.")
    pipeline = QueryPipeline(
        classifier=QueryClassifier.load(None, make_embedder("minilm")),
        planner=Planner(prompt_version="v3"), retriever=OneHit(text),  # type: ignore[arg-type]
        answerer=LLMAnswerer(chat, max_tokens=80), fallback=ExtractiveAnswerer(),
        grounding=GroundingChecker(), verify_in_context=True,
        verifier=Counting(chat, threshold=1.0, context_threshold=-1.0))
    from ragworks.observe.recorder import TraceRecorder

    rec = TraceRecorder("query", "t")
    events = list(pipeline.stream("How many weeks of paid leave does the secondary caregiver "
                                  "get?", Scope(tenant="t"), trace=rec))
    answer = events[-1][1]
    assert "8 weeks" in answer.answer  # type: ignore[attr-defined]
    assert "20 weeks" not in "".join(v for k, v in events if k == "token")
    gen = next(o for o in rec.trace.observations if o.name == "generate")
    assert gen.metadata["verifier_margins"]  # every shown sentence was checked ...
    assert Counting.fresh == 0  # ... without reading the passage again



def test_by_default_the_verified_answer_is_released_whole(chat: LlamaChatModel) -> None:
    from ragworks.classify.model import QueryClassifier
    from ragworks.embed import make_embedder
    from ragworks.generate.extractive import ExtractiveAnswerer
    from ragworks.generate.verify import ModelVerifier
    from ragworks.route.planner import Planner

    text = ("The primary caregiver receives 20 weeks of fully paid leave. The secondary "
            "caregiver receives 8 weeks of fully paid leave.")
    pipeline = QueryPipeline(
        classifier=QueryClassifier.load(None, make_embedder("minilm")),
        planner=Planner(prompt_version="v3"), retriever=OneHit(text),  # type: ignore[arg-type]
        answerer=LLMAnswerer(chat, max_tokens=80), fallback=ExtractiveAnswerer(),
        grounding=GroundingChecker(), verifier=ModelVerifier(chat, threshold=1.0))
    events = list(pipeline.stream("How many weeks of paid leave does the secondary caregiver "
                                  "get?", Scope(tenant="t")))
    answer = events[-1][1]
    assert "8 weeks" in answer.answer  # type: ignore[attr-defined]
    assert "20 weeks" not in "".join(v for k, v in events if k == "token")
