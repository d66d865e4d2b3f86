"""Drift statistics, the alert state machine and its lease, and login cookies."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from ragworks.alerts.rules import check_rule
from ragworks.alerts.service import AlertService, Notifier
from ragworks.dashboard.data import DashboardData
from ragworks.dashboard.drift import Drift, psi
from ragworks.dashboard.seed import seed_traces, synthetic_trace
from ragworks.dashboard.session import load_secret, make_cookie, read_cookie
from ragworks.errors import BadInput
from ragworks.observe.store_sqlite import SQLiteTraceStore


def test_psi_matches_the_formula_and_is_zero_for_the_same_mix() -> None:
    assert psi([10, 20, 70], [20, 40, 140]) == pytest.approx(0.0)
    e, a = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    expected = float(np.sum((a - e) * np.log(a / e)))
    assert psi([50, 50], [90, 10]) == pytest.approx(expected)
    assert psi([0, 0], [1, 2]) == 0.0  # no baseline: no verdict
    assert psi([100, 0], [50, 50]) > 1  # a category that was never seen before


def test_drift_finds_the_shift_of_the_seeded_last_day(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    now = time.time()
    seed_traces(store, "acme", 1500, 8, now)
    report = Drift(DashboardData(store)).report("acme", now=now)
    assert report["category_psi"] > 0.25 and report["top_score_psi"] > 0.25
    assert report["embedding_shift"] > 0.15
    assert report["samples"]["recent"] + report["samples"]["baseline"] <= 1500
    quiet = Drift(DashboardData(store)).report("acme", recent_s=86400, baseline_s=86400,
                                               now=now - 3 * 86400)  # both before the shift
    assert quiet["category_psi"] < 0.1 and quiet["embedding_shift"] < 0.05, quiet
    assert Drift(DashboardData(store)).report("other", now=now)["category_psi"] is None


def test_rules_are_checked() -> None:
    rule = check_rule({"name": "slow", "metric": "latency_ms", "aggregation": "p95",
                       "threshold": 100})
    assert rule["window_s"] == 300 and rule["comparator"] == ">"
    for bad, words in (({"metric": "latency_ms", "threshold": 1}, "name"),
                       ({"name": "x", "metric": "vibes", "threshold": 1}, "unknown metric"),
                       ({"name": "x", "metric": "error_rate", "aggregation": "p95",
                         "threshold": 1}, "does not apply"),
                       ({"name": "x", "metric": "error_rate"}, "threshold"),
                       ({"name": "x", "metric": "error_rate", "threshold": "high"}, "numbers"),
                       ({"name": "x", "metric": "error_rate", "threshold": 1, "window_s": 5},
                        "window_s"),
                       ({"name": "x", "metric": "error_rate", "threshold": 1,
                         "webhooks": ["ftp://x"]}, "webhooks")):
        with pytest.raises(BadInput, match=words):
            check_rule(bad)


def _slow(store: SQLiteTraceStore, at: float, n: int, ms: float) -> None:
    rng = np.random.default_rng(n)
    for i in range(n):
        t = synthetic_trace(rng, "acme", at - i * 0.01, False, i)
        t.end = t.start + ms / 1000
        store.save_trace(t)


def test_state_machine_pending_firing_resolved_ok_with_history(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    alerts = AlertService(store, Notifier(attempts=1))
    rule = alerts.create("acme", {"name": "slow", "metric": "latency_ms", "aggregation": "p95",
                                  "window_s": 120, "threshold": 1000, "min_samples": 5,
                                  "for_s": 30})
    now = time.time()
    _slow(store, now, 3, 5000)  # too few samples: never fires
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now) == "ok"
    _slow(store, now, 10, 5000)
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now) == "pending"
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 10) == "pending"
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 31) == "firing"
    acked = alerts.acknowledge("acme", rule["id"], "ops")
    assert acked["acked_by"] == "ops"
    # the slow minute leaves the window: with no data the rule holds (no data is not
    # "resolved"); fast traffic clears it, and it resolves once clear for a minute, then ok
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 400) == "firing"
    _slow(store, now + 400, 10, 100)
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 400) == "resolving"
    assert alerts.get("acme", rule["id"])["acked_by"] == "ops"  # not over yet
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 430) == "resolving"
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 461) == "resolved"
    assert alerts.get("acme", rule["id"])["acked_by"] is None
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 500) == "ok"
    states = [e["state"] for e in reversed(alerts.history("acme"))]
    assert states == ["pending", "firing", "acknowledged", "resolved", "ok"]
    with pytest.raises(BadInput, match="only a firing or pending"):
        alerts.acknowledge("acme", rule["id"], "ops")


def test_a_rule_hovering_at_its_threshold_does_not_flap(tmp_path: Path) -> None:
    """Hysteresis: once firing, a value just inside the threshold holds the rule firing;
    a short dip and a new breach send no second notification."""
    store = SQLiteTraceStore(tmp_path / "t.db")
    sent: list[str] = []

    class Recording(Notifier):
        def notify(self, rule, state, value, message):  # type: ignore[no-untyped-def]
            sent.append(state)

    alerts = AlertService(store, Recording(attempts=1))
    rule = alerts.create("acme", {"name": "slow", "metric": "latency_ms", "aggregation": "max",
                                  "window_s": 60, "threshold": 1000, "min_samples": 5,
                                  "for_s": 0})
    now = time.time()
    _slow(store, now, 10, 1500)
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now) == "firing"
    _slow(store, now + 150, 10, 950)  # within 1000 but not by the 10 % margin
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 150) == "firing"
    _slow(store, now + 300, 10, 500)  # clear: resolving, not yet resolved
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 300) == "resolving"
    _slow(store, now + 330, 10, 1500)  # back over within the minute: firing, without news
    assert alerts.evaluate(alerts.get("acme", rule["id"]), now + 330) == "firing"
    assert sent == ["firing"]
    states = [e["state"] for e in reversed(alerts.history("acme"))]
    assert states == ["firing"]


def test_the_default_latency_rule_suits_the_answerer(tmp_path: Path) -> None:
    alerts = AlertService(SQLiteTraceStore(tmp_path / "t.db"))
    alerts.ensure_defaults("acme", latency_ms=45000)
    p95 = next(r for r in alerts.rules("acme") if r["metric"] == "latency_ms")
    assert (p95["threshold"], p95["name"]) == (45000, "p95 latency over 45 s")


def test_only_one_evaluator_holds_the_lease(tmp_path: Path) -> None:
    store_a, store_b = SQLiteTraceStore(tmp_path / "t.db"), SQLiteTraceStore(tmp_path / "t.db")
    a, b = AlertService(store_a, lease_s=30), AlertService(store_b, lease_s=30)
    a.ensure_defaults("acme")
    b.ensure_defaults("acme")  # idempotent across processes
    assert len(a.rules("acme")) == 7
    now = time.time()
    assert a.evaluate_all(now) == 7
    assert b.evaluate_all(now + 1) == 0  # a holds the lease
    assert a.evaluate_all(now + 20) == 7  # renewed by its holder
    assert b.evaluate_all(now + 51) == 7  # expired: b takes over
    assert a.evaluate_all(now + 52) == 0
    b.release_lease()
    assert a.evaluate_all(now + 53) == 7


def test_session_cookies_are_signed_and_expire(tmp_path: Path) -> None:
    secret = load_secret("", tmp_path)
    assert load_secret("", tmp_path) == secret  # kept for other processes
    assert (tmp_path / "session-secret").stat().st_mode & 0o777 == 0o600
    cookie = make_cookie(secret, "abc123", hours=1)
    session = read_cookie(secret, cookie)
    assert session is not None and session.key_hash == "abc123" and len(session.id) == 32
    payload, _, sig = cookie.rpartition(".")
    forged = make_cookie(b"other", "abc123", hours=1)
    flipped = ("1" if sig[0] == "0" else "0") + sig[1:]  # one hex digit changed
    for bad in (None, "", "garbage", payload + "." + flipped, forged,
                make_cookie(secret, "abc123", hours=-1)):
        assert read_cookie(secret, bad) is None
