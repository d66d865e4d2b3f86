"""Webhooks on a real loopback server: retried with backoff, never blocking evaluation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ragworks.alerts.egress import Egress
from ragworks.alerts.service import AlertService, Notifier
from ragworks.dashboard.seed import synthetic_trace
from ragworks.errors import BadInput
from ragworks.observe.store_sqlite import SQLiteTraceStore
from ragworks.threadserver import ThreadServer

#: the test's hook server is on loopback, which only an operator's allow-list opens
LOOPBACK_ALLOWED = Egress(["127.0.0.0/8"])


class Hooks:
    def __init__(self) -> None:
        self.received: list[tuple[str, dict, float]] = []
        self.fail_first = 2
        self.calls = 0
        self.release = threading.Event()
        app = FastAPI()

        @app.post("/flaky")
        async def flaky(request: Request) -> JSONResponse:
            self.calls += 1
            if self.calls <= self.fail_first:
                return JSONResponse({"error": "try later"}, status_code=503)
            self.received.append(("flaky", await request.json(), time.time()))
            return JSONResponse({"ok": True})

        @app.post("/slack")
        async def slack(request: Request) -> JSONResponse:
            self.received.append(("slack", await request.json(), time.time()))
            return JSONResponse({"ok": True})

        @app.post("/hang")
        def hang() -> JSONResponse:
            self.release.wait(10)
            return JSONResponse({"ok": True})

        self.server = ThreadServer(app)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    h = Hooks()
    h.server.start()
    yield h
    h.release.set()
    h.server.stop()


def _errors(store: SQLiteTraceStore, now: float, n: int) -> None:
    rng = np.random.default_rng(1)
    for i in range(n):
        t = synthetic_trace(rng, "acme", now - i, False, i)
        t.status = "error"
        store.save_trace(t)


def _fine(store: SQLiteTraceStore, now: float, n: int) -> None:
    rng = np.random.default_rng(2)
    for i in range(n):
        t = synthetic_trace(rng, "acme", now - i, False, 100 + i)
        t.status = "ok"
        store.save_trace(t)


def test_retries_backoff_and_a_hanging_hook_blocks_nothing(tmp_path: Path, hooks: Hooks) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    notifier = Notifier(attempts=4, backoff_s=0.1, timeout_s=2.0, egress=LOOPBACK_ALLOWED)
    try:  # closed even when an assertion fails: its sockets must not outlive it
        alerts = AlertService(store, notifier)
        url = hooks.server.url
        spec = {"metric": "error_rate", "aggregation": "rate", "window_s": 300, "threshold": 0.5,
                "min_samples": 5, "for_s": 0}
        hanging = alerts.create("acme", {**spec, "name": "errors (hanging hook)",
                                         "webhooks": [f"{url}/hang"]})
        flaky = alerts.create("acme", {**spec, "name": "errors (flaky hook)",
                                       "webhooks": [f"{url}/flaky", f"{url}/slack"]})
        now = time.time()
        _errors(store, now, 10)
        started = time.perf_counter()
        assert alerts.evaluate_all(now) == 2
        assert time.perf_counter() - started < 1.5  # the hanging hook runs on its own thread
        assert alerts.get("acme", hanging["id"])["state"] == "firing"
        deadline = time.time() + 10
        while len(hooks.received) < 2 and time.time() < deadline:
            time.sleep(0.05)
        got = {name: body for name, body, _ in hooks.received}
        assert set(got) == {"flaky", "slack"}
        assert hooks.calls == 3  # two 503s, then delivered
        body = got["slack"]
        assert body["text"].startswith("[FIRING] errors (flaky hook)")  # Slack shows "text"
        assert body["state"] == "firing" and body["rule_id"] == flaky["id"] and body["value"] == 1.0
        # the hook server holds a body before its answer reaches the notifier, which counts then
        while notifier.sent < 2 and time.time() < deadline + 10:
            time.sleep(0.05)
        assert notifier.sent >= 2
        # silenced rules still change state but send nothing
        alerts.silence("acme", flaky["id"], 3600, "ops")
        hooks.received.clear()
        _fine(store, now + 1000, 10)  # healthy traffic: the rule clears, then resolves
        assert alerts.evaluate(alerts.get("acme", flaky["id"]), now + 1000) == "resolving"
        assert alerts.evaluate(alerts.get("acme", flaky["id"]), now + 1061) == "resolved"
        time.sleep(0.5)
        assert not [r for r in hooks.received if r[0] in ("flaky", "slack")]
    finally:
        notifier.close()


def test_a_dead_endpoint_is_given_up_after_the_retries(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    notifier = Notifier(attempts=3, backoff_s=0.05, timeout_s=0.5, egress=LOOPBACK_ALLOWED)
    alerts = AlertService(store, notifier)
    alerts.create("acme", {"name": "errors", "metric": "error_rate", "threshold": 0.5,
                           "min_samples": 1, "webhooks": ["http://127.0.0.1:9/nothing"]})
    _errors(store, time.time(), 3)
    assert alerts.evaluate_all() == 1
    deadline = time.time() + 5
    while notifier.failed == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert notifier.failed == 1 and notifier.sent == 0


_EVALUATOR = """
import sys, time
from ragworks.alerts.service import AlertService
from ragworks.observe.store_sqlite import SQLiteTraceStore
alerts = AlertService(SQLiteTraceStore(sys.argv[1]), lease_s=1.0)
end = time.time() + float(sys.argv[2])
with open(sys.argv[3], "a") as log:
    while time.time() < end:
        if alerts.evaluate_all():
            log.write(f"{alerts.owner} {time.time()}\\n")
            log.flush()
        time.sleep(0.05)
"""


def test_one_evaluator_acts_across_processes_and_another_takes_over(tmp_path: Path) -> None:
    import subprocess
    import sys

    db, log = tmp_path / "t.db", tmp_path / "passes.log"
    AlertService(SQLiteTraceStore(db)).ensure_defaults("acme")
    procs = [subprocess.Popen([sys.executable, "-c", _EVALUATOR, str(db), "60", str(log)])
             for _ in range(2)]

    def passes() -> list[list[str]]:
        return [line.split() for line in log.read_text().splitlines()] if log.exists() else []

    try:
        deadline = time.time() + 60  # both started and evaluating (slow on a busy machine)
        while len(passes()) <= 10:
            assert time.time() < deadline, "the evaluators did not run"
            time.sleep(0.1)
        assert len({owner for owner, _ in passes()}) == 1  # one acts
        holder = passes()[0][0]
        # the holder dies: after its lease expires the other process takes over
        victim = next(p for p in procs if f":{p.pid}:" in holder)
        victim.kill()
        killed_at = time.time()
        deadline = time.time() + 60
        while not [o for o, t in passes() if float(t) > killed_at + 0.2]:
            assert time.time() < deadline, "nobody took over"
            time.sleep(0.1)
        later = [(o, float(t)) for o, t in passes() if float(t) > killed_at + 0.2]
        assert {o for o, _ in later} == {later[0][0]} and later[0][0] != holder
    finally:
        for p in procs:
            p.kill()
            p.wait(20)


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://localhost:8080/hook",
    "http://127.0.0.1:9000/x", "http://[::1]/x", "http://10.1.2.3/x", "http://192.168.0.5/x",
    "http://[fd00:ec2::254]/x", "ftp://example.com/x", "http:///nohost",
])
def test_webhooks_to_internal_addresses_are_refused_at_creation(tmp_path: Path,
                                                                url: str) -> None:
    alerts = AlertService(SQLiteTraceStore(tmp_path / "t.db"), Notifier(attempts=1))
    with pytest.raises(BadInput, match="webhook"):
        alerts.create("acme", {"name": "e", "metric": "error_rate", "threshold": 0.5,
                               "webhooks": [url]})
    assert alerts.rules("acme") == []


def test_a_name_that_resolves_inside_is_refused_at_send_time(tmp_path: Path,
                                                             hooks: Hooks) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    notifier = Notifier(attempts=1, timeout_s=2.0)
    alerts = AlertService(store, notifier)
    port = hooks.server.url.rsplit(":", 1)[1]
    # 2130706433 is 127.0.0.1 written as one number: not an address literal to the
    # syntax check, but the resolver says loopback, and nothing is sent
    alerts.create("acme", {"name": "errors", "metric": "error_rate", "threshold": 0.5,
                           "min_samples": 1, "webhooks": [f"http://2130706433:{port}/slack"]})
    _errors(store, time.time(), 3)
    assert alerts.evaluate_all() == 1
    deadline = time.time() + 10
    while notifier.failed == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert notifier.failed == 1 and notifier.sent == 0 and hooks.received == []
    notifier.close()


def test_the_operator_allow_list_opens_a_range(tmp_path: Path, hooks: Hooks) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    notifier = Notifier(attempts=1, timeout_s=2.0, egress=LOOPBACK_ALLOWED)
    alerts = AlertService(store, notifier)
    alerts.create("acme", {"name": "errors", "metric": "error_rate", "threshold": 0.5,
                           "min_samples": 1, "webhooks": [f"{hooks.server.url}/slack"]})
    _errors(store, time.time(), 3)
    assert alerts.evaluate_all() == 1
    deadline = time.time() + 10
    while not hooks.received and time.time() < deadline:
        time.sleep(0.05)
    assert [name for name, _, _ in hooks.received] == ["slack"]
    notifier.close()


def test_evaluate_over_http_touches_only_the_callers_rules(tmp_path: Path) -> None:
    from tests.conftest import LiveServer, make_settings

    with LiveServer(make_settings(tmp_path, alert_interval_s=0)) as live:
        other = live.services.keys.create("globex", ["admin"], "g")
        with live.client(other) as g:
            assert g.post("/api/v1/alerts", json={
                "name": "g errors", "metric": "error_rate", "threshold": 0.5}).status_code == 201
        with live.client() as c:
            mine = len(c.get("/api/v1/alerts").json()["rules"])
            resp = c.post("/api/v1/alerts/evaluate")
            assert resp.status_code == 200
            assert resp.json()["evaluated"] == mine
