"""Answer a question: the configuration that applies, and the trace around the answer.

    answer(svc, "How long is a Wi-Fi code valid?", Asking(tenant="acme", user_id="u1"))
    for kind, value in answer_stream(svc, question, asking): ...  # ("token", str) ... ("answer", _)

The configuration is the tenant's active one (what was last promoted) with, for live
traffic, the caller's experiment variant over it; evaluation passes its own overrides
instead and is never enrolled in an experiment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import structlog

from ragworks.errors import BadInput, RagworksError
from ragworks.models import Answer, Scope
from ragworks.observe.recorder import TraceRecorder
from ragworks.pipeline import QueryPipeline
from ragworks.route.followup import as_written, standalone
from ragworks.services import Services
from ragworks.turns import GaveWay, background

log = structlog.get_logger(__name__)

#: earlier questions of a conversation that are read (the rest are older than any topic)
MAX_EARLIER = 20


@dataclass(frozen=True)
class Asking:
    """Everything about a question but its text: who asks, where, and how it is traced."""

    tenant: str
    collection: str | None = None
    user_id: str = ""
    session_id: str = ""
    tags: tuple[str, ...] = ()
    include_hits: bool = False
    #: None: live traffic (active configuration + the caller's experiment variant);
    #: a dict: the active configuration with these overrides, outside any experiment
    overrides: dict[str, Any] | None = None
    trace_name: str = "query"
    trace_input: dict[str, Any] = field(default_factory=dict)
    #: background work (the warm-up): gives the model way to users' questions, and an
    #: answer it gave up is not traced (it is asked again)
    background: bool = False
    #: the user's earlier questions in this conversation, oldest first: a follow-up that
    #: refers back to them is asked together with them (route/followup.py)
    earlier: tuple[str, ...] = ()

    @property
    def scope(self) -> Scope:
        return Scope(tenant=self.tenant, collection=self.collection)


def validate_question(question: str, limit: int) -> str:
    q = question.strip()
    if not q:
        raise BadInput("question is empty")
    if len(q) > limit:
        raise BadInput(f"question is {len(q)} characters; the limit is {limit}")
    return q


def served_answerer(svc: Services, tenant: str = "default",
                    overrides: dict[str, Any] | None = None) -> tuple[str, str]:
    """What answers this tenant's questions, and where that choice comes from: the
    caller's overrides, the promoted configuration, or the settings."""
    if overrides and "llm" in overrides:
        return str(overrides["llm"]), "the overrides given"
    active = svc.experiments.store.active_config(tenant)
    if "llm" in active:
        return str(active["llm"]), f"the configuration promoted for tenant {tenant!r}"
    if "llm" in svc.settings.model_fields_set:
        return svc.settings.llm, "RAGWORKS_LLM"
    return svc.settings.llm, "the default (RAGWORKS_LLM is not set)"


def configured(svc: Services, asking: Asking) -> tuple[QueryPipeline, str]:
    """The pipeline for this request, and the experiment variant label ("" for none)."""
    overrides = dict(svc.experiments.store.active_config(asking.tenant))
    label = ""
    if asking.overrides is not None:
        overrides.update(asking.overrides)
    else:
        exp, variant = svc.experiments.variant_for(asking.tenant,
                                                   asking.user_id or asking.session_id)
        if exp and variant:
            overrides.update(variant["overrides"])
            label = f"{exp['id']}/{variant['name']}"
    return svc.pipeline_for(overrides), label


def session_questions(svc: Services, asking: Asking, within_s: float = 1800.0,
                      turns: int = 5) -> list[str]:
    """The conversation as the server remembers it: the session's last questions (its
    traces of the last ``within_s`` seconds, oldest first), for a client that sends a
    session id but not the history. None for background work or without a session."""
    if asking.background or not asking.session_id:
        return []
    from ragworks.observe.store import TraceFilter

    rows, _ = svc.traces.list_traces(asking.tenant, TraceFilter(
        name=asking.trace_name, session_id=asking.session_id,
        since=time.time() - within_s), limit=turns)
    asked = [as_written(str((r.get("input") or {}).get("question", "")))
             for r in reversed(rows)]
    return [q for q in asked if q.strip()]


def _start(svc: Services, asking: Asking, label: str) -> TraceRecorder:
    return svc.tracer.start(asking.trace_name, asking.tenant, user_id=asking.user_id,
                            session_id=asking.session_id, tags=list(asking.tags),
                            variant=label, input=dict(asking.trace_input))


def _finish(svc: Services, rec: TraceRecorder, error: RagworksError | None) -> None:
    status, message = ("ok", "") if error is None else \
        ("error", f"{type(error).__name__}: {error.message}")
    svc.metrics.observe_trace(svc.tracer.finish(rec, status, message))


def _handed_out(answer: Answer, rec: TraceRecorder) -> Answer:
    """Never hand out the id of a trace that was not stored."""
    return answer if rec.stored else answer.model_copy(update={"trace_id": None})


def answer_stream(svc: Services, question: str, asking: Asking,
                  after: Callable[[Answer, TraceRecorder], None] | None = None,
                  started: Callable[[str], None] | None = None,
                  ) -> Iterator[tuple[str, object]]:
    """("token", text) as the answer is released, then ("answer", Answer); the trace is
    finished before the answer is yielded (``after`` may score it first; ``started`` hears
    the trace id at once). A RagworksError finishes the trace as an error and is raised;
    a client that goes away (the generator is closed) leaves a trace saying so."""
    question = validate_question(question, svc.settings.max_question_chars)
    earlier = [validate_question(q, svc.settings.max_question_chars) for q in asking.earlier
               if q.strip()][-MAX_EARLIER:] or session_questions(svc, asking)
    asked = standalone(question, earlier)
    pipeline, label = configured(svc, asking)
    rec = _start(svc, asking, label)
    if earlier:
        rec.trace.metadata["conversation"] = {"turn": len(earlier) + 1, "question": question,
                                              "follow_up": asked != question}
    if started is not None:
        started(rec.trace_id)
    finished = False
    turn = ExitStack()
    ticket = 0
    if not asking.background:  # counted in from the start: background work makes room
        ticket = turn.enter_context(svc.turns.user())
    try:
        for kind, value in pipeline.stream(asked, asking.scope, asking.include_hits, rec):
            if kind == "sources" and ticket and pipeline.writes_with_model \
                    and (ahead := svc.turns.ahead(ticket)):
                rec.trace.metadata["queued_behind"] = ahead
                yield "queued", {"ahead": ahead}  # the model answers one question at a time
            if isinstance(value, Answer):
                if after is not None:
                    after(value, rec)
                _finish(svc, rec, None)
                finished = True
                yield kind, _handed_out(value, rec)
            else:
                yield kind, value
    except RagworksError as exc:
        _finish(svc, rec, exc)
        raise
    except GeneratorExit:  # the client went away (or pressed Stop): the question is traced
        if not finished and not asking.background:
            rec.trace.metadata["stopped"] = "the client went away before the answer was whole"
            svc.metrics.observe_trace(svc.tracer.finish(rec, "error",
                                                        "Stopped: the client went away"))
        raise
    finally:
        turn.close()


def answer(svc: Services, question: str, asking: Asking,
           after: Callable[[Answer, TraceRecorder], None] | None = None,
           started: Callable[[str], None] | None = None) -> Answer:
    """The whole answer at once (see ``answer_stream``)."""
    for kind, value in answer_stream(svc, question, asking, after, started):
        if kind == "answer" and isinstance(value, Answer):
            return value
    raise AssertionError("the pipeline ended without an answer")


def ask_sample_questions(svc: Services) -> int:
    """Ask the packaged sample questions once (real traces, so the dashboard has data),
    as background work: each waits until no user has asked for a while, and one a user
    interrupts is asked again."""
    from ragworks.observe.store import TraceFilter

    if svc.traces.list_traces("default", TraceFilter(name="query"), limit=1)[1]:
        return 0
    path = resources.files("ragworks") / "samples" / "questions.txt"
    questions = [q for q in path.read_text().splitlines() if q.strip()]
    pending = list(enumerate(questions))
    with background(svc.turns):  # only while no user asks; gives way mid-answer
        while pending:
            svc.turns.wait_idle()
            n, question = pending[0]
            try:
                answer(svc, question, Asking(tenant="default", user_id=f"sample-user-{n % 4}",
                                             tags=("sample",), background=True))
            except GaveWay:
                log.info("sample_question_gave_way", question=question)
                continue  # asked again once the users are served
            except Exception as exc:  # noqa: BLE001 - a sample failing must not stop the server
                log.warning("sample_question_failed", question=question, error=str(exc))
            pending.pop(0)
    return len(questions)
