"""The AlertStore contract: every backend of ``AlertStore`` passes these tests.

A backend of your own runs them by subclassing and giving the ``stores`` fixture::

    class TestMyBackend(AlertStoreContract):
        @pytest.fixture
        def stores(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ragworks.alerts.service import AlertService, Notifier
from ragworks.dashboard.seed import synthetic_trace
from ragworks.errors import BadInput, NotFound


class AlertStoreContract:
    """Tests of any AlertStore; subclasses provide the ``stores`` fixture."""

    def test_defaults_seed_once_even_when_racing(self, stores) -> None:  # type: ignore[no-untyped-def]
        traces, a, b = stores
        services = [AlertService(traces, store=s) for s in (a, b, a, b)]
        threads = [threading.Thread(target=s.ensure_defaults, args=("acme",)) for s in services]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(services[0].rules("acme")) == 7 and services[1].rules("other") == []
        assert [r["name"] for r in services[0].rules("acme")][0] == "p95 latency over 3 s"

    def test_rules_states_history_and_actions(self, stores) -> None:  # type: ignore[no-untyped-def]
        traces, store, _ = stores
        alerts = AlertService(traces, Notifier(attempts=1), store=store)
        rule = alerts.create("acme", {"name": "errors", "metric": "error_rate", "threshold": 0.5,
                                      "min_samples": 3, "window_s": 120})
        assert alerts.get("acme", rule["id"])["state"] == "ok"
        rng = np.random.default_rng(2)
        now = time.time()
        for i in range(5):
            t = synthetic_trace(rng, "acme", now - i, False, i)
            t.status = "error"
            traces.save_trace(t)
        assert alerts.evaluate_all(now) == 1
        assert alerts.get("acme", rule["id"])["state"] == "firing"
        alerts.acknowledge("acme", rule["id"], "ops")
        alerts.silence("acme", rule["id"], 600, "ops")
        got = alerts.get("acme", rule["id"])
        assert got["acked_by"] == "ops" and got["silenced_until"] > now
        for i in range(5):  # healthy traffic: the rule clears, holds a minute, resolves
            t = synthetic_trace(rng, "acme", now + 400 - i, False, 10 + i)
            t.status = "ok"
            traces.save_trace(t)
        assert alerts.evaluate(got, now + 400) == "resolving"
        assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 461) == "resolved"
        states = [e["state"] for e in alerts.history("acme")]
        assert states == ["resolved", "silenced", "acknowledged", "firing"]  # newest first
        assert alerts.history("acme", limit=2) == alerts.history("acme")[:2]
        assert alerts.history("acme", rule_id="nope") == []
        alerts.delete("acme", rule["id"])
        assert alerts.rules("acme") == []

    def test_editing_a_rule_keeps_its_state_and_says_so(self, stores) -> None:  # type: ignore[no-untyped-def]
        traces, store, _ = stores
        alerts = AlertService(traces, Notifier(attempts=1), store=store)
        rule = alerts.create("acme", {"name": "slow", "metric": "latency_ms",
                                      "aggregation": "p95", "threshold": 3000})
        alerts.rows.update("acme", rule["id"], state="firing", since=123.0)
        edited = alerts.edit("acme", rule["id"], {"threshold": 45000, "name": "slow (local)"})
        assert edited["threshold"] == 45000 and edited["name"] == "slow (local)"
        assert edited["aggregation"] == "p95" and edited["window_s"] == rule["window_s"]
        assert edited["state"] == "firing" and edited["since"] == 123.0
        assert alerts.history("acme")[0]["message"] == "edited: latency_ms p95 > 45000"
        try:
            alerts.edit("acme", rule["id"], {"aggregation": "rate"})
            raise AssertionError("an aggregation that does not apply was taken")
        except BadInput as exc:
            assert "does not apply to latency_ms" in exc.message
        assert alerts.get("acme", rule["id"])["aggregation"] == "p95"  # nothing changed
        try:
            alerts.edit("other", rule["id"], {"threshold": 1})
            raise AssertionError("another tenant edited the rule")
        except NotFound:
            pass

    def test_the_lease_has_one_holder(self, stores) -> None:  # type: ignore[no-untyped-def]
        _, a, b = stores
        now = time.time()
        assert a.acquire("ev", "A", 30, now) is True
        assert b.acquire("ev", "B", 30, now + 1) is False
        assert a.acquire("ev", "A", 30, now + 20) is True  # renewal
        assert b.acquire("ev", "B", 30, now + 49) is False
        assert b.acquire("ev", "B", 30, now + 51) is True  # expired: taken over
        a.release("ev", "A")  # not the holder: nothing happens
        assert a.acquire("ev", "A", 30, now + 52) is False
        b.release("ev", "B")
        assert a.acquire("ev", "A", 30, now + 53) is True
