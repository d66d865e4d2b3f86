"""Users' questions ahead of background use of the model (ragworks/turns.py): the demo's
warm-up waits for a quiet server, gives way mid-answer, and is asked again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ragworks.observe.store import TraceFilter
from ragworks.services import Services
from ragworks.turns import GaveWay, Turns, background
from ragworks.usecases import Asking, answer, ask_sample_questions
from tests.conftest import CORPUS, make_settings


def test_background_waits_while_a_user_asks_and_for_the_quiet_after() -> None:
    turns = Turns(idle_s=0.3)
    started = time.monotonic()
    assert turns.wait_idle()  # nobody has asked yet
    assert time.monotonic() - started < 0.3
    ready = threading.Event()
    with turns.user():
        threading.Thread(target=lambda: (turns.wait_idle(), ready.set()), daemon=True).start()
        assert not ready.wait(0.5)  # a user is being answered
    left = time.monotonic()
    assert ready.wait(10)
    assert time.monotonic() - left >= 0.25  # and it waited for the quiet after
    stop = threading.Event()
    stop.set()
    with turns.user():
        assert turns.wait_idle(stop) is False  # a server that stops does not wait


@pytest.fixture
def svc(tmp_path: Path) -> Services:
    s = Services(make_settings(tmp_path, llm="scripted"))
    for name in ("wifi-guest-access.txt", "expense-policy.md"):
        if (CORPUS / name).exists():
            s.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
    s.turns.idle_s = 0.2
    yield s
    s.close()


def test_background_answer_gives_way_to_a_user_and_leaves_no_trace(svc: Services) -> None:
    question = "How long is a guest Wi-Fi code valid?"
    with svc.turns.user(), background(svc.turns), pytest.raises(GaveWay):
        answer(svc, question, Asking(tenant="default", tags=("sample",), background=True))
    assert svc.turns.gave_way >= 1
    assert svc.traces.list_traces("default", TraceFilter())[1] == 0  # nothing half-done kept
    # the user's own question is answered and traced as always, also the second time
    for _ in range(2):
        got = answer(svc, question, Asking(tenant="default"))
        assert got.covered and got.model == "scripted" and "Lumen-Guest" in got.answer
    assert svc.traces.list_traces("default", TraceFilter())[1] == 2


def test_the_warm_up_runs_when_the_users_are_done_and_asks_every_question(
        svc: Services) -> None:
    done = threading.Event()
    user = svc.turns.user()
    user.__enter__()  # a user question is being answered when the server starts
    t = threading.Thread(target=lambda: (ask_sample_questions(svc), done.set()), daemon=True)
    t.start()
    assert not done.wait(1.0)
    assert svc.traces.list_traces("default", TraceFilter(name="query"))[1] == 0
    user.__exit__(None, None, None)
    assert done.wait(120), "the warm-up did not run once the server was quiet"
    rows, total = svc.traces.list_traces("default", TraceFilter(name="query"), limit=100)
    from importlib import resources

    questions = [q for q in (resources.files("ragworks") / "samples" / "questions.txt")
                 .read_text().splitlines() if q.strip()]
    assert total == len(questions) and all(r["status"] == "ok" for r in rows)


def test_a_question_behind_another_hears_its_place(svc: Services) -> None:
    from ragworks.usecases import answer_stream

    question = "How long is a guest Wi-Fi code valid?"
    with svc.turns.user():  # someone else's question holds the model
        kinds = list(answer_stream(svc, question, Asking(tenant="default")))
    queued = [v for k, v in kinds if k == "queued"]
    assert queued == [{"ahead": 1}]
    assert [k for k, _ in kinds].index("queued") < [k for k, _ in kinds].index("token")
    # alone, nobody is ahead: no such event, the second time too
    for _ in range(2):
        assert "queued" not in [k for k, _ in answer_stream(svc, question,
                                                            Asking(tenant="default"))]
