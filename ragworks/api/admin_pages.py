"""Server-rendered admin pages (Jinja2); live parts fetch /api/v1/dashboard and /alerts.

Every page needs an admin-scoped key: in the Authorization header (as for the
API) or a login session cookie from /admin/login. Anonymous visitors are sent
to the login page (303), non-admin keys get 403.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from ragworks.alerts.rules import AGGREGATIONS, COMPARATORS, SCORE_AGGREGATIONS
from ragworks.api.deps import principal, services
from ragworks.api.schemas import MAX_EPOCH, MAX_OFFSET
from ragworks.auth import Principal, hash_key
from ragworks.dashboard.data import RANGES, DashboardData
from ragworks.dashboard.session import COOKIE, make_cookie, read_cookie
from ragworks.errors import Forbidden, NotFound, Unauthorized
from ragworks.evaluate.runs import compare, item_changes
from ragworks.experiments.service import OVERRIDES
from ragworks.models import CATEGORIES
from ragworks.observe.rollups import TRAFFIC
from ragworks.observe.store import TraceFilter

router = APIRouter(prefix="/admin", include_in_schema=False)

TILES = [("requests_per_minute", "Requests / min", "num"),
         ("latency_p50_ms", "p50 latency", "ms"), ("latency_p95_ms", "p95 latency", "ms"),
         ("error_rate", "Error rate", "pct"), ("tokens_per_hour", "Tokens / hour", "int"),
         ("cost_per_hour", "Cost / hour", "usd"),
         ("positive_feedback_rate", "Positive feedback", "pct"),
         ("classification_accuracy", "Classification accuracy", "pct"),
         ("not_covered_rate", "Not covered", "pct")]
CHARTS = [("volume", "Volume (requests per bucket)"), ("latency", "Latency percentiles"),
          ("stages", "p95 latency per stage"), ("tokens", "Output tokens per model"),
          ("cost", "Cost per model (USD)"), ("categories", "Category mix"),
          ("quality", "Retrieval score, groundedness, feedback, classification"),
          ("variants", "Requests per experiment variant")]


def _ts(value: float | None) -> str:
    if not value:
        return ""
    return dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _pretty(value: Any, indent: int | None = 2) -> str:
    """JSON as people read it: "Travel Policy > Travel insurance", not "\\u003e" (the
    page escapes it as HTML, as any other text)."""
    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def _title(trace: dict[str, Any]) -> str:
    """A trace's line in the list: its question, or what an ingestion read."""
    given = trace.get("input")
    if isinstance(given, dict):
        if given.get("question"):
            return str(given["question"])
        if given.get("source"):
            where = f" into {given['collection']}" if given.get("collection") else ""
            return f"{given['source']}{where}" + (" (batch)" if given.get("batch") else "")
        return _pretty(given, None)
    return "" if given is None else str(given)


env = Environment(loader=PackageLoader("ragworks.web", "templates/admin"),
                  autoescape=select_autoescape(["html"]))
env.filters.update(ts=_ts, fmt=_fmt, pretty=_pretty, title=_title)


def render(name: str, code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("who", None)
    return HTMLResponse(env.get_template(name).render(**context), status_code=code)


def admin(request: Request) -> Principal | Response:
    """The admin principal, or the response that refuses the visitor."""
    try:
        who = principal(request)
        who.require("admin")
        return who
    except Unauthorized:
        return RedirectResponse(f"/admin/login?{urlencode({'next': request.url.path})}", 303)
    except Forbidden as exc:
        return render("error.html", 403, title="Forbidden", status="403 Forbidden",
                      message=f"{exc.message}: the admin area needs a key with the admin scope.")


@router.get("", response_model=None)
def home() -> Response:
    return RedirectResponse("/admin/dashboard", 303)


@router.get("/login", response_model=None)
def login_page(next: str = "/admin/dashboard") -> Response:  # noqa: A002
    return render("login.html", title="Log in", next=next, error=None)


def cross_site(request: Request) -> bool:
    """A form posted from another site (login CSRF, forced logout). Browsers say where a
    request comes from (Sec-Fetch-Site, Origin); a client that says neither (curl, a
    script) is not a browser tricked by a page, and is let through."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin == "null" or origin.split("://", 1)[-1].rstrip("/") != host


def _refused_cross_site() -> HTMLResponse:
    return render("error.html", 403, title="Forbidden", status="403 Forbidden",
                  message="This form was sent from another site; log in from this server's "
                          "own /admin/login page.")


@router.post("/login", response_model=None)
def login(request: Request, key: str = Form(""), next: str = Form("/admin/dashboard")  # noqa: A002
          ) -> Response:
    if cross_site(request):
        return _refused_cross_site()
    svc = services(request)
    target = next if next.startswith("/admin") and "//" not in next else "/admin/dashboard"
    try:
        who = svc.keys.authenticate(key.strip())
        who.require("admin")
    except (Unauthorized, Forbidden) as exc:
        return render("login.html", 401 if isinstance(exc, Unauthorized) else 403,
                      title="Log in", next=target, error=exc.message)
    resp = RedirectResponse(target, 303)
    resp.set_cookie(COOKIE, make_cookie(svc.session_secret, hash_key(key.strip()),
                                        svc.settings.session_hours),
                    max_age=int(svc.settings.session_hours * 3600), httponly=True,
                    samesite="strict", secure=svc.settings.env == "production", path="/")
    return resp


@router.post("/logout", response_model=None)
def logout(request: Request) -> Response:
    """Ends the session on the server too: the cookie, even if copied, is refused."""
    if cross_site(request):
        return _refused_cross_site()
    svc = services(request)
    session = read_cookie(svc.session_secret, request.cookies.get(COOKIE))
    if session is not None:
        svc.records.revoke_session(session.id, session.expires)
    resp = RedirectResponse("/admin/login", 303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/dashboard", response_model=None)
def dashboard(request: Request, range: str = "",  # noqa: A002
              traffic: str = "production") -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    traffic = traffic if traffic in TRAFFIC else "production"
    if range not in RANGES:  # none asked for: the range that the data fills
        range = DashboardData(services(request).traces, traffic).suggested_range(who.tenant)
    return render("dashboard.html", who=who, title="Dashboard", active="Dashboard",
                  ranges=list(RANGES), range=range, traffics=list(TRAFFIC), traffic=traffic,
                  tiles=TILES, charts=CHARTS)


def _number(text: str) -> float | None:
    """A form's number field: empty or not a number means no filter (a filter form
    submits every field, filled or not)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return min(max(0.0, value), MAX_EPOCH) if math.isfinite(value) else None


@router.get("/traces", response_model=None)
def traces(request: Request, category: str = "", status: str = "", name: str = "",
           variant: str = "", min_latency_ms: str = "", has_feedback: bool = False,
           q: str = "", user_id: str = "", session_id: str = "", rating: str = "",
           offset: int = 0) -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    f = TraceFilter(category=category or None, status=status or None, name=name or None,
                    variant=variant or None, min_latency_ms=_number(min_latency_ms),
                    has_feedback=True if has_feedback else None, text=q[:500] or None,
                    user_id=user_id[:200] or None, session_id=session_id[:200] or None,
                    rating=rating if rating in ("up", "down") else None)
    limit, offset = 50, min(max(0, offset), MAX_OFFSET)
    rows, total = services(request).traces.list_traces(who.tenant, f, limit, offset)
    if f.session_id:  # a conversation reads from its first question
        rows.reverse()
    query = urlencode({k: v for k, v in request.query_params.items() if k != "offset"})
    return render("traces.html", who=who, title="Traces", active="Traces", rows=rows,
                  total=total, f=f, categories=CATEGORIES, offset=offset, limit=limit,
                  query=query)


def _waterfall(trace: dict[str, Any]) -> list[dict[str, Any]]:
    obs = sorted(trace["observations"], key=lambda o: o["start"])
    start = trace["start"]
    total = max(trace["latency_ms"], max((o["start"] - start) * 1000 + o["latency_ms"]
                                         for o in obs) if obs else 0, 0.001)
    parents = {o["id"]: o.get("parent_id") for o in obs}

    def depth(oid: str) -> int:
        d, p = 0, parents.get(oid)
        while p is not None and d < 20:
            d, p = d + 1, parents.get(p)
        return d

    return [{**o, "depth": depth(o["id"]),
             "left": round(100 * (o["start"] - start) * 1000 / total, 3),
             "width": max(round(100 * o["latency_ms"] / total, 3), 0.3)} for o in obs]


@router.get("/traces/{trace_id}", response_model=None)
def trace_page(request: Request, trace_id: str) -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    t = services(request).traces.get_trace(who.tenant, trace_id)
    if t is None:
        return render("error.html", 404, who=who, title="Not found", status="404 Not found",
                      message=f"no trace {trace_id!r}")
    by_name = {o["name"]: o for o in t["observations"]}
    retrieve = by_name.get("retrieve") or {}
    inp, out = t.get("input"), t.get("output")
    return render(
        "trace.html", who=who, title=f"Trace {trace_id}", active="Traces", t=t,
        spans=_waterfall(t), classify=by_name.get("classify"),
        generation=next((o for o in t["observations"] if o["type"] == "generation"), None),
        hits=retrieve.get("output") if isinstance(retrieve.get("output"), list) else [],
        question=inp.get("question", "") if isinstance(inp, dict) else inp,
        answer=out.get("answer", "") if isinstance(out, dict) else out,
        citations=out.get("citations", []) if isinstance(out, dict) else [])


@router.get("/documents", response_model=None)
def documents(request: Request, collection: str = "", offset: int = 0) -> Response:
    """The tenant's documents (newest first, 100 a page), and a place to add more."""
    who = admin(request)
    if isinstance(who, Response):
        return who
    records = services(request).records
    scope = collection or None
    offset = max(0, offset)
    docs = records.list_documents(who.tenant, scope, 100, offset)
    return render("documents.html", who=who, title="Documents", active="Documents",
                  docs=docs, total=records.count_documents(who.tenant, scope),
                  collection=collection, offset=offset,
                  max_mb=round(services(request).settings.max_upload_bytes / 1e6, 1))


@router.get("/sources", response_model=None)
def sources(request: Request) -> Response:
    """Folders, buckets and sites kept in sync: last sync, counts, what failed and why."""
    who = admin(request)
    if isinstance(who, Response):
        return who
    svc, settings = services(request), services(request).settings
    found = svc.sources.all(who.tenant)
    failed = {s["id"]: sorted((i for i in svc.sources.items(s["id"]).values()
                               if i["status"] == "failed"), key=lambda i: i["key"])[:50]
              for s in found}
    return render("sources.html", who=who, title="Sources", active="Sources", sources=found,
                  failed=failed, roots=settings.source_roots, max_pages=settings.source_max_pages,
                  interval=int(settings.source_interval_s))


@router.get("/experiments", response_model=None)
def experiments(request: Request) -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    svc = services(request)
    exps = svc.experiments.store.all(who.tenant)
    results = {}
    for e in exps:
        try:
            results[e["id"]] = svc.experiments.results(who.tenant, e["id"])
        except (NotFound, ValueError):
            continue
    return render("experiments.html", who=who, title="Experiments", active="Experiments",
                  experiments=exps, results=results, overrides=list(OVERRIDES),
                  active_config=svc.experiments.store.active_config(who.tenant),
                  history=list(reversed(svc.experiments.store.config_history(who.tenant))))


@router.get("/evals", response_model=None)
def evals(request: Request, a: str = "", b: str = "", metric: str = "") -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    store = services(request).runs
    runs = store.all(who.tenant)
    comparison, confusion, changes = None, None, []
    run_a = store.get(who.tenant, a) if a else None
    run_b = store.get(who.tenant, b) if b else None
    if run_a and run_b:
        comparison = compare(run_a, run_b)
        metrics = [m["metric"] for m in comparison]
        if metric not in metrics:  # the first quality metric with a change
            metric = next((m["metric"] for m in comparison if m["changed"]
                           and m["better"] == "higher"), metrics[0] if metrics else "")
        changes = item_changes(run_a, run_b, metric) if metric else []
    shown = run_b or run_a or (store.get(who.tenant, runs[0]["id"]) if runs else None)
    if shown:
        confusion = shown["aggregates"].get("confusion")
    return render("evals.html", who=who, title="Evaluations", active="Evaluations",
                  runs=runs, a=a or (runs[1]["id"] if len(runs) > 1 else ""),
                  b=b or (runs[0]["id"] if runs else ""), comparison=comparison,
                  confusion=confusion, metric=metric, changes=changes)


@router.get("/alerts", response_model=None)
def alerts(request: Request) -> Response:
    who = admin(request)
    if isinstance(who, Response):
        return who
    svc = services(request).alerts
    svc.ensure_defaults(who.tenant)
    rules = svc.rules(who.tenant)
    return render("alerts.html", who=who, title="Alerts", active="Alerts", rules=rules,
                  history=svc.history(who.tenant, 100), now=time.time(),
                  names={r["id"]: r["name"] for r in rules}, aggregations=AGGREGATIONS,
                  score_aggregations=SCORE_AGGREGATIONS, comparators=list(COMPARATORS))
