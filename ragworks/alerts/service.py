"""Alert rules, their states and history; the evaluator and the notifier.

States: ``ok`` -> ``pending`` (condition true, not yet for ``for_s``) -> ``firing``
-> ``resolved`` (condition false again) -> ``ok``. Every change is an event in
the history. Acknowledging a firing alert records who; silencing until a time
keeps evaluating but sends nothing.

Only one evaluator acts at a time, even with several processes on one store: it
holds a lease row (owner, expiry) renewed on every pass; another process takes
over when the lease expires.

Notifications (on firing and resolved): a log line always, and a POST of a
Slack-compatible JSON body to each of the rule's webhooks, retried with backoff
on a separate thread pool, so a slow or failing webhook never delays the
evaluation of other rules.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog

from ragworks.alerts.egress import Egress, Refused
from ragworks.alerts.rules import (
    COMPARATORS,
    DEFAULT_RULES,
    RULE_FIELDS,
    check_rule,
    measure,
)
from ragworks.alerts.store import AlertStore, SQLiteAlertStore
from ragworks.dashboard.data import DashboardData
from ragworks.dashboard.drift import Drift
from ragworks.errors import BadInput, NotFound
from ragworks.observe.store import TraceStore
from ragworks.observe.store_sqlite import SQLiteTraceStore

log = structlog.get_logger(__name__)
LEASE = "alert-evaluator"


class Notifier:
    """Posts alert events to webhooks; ``egress`` says where they may go (public
    addresses unless the operator allows ranges: see ``alerts/egress.py``)."""

    def __init__(self, attempts: int = 4, backoff_s: float = 0.5, timeout_s: float = 5.0,
                 workers: int = 4, egress: Egress | None = None) -> None:
        self.attempts, self.backoff_s, self.timeout_s = attempts, backoff_s, timeout_s
        self.egress = egress or Egress()
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self.sent = self.failed = 0

    def notify(self, rule: dict[str, Any], state: str, value: float | None,
               message: str) -> None:
        log.warning("alert", rule=rule["name"], state=state, value=value, message=message)
        body = {"text": f"[{state.upper()}] {rule['name']}: {message}",
                "rule": rule["name"], "rule_id": rule["id"], "state": state, "value": value,
                "metric": rule["metric"], "threshold": rule["threshold"],
                "tenant": rule["tenant"]}
        for url in rule.get("webhooks") or ():
            self._pool.submit(self._post, url, body)

    def _post(self, url: str, body: dict[str, Any]) -> None:
        delay = self.backoff_s
        for attempt in range(1, self.attempts + 1):
            try:
                target = self.egress.resolve(url)
            except Refused as exc:
                self.failed += 1
                log.error("webhook_refused", url=url.split("?")[0], reason=exc.message)
                return
            try:
                netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
                resp = self._client.post(target.url, json=body, headers={"Host": netloc},
                                         extensions={"sni_hostname": target.host})
                if resp.status_code < 300:
                    self.sent += 1
                    return
                reason = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            if attempt < self.attempts:
                time.sleep(delay)
                delay *= 2
        self.failed += 1
        log.error("webhook_failed", url=url.split("?")[0], attempts=self.attempts,
                  reason=reason)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()


class AlertService:
    def __init__(self, traces: TraceStore, notifier: Notifier | None = None,
                 lease_s: float = 60.0, store: AlertStore | None = None) -> None:
        self.data = DashboardData(traces)
        self.drift = Drift(self.data)
        if store is None:  # beside the traces, in their SQLite file
            if not isinstance(traces, SQLiteTraceStore):
                raise ValueError("alerts on this trace store need an alert store")
            store = SQLiteAlertStore(traces.db)
        self.rows: AlertStore = store
        self.notifier = notifier or Notifier()
        self.lease_s = lease_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"

    # -- rules ---------------------------------------------------------------------------
    def create(self, tenant: str, spec: dict[str, Any]) -> dict[str, Any]:
        rule = {"id": "rule_" + secrets.token_hex(5), "tenant": tenant, **check_rule(spec)}
        for url in rule["webhooks"]:
            self.notifier.egress.check_syntax(url)
        self.rows.insert(tenant, rule)
        return self.get(tenant, rule["id"])

    def edit(self, tenant: str, rule_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Change a rule's definition (fields of ``spec`` over the current ones); its state
        and history stay, and the history says it was edited."""
        current = self.get(tenant, rule_id)
        merged = {k: current[k] for k in RULE_FIELDS if k in current} | spec
        rule = {"id": rule_id, "tenant": tenant, **check_rule(merged)}
        for url in rule["webhooks"]:
            self.notifier.egress.check_syntax(url)
        if not self.rows.redefine(tenant, rule):
            raise NotFound(f"no alert rule {rule_id!r}")
        self.rows.add_event(tenant, rule_id, current["state"], current.get("value"),
                            f"edited: {rule['metric']} {rule['aggregation']} "
                            f"{rule['comparator']} {rule['threshold']:g}")
        return self.get(tenant, rule_id)

    def ensure_defaults(self, tenant: str, latency_ms: float | None = None) -> None:
        """The shipped rules, for a tenant that has none yet (once, even when racing).
        ``latency_ms``: the p95 threshold that suits the answerer (a local model answers
        in tens of seconds on a laptop; the shipped 3 s would fire on every question)."""
        specs = [dict(spec) for spec in DEFAULT_RULES]
        for spec in specs:
            if latency_ms and spec["metric"] == "latency_ms":
                spec.update(threshold=latency_ms,
                            name=f"p95 latency over {latency_ms / 1000:g} s")
        self.rows.seed(tenant, [{"id": "rule_" + secrets.token_hex(5), "tenant": tenant,
                                 **check_rule(spec)} for spec in specs])

    def get(self, tenant: str, rule_id: str) -> dict[str, Any]:
        rule = self.rows.get(tenant, rule_id)
        if rule is None:
            raise NotFound(f"no alert rule {rule_id!r}")
        return rule

    def rules(self, tenant: str) -> list[dict[str, Any]]:
        return self.rows.rules_of(tenant)

    def delete(self, tenant: str, rule_id: str) -> None:
        self.get(tenant, rule_id)
        self.rows.delete(tenant, rule_id)

    def acknowledge(self, tenant: str, rule_id: str, who: str) -> dict[str, Any]:
        rule = self.get(tenant, rule_id)
        if rule["state"] not in ("firing", "pending", "resolving"):
            raise BadInput(f"rule {rule_id} is {rule['state']}; only a firing or pending "
                           "alert (or one resolving) can be acknowledged")
        self.rows.update(tenant, rule_id, acked_by=who)
        self.rows.add_event(tenant, rule_id, "acknowledged", rule["value"], f"by {who}")
        return self.get(tenant, rule_id)

    def silence(self, tenant: str, rule_id: str, seconds: float, who: str) -> dict[str, Any]:
        if not 0 <= seconds <= 30 * 86400:
            raise BadInput("silence for 0 to 2592000 seconds (0 ends a silence)")
        rule = self.get(tenant, rule_id)
        until = time.time() + seconds if seconds else 0.0
        self.rows.update(tenant, rule_id, silenced_until=until)
        self.rows.add_event(tenant, rule_id, "silenced" if seconds else "unsilenced",
                            rule["value"], f"by {who} for {int(seconds)} s")
        return self.get(tenant, rule_id)

    def history(self, tenant: str, limit: int = 100,
                rule_id: str | None = None) -> list[dict[str, Any]]:
        return self.rows.history(tenant, limit, rule_id)

    # -- evaluation ----------------------------------------------------------------------
    def acquire_lease(self, now: float | None = None) -> bool:
        """True when this process holds (or just took) the evaluator lease."""
        return self.rows.acquire(LEASE, self.owner, self.lease_s, now or time.time())

    def release_lease(self) -> None:
        self.rows.release(LEASE, self.owner)

    def evaluate_all(self, now: float | None = None, tenant: str | None = None) -> int:
        """One pass over every rule of every tenant, or of one tenant (if this process
        holds the lease). Returns the number of rules evaluated (0 when another process
        evaluates)."""
        if not self.acquire_lease(now):
            return 0
        rules = self.rows.all() if tenant is None else self.rows.rules_of(tenant)
        for rule in rules:
            try:
                self.evaluate(rule, now)
            except Exception:  # one broken rule never stops the others
                log.exception("alert_rule_failed", rule_id=rule["id"])
        return len(rules)

    def evaluate(self, rule: dict[str, Any], now: float | None = None) -> str:
        """One step of the rule's state machine:

        ok -> pending (breaching, for less than ``for_s``) -> firing -> resolving (back
        within the threshold by the clear margin) -> resolved (clear for ``resolve_s``)
        -> ok. Too few samples change nothing ("no data" is not "resolved"); a resolving
        rule that breaches again is firing again without a second notification; only
        firing and resolved notify.
        """
        now = now or time.time()
        value, samples = measure(self.data, self.drift, rule["tenant"], rule, now)
        state = rule["state"]
        known = value is not None and samples >= rule["min_samples"]
        breach = clear = False
        if known and value is not None:
            breach = COMPARATORS[rule["comparator"]](float(value), rule["threshold"])
            clear = not breach and _clear(rule, float(value))
        new, since = transition(rule, known, breach, clear, now)
        shown = None if value is None else round(float(value), 6)
        acked = rule["acked_by"] if new in ("firing", "pending", "resolving") else None
        self.rows.update(rule["tenant"], rule["id"], state=new, since=since,
                         value=shown, acked_by=acked, samples=samples,
                         updated_at=now)
        quiet = {("firing", "resolving"), ("resolving", "firing")}  # a hold, not news
        if new != state and (state, new) not in quiet:
            message = (f"{rule['metric']} {rule['aggregation']} = {shown} "
                       f"{rule['comparator'] if breach else 'within'} {rule['threshold']} "
                       f"over {int(rule['window_s'])} s ({samples} samples)")
            self.rows.add_event(rule["tenant"], rule["id"], new, shown, message)
            if new in ("firing", "resolved") and rule["silenced_until"] < now:
                self.notifier.notify(rule, new, shown, message)
        return new


def transition(rule: dict[str, Any], known: bool, breach: bool, clear: bool,
               now: float) -> tuple[str, float]:
    """The rule's next (state, since) given what was measured now."""
    state, since = rule["state"], rule["since"]
    if not known:
        return state, since  # too little data to say either way: keep the state
    if breach:
        if state in ("ok", "resolved"):
            return ("firing" if rule["for_s"] <= 0 else "pending"), now
        if state == "pending" and now - since >= rule["for_s"]:
            return "firing", now
        return ("firing" if state == "resolving" else state), since  # it never stopped
    if state == "pending":
        return "ok", now
    if state == "firing":
        return ("resolving", now) if clear else (state, since)
    if state == "resolving":
        if not clear:  # within the threshold but not by the margin: not over yet
            return "firing", since
        return ("resolved", now) if now - since >= resolve_s(rule) else (state, since)
    if state == "resolved":
        return "ok", now
    return state, since


#: how far inside the threshold a firing rule's value must come back (a share of it)
CLEAR_MARGIN = 0.1


def _clear(rule: dict[str, Any], value: float) -> bool:
    """Back within the threshold by the margin (hysteresis: a value hovering at the
    threshold does not make the rule flap)."""
    threshold = float(rule["threshold"])
    margin = abs(threshold) * CLEAR_MARGIN
    if rule["comparator"] in (">", ">="):
        return value <= threshold - margin
    return value >= threshold + margin


def resolve_s(rule: dict[str, Any]) -> float:
    """How long a firing rule must stay clear before it is resolved (at least a minute)."""
    return max(float(rule["for_s"]), 60.0)


class AlertEvaluator:
    """The background job: ``service.evaluate_all()`` every ``interval_s``."""

    def __init__(self, service: AlertService, interval_s: float) -> None:
        self.service, self.interval_s = service, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="alert-evaluator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.service.evaluate_all()
            except Exception:
                log.exception("alert_evaluation_failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.service.release_lease()
