"""The real Langfuse SDK and OTLP exporter, pointed at a loopback receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ragworks.observe.mask import pseudonym
from ragworks.observe.receiver import Receiver
from tests.conftest import CORPUS, LiveServer, make_settings


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def served(tmp: Path, rx: Receiver, **extra: object) -> LiveServer:
    settings = make_settings(tmp, langfuse_public_key="pk-lf-test", langfuse_secret_key="sk-lf-x",
                             langfuse_host=rx.url, otel_endpoint=rx.url, llm="scripted",
                             **extra)
    return LiveServer(settings)


def ask(live: LiveServer, question: str, **body: object) -> dict:
    with live.client() as c:
        resp = c.post("/api/v1/query", json={"question": question, **body})
        assert resp.status_code == 200, resp.text
        return resp.json()


def test_langfuse_receives_the_trace_tree_generation_and_scores(tmp_path: Path,
                                                                rx: Receiver) -> None:
    with served(tmp_path, rx, mask_patterns=[r"ACME-\d+"]) as live:
        live.services.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                                      "wifi-guest-access.txt", "default")
        body = ask(live, "How long is a guest Wi-Fi code valid? mail jo@example.com re ACME-42",
                   user_id="user-7", session_id="sess-1", tags=["beta"])
        assert live.services.tracer.flush(90)
        trace_id = body["trace_id"]
        expected = {"query", "classify", "plan", "retrieve", "lexical", "dense", "fusion",
                    "generate"}

        def spans_of_ours(r: Receiver) -> list[dict]:
            return [s for s in r.spans if s["path"] == "/api/public/otel/v1/traces"
                    and bytes.fromhex(trace_id) == _b64(s["traceId"])]

        # the spans may come in more than one request: wait for all of them
        assert rx.wait_for(lambda r: expected <= {s["name"] for s in spans_of_ours(r)})
        lf = [s for s in rx.spans if s["path"] == "/api/public/otel/v1/traces"]
        ours = spans_of_ours(rx)
        names = {s["name"] for s in ours}
        assert expected <= names
        assert lf[0]["authorization"].startswith("Basic ")
        root = next(s for s in ours if s["name"] == "query")
        # caller-chosen ids leave the process as stable pseudonyms
        assert root["attributes"]["user.id"] == pseudonym("user-7")
        assert root["attributes"]["session.id"] == pseudonym("sess-1")
        assert "beta" in str(root["attributes"]["langfuse.trace.tags"])
        by_id = {s["spanId"]: s for s in ours}
        retrieve = next(s for s in ours if s["name"] == "retrieve")
        lexical = next(s for s in ours if s["name"] == "lexical")
        assert by_id[lexical["parentSpanId"]]["name"] == "search" or \
            lexical["parentSpanId"] == retrieve["spanId"]
        gen = next(s for s in ours if s["name"] == "generate")
        a = gen["attributes"]
        assert a["langfuse.observation.type"] == "generation"
        assert a["langfuse.observation.model.name"] == "scripted"
        assert '"input"' in a["langfuse.observation.usage_details"]
        assert "jo@example.com" not in str(ours) and "[EMAIL]" in str(ours)
        assert "ACME-42" not in str(ours) and "[REDACTED]" in str(ours)
        assert rx.wait_for(lambda r: len(r.scores) >= 4)
        scores = {s["name"]: s for s in rx.scores}
        assert {"classification_confidence", "top_retrieval_score", "groundedness"} <= \
            scores.keys()
        assert scores["groundedness"]["traceId"] == trace_id
        with live.client() as c:  # feedback arrives later and is exported as a score too
            assert c.post("/api/v1/feedback", json={"trace_id": trace_id,
                                                    "rating": "up"}).status_code == 201
        assert live.services.tracer.flush(90)
        assert rx.wait_for(lambda r: any(s["name"] == "thumbs_up" and s["traceId"] == trace_id
                                         for s in r.scores))


def _b64(value: str) -> bytes:
    import base64

    return base64.b64decode(value)


def test_otlp_receives_genai_attributes(tmp_path: Path, rx: Receiver) -> None:
    with served(tmp_path, rx) as live:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        body = ask(live, "What does error E102 mean?")
        assert live.services.tracer.flush(90)
        otlp = [s for s in rx.spans if s["path"] == "/v1/traces"]
        ours = [s for s in otlp if _b64(s["traceId"]) == bytes.fromhex(body["trace_id"])]
        gen = next(s for s in ours if s["name"].startswith("chat "))
        assert gen["attributes"]["gen_ai.request.model"] == "scripted"
        assert gen["attributes"]["gen_ai.usage.output_tokens"] not in (None, "0")
        assert gen["attributes"]["gen_ai.operation.name"] == "chat"
        root = next(s for s in ours if s["name"] == "query")
        assert "parentSpanId" in root  # child of the remote parent that carries our id
        assert {"classify", "retrieve", "fusion"} <= {s["name"] for s in ours}


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_a_bad_backend_never_fails_or_delays_requests(tmp_path: Path, rx: Receiver,
                                                      mode: str) -> None:
    rx.mode = mode
    with served(tmp_path, rx, export_queue_size=5, export_timeout_s=1.0) as live:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        started = time.perf_counter()
        for _ in range(12):
            ask(live, "What does error E102 mean?")
        assert time.perf_counter() - started < 10  # 12 answers, backend down or hanging
        def troubled(_: Receiver) -> bool:
            s = live.services.tracer.stats()["otlp"]
            return s["dropped"] + s["failed"] + s["queue_depth"] > 0

        assert rx.wait_for(troubled, timeout_s=60)  # counted, not waited for
        with live.client() as c:
            metrics = c.get("/metrics").text
        assert 'ragworks_export_dropped{exporter="otlp"}' in metrics
        rx.mode = "ok"  # the backend returns: exports resume
        # the traces queued while it was down go first (on a busy machine the queue may
        # still be full, and a trace submitted now would be dropped, as it should be)
        live.services.tracer.flush(90)
        before = live.services.tracer.stats()["otlp"]["exported"]
        ask(live, "What does error E102 mean?")
        live.services.tracer.flush(90)
        assert rx.wait_for(lambda r: live.services.tracer.stats()["otlp"]["exported"] > before,
                           timeout_s=30)


def test_short_lived_commands_flush_within_a_bound(tmp_path: Path, rx: Receiver) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive",
           "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url, "RAGWORKS_ENV": "test"}
    exe = Path(sys.executable).parent / "ragworks"
    subprocess.run([str(exe), "ingest", str(CORPUS / "warranty.txt")], env=env, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([str(exe), "ask", "How long is the warranty?"], env=env, check=True,
                   capture_output=True, timeout=120)
    assert any(s["name"] == "query" for s in rx.spans if s["path"] == "/v1/traces")
    rx.mode = "hang"
    started = time.perf_counter()
    subprocess.run([str(exe), "ask", "How long is the warranty?"],
                   env={**env, "RAGWORKS_FLUSH_TIMEOUT_S": "2"}, check=True,
                   capture_output=True, timeout=120)
    assert time.perf_counter() - started < 30


def test_metrics_and_request_ids(tmp_path: Path, rx: Receiver) -> None:
    with served(tmp_path, rx) as live, live.client() as c:
        resp = c.post("/api/v1/query", json={"question": "hello"},
                      headers={"X-Request-Id": "req-123"})
        assert resp.headers["x-request-id"] == "req-123"
        text = httpx.get(live.url + "/metrics").text
        assert 'ragworks_http_requests_total{method="POST",route="/api/v1/query",status="200"}' \
            in text
        assert "ragworks_stage_seconds_bucket" in text and "ragworks_queries_total" in text


#: planted personal values and secrets; none may reach an exporter
PLANTED = [
    "dan.filename@example.net", "jo@example.com", "+49 30 1234 5678", "(555) 123-4567",
    "4242 4242 4242 4242", "4242.4242.4242.4242", "4242-4242-4242-4242",
    "cc4000056655665556", "5555555555554444", "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ghp_1234567890abcdefghijABCDEFGHIJ123456",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "sk-live-abcdefghijklmnop",
    "rw_abcdefghijklmnopqrstuv", "token_ABCDEF1234567890",
]


def test_planted_pii_never_reaches_either_exporter(tmp_path: Path, rx: Receiver) -> None:
    with served(tmp_path, rx) as live:
        live.services.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                                      "wifi-guest-access.txt", "default")
        question = "Wi-Fi code validity? " + " ; ".join(PLANTED)
        with live.client() as c:
            resp = c.post("/api/v1/query", json={
                "question": question[:1900], "user_id": "maria.k@example.org",
                "session_id": "+49 170 5551234", "tags": ["jo@example.com"]})
            assert resp.status_code == 200, resp.text
            trace_id = resp.json()["trace_id"]
            # a failed upload whose error names the file (with an address in its name)
            bad = c.post("/api/v1/documents",
                         files={"file": ("dan.filename@example.net.txt", b"   ")})
            assert bad.status_code == 422
            assert c.post("/api/v1/feedback", json={
                "trace_id": trace_id, "rating": "down",
                "comment": "call me at +49 30 1234 5678 or jo@example.com"}).status_code == 201
        assert live.services.tracer.flush(90)
        assert rx.wait_for(lambda r: any(s["name"] == "ingest" for s in r.spans)
                           and any(s["name"] == "thumbs_up" for s in r.scores))
        sent = str(rx.spans) + str(rx.scores)
        assert "[EMAIL]" in sent and "[CARD]" in sent
        leaked = [v for v in [*PLANTED, "maria.k@example.org", "+49 170 5551234"]
                  if v in sent or v.replace(" ", "") in sent]
        assert leaked == []


def _burn(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def test_traces_reach_the_receiver_with_every_core_busy(tmp_path: Path, rx: Receiver) -> None:
    """The export child runs at nice 10, never idle-class: with a CPU burner on every core
    (and no flush, which would raise its priority), a trace still arrives."""
    import multiprocessing
    import os

    burners = [multiprocessing.Process(target=_burn, args=(time.time() + 120,), daemon=True)
               for _ in range(os.cpu_count() or 2)]
    with served(tmp_path, rx) as live:
        for b in burners:
            b.start()
        try:
            body = ask(live, "hello, is anyone there?")
            want = bytes.fromhex(body["trace_id"])
            assert rx.wait_for(lambda r: any(_b64(s["traceId"]) == want for s in r.spans
                                             if s["path"] == "/v1/traces"), timeout_s=90)
        finally:
            for b in burners:
                b.kill()


def test_shutdown_with_a_hanging_backend_stays_within_its_bound(tmp_path: Path,
                                                                rx: Receiver) -> None:
    rx.mode = "hang"
    live = served(tmp_path, rx, export_timeout_s=30.0)
    with live:
        for _ in range(3):
            ask(live, "hello")
        started = time.perf_counter()
        live.services.tracer.shutdown(3.0)
        assert time.perf_counter() - started < 5.0  # Docker's stop grace is 10 s
    rx.mode = "ok"


def test_the_export_child_exits_when_the_server_is_killed(tmp_path: Path,
                                                          rx: Receiver) -> None:
    import os
    import signal
    import subprocess
    import sys

    import psutil

    env = {**os.environ, "RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive",
           "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url, "RAGWORKS_ENV": "test",
           "RAGWORKS_BOOTSTRAP_API_KEY": "rw_test_admin_key"}
    from tests.conftest import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "ragworks.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline and server.poll() is None
            time.sleep(0.5)
        httpx.post(f"http://127.0.0.1:{port}/api/v1/query", json={"question": "hello"},
                   headers={"Authorization": "Bearer rw_test_admin_key"}, timeout=60)
        children = [p for p in psutil.Process(server.pid).children(recursive=True)
                    if "ragworks-export" in " ".join(p.cmdline()) or p.name() == "python"
                    or "python" in p.name()]
        assert children
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        gone, alive = psutil.wait_procs(children, timeout=20)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        if server.poll() is None:
            server.kill()
