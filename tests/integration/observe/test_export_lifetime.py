"""The export child over a server's lifetime: every trace of a long run is exported
after idle gaps, under every start method; a killed child is restarted with its loss
counted; a server that dies takes its child with it."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ragworks.observe.export_process import ExportProcess
from ragworks.observe.receiver import Receiver
from ragworks.testing.trace_store import make_trace
from tests.conftest import CORPUS, LiveServer, make_settings

METHODS = ["forkserver", "spawn", "fork"]


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def _exported_ids(rx: Receiver) -> set[str]:
    return {base64.b64decode(s["traceId"]).hex() for s in rx.spans
            if s["path"] == "/v1/traces"}


def _trace(n: int) -> object:
    return make_trace(n, time.time(), id=uuid.uuid4().hex)


def _hub(rx: Receiver, method: str) -> ExportProcess:
    return ExportProcess([("otlp", {"endpoint": rx.url, "timeout_s": 5.0})], maxsize=100,
                         method=method)


@pytest.mark.parametrize("method", METHODS)
def test_traces_after_idle_gaps_are_all_exported(rx: Receiver, method: str) -> None:
    hub = _hub(rx, method)
    try:
        sent = []
        for n in range(4):
            trace = _trace(n)
            sent.append(trace.id)
            assert hub.submit(trace)
            time.sleep(1.6)  # longer than the child's wait: it must still be there
        assert hub.alive()
        assert rx.wait_for(lambda r: set(sent) <= _exported_ids(r), timeout_s=90), \
            (hub.stats(), sorted(_exported_ids(rx)))
        assert hub.stats()["otlp"]["exported"] == 4 and hub.restarts == 0
    finally:
        hub.shutdown(5)
    assert not hub.alive()


@pytest.mark.parametrize("method", METHODS)
def test_a_killed_child_is_restarted_within_10_s_and_the_loss_counted(
        rx: Receiver, method: str) -> None:
    hub = _hub(rx, method)
    try:
        first = _trace(1)
        hub.submit(first)
        assert hub.flush(60)
        rx.mode = "hang"  # the next traces wait in the child, then the child is killed
        stuck = [_trace(n) for n in range(2, 6)]
        for t in stuck:
            hub.submit(t)
        time.sleep(1.0)
        old_pid = hub._proc.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (hub.restarts == 0 or not hub.alive()):
            time.sleep(0.05)
        assert hub.restarts == 1 and hub.alive() and hub._proc.pid != old_pid
        assert hub.lost >= 1  # the traces the dead child held are counted, not hidden
        assert "restarted 1x" in hub.status() and hub.status().startswith("ok;")
        rx.mode = "ok"
        later = _trace(9)
        hub.submit(later)
        assert rx.wait_for(lambda r: later.id in _exported_ids(r), timeout_s=90)
        assert hub.flush(60)  # the child's counters are published after a flush
        stats = hub.stats()["otlp"]
        assert stats["exported"] >= 2 and stats["restarts"] == 1 and stats["lost"] >= 1
    finally:
        hub.shutdown(5)


_ORPHAN = """
import sys, time
from ragworks.observe.export_process import ExportProcess
hub = ExportProcess([("otlp", {"endpoint": sys.argv[1]})], method=sys.argv[2])
print(hub._proc.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("method", METHODS)
def test_the_child_exits_when_the_server_is_killed(rx: Receiver, method: str) -> None:
    server = subprocess.Popen([sys.executable, "-c", _ORPHAN, rx.url, method],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        time.sleep(1.5)  # past an idle wait: the child is still there while the server is
        assert _running(child)
        server.kill()
        server.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _running(child):
            time.sleep(0.1)
        assert not _running(child)
    finally:
        server.kill()
        server.wait(30)
        if server.stdout is not None:
            server.stdout.close()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_running_server_exports_every_answer_after_idle_gaps_and_a_killed_child(
        tmp_path: Path, rx: Receiver) -> None:
    """Answers asked over HTTP a few seconds apart all reach Langfuse and the OTLP
    collector; after the export child is killed it is restarted, /metrics and /readyz
    say so, and the answers after it are exported too."""
    settings = make_settings(tmp_path, langfuse_public_key="pk-lf-test",
                             langfuse_secret_key="sk-lf-x", langfuse_host=rx.url,
                             otel_endpoint=rx.url, llm="extractive")
    with LiveServer(settings) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                                      "wifi-guest-access.txt", "default")
        ids = []

        def ask() -> None:
            r = c.post("/api/v1/query", json={"question": "How long is a guest code valid?"})
            assert r.status_code == 200, r.text
            ids.append(r.json()["trace_id"])

        for gap in (0.0, 1.2, 2.5, 0.1, 3.0, 0.7):  # idle gaps longer than the child's wait
            time.sleep(gap)
            ask()
        export = live.services.tracer.export
        assert export is not None
        assert export.flush(90)  # these are sent: what the kill loses is counted apart
        old_pid = export._proc.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (export.restarts and export.alive()):
            time.sleep(0.05)
        assert export.restarts == 1 and export.alive()
        for gap in (0.0, 1.5, 0.2):
            time.sleep(gap)
            ask()

        def langfuse_ids(r: Receiver) -> set[str]:
            return {base64.b64decode(s["traceId"]).hex() for s in r.spans
                    if s["path"] == "/api/public/otel/v1/traces" and s["name"] == "query"}

        def otlp_ids(r: Receiver) -> set[str]:
            return {base64.b64decode(s["traceId"]).hex() for s in r.spans
                    if s["path"] == "/v1/traces" and s["name"] == "query"}

        assert rx.wait_for(lambda r: set(ids) <= langfuse_ids(r) and set(ids) <= otlp_ids(r),
                           timeout_s=120), (len(ids), len(langfuse_ids(rx)), export.stats())
        metrics = httpx.get(live.url + "/metrics").text
        assert 'ragworks_export_restarts{exporter="langfuse"} 1.0' in metrics
        assert 'ragworks_export_lost{exporter="langfuse"}' in metrics
        ready = httpx.get(live.url + "/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert "restarted 1x" in ready.json()["checks"]["export"]
