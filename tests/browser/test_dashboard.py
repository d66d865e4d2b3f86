"""The admin dashboard in a real browser (Debian's chromium driven by Playwright).

Seeded history (a week of synthetic traffic written through the trace store), real
queries over HTTP, the real background alert evaluator (every second here).
Screenshots of every page go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

from ragworks.dashboard.seed import seed_traces, synthetic_trace
from tests.browser.conftest import login
from tests.conftest import CORPUS, ROOT, LiveServer, make_settings

SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path_factory.mktemp("dash"), alert_interval_s=1.0)
    with LiveServer(settings) as live:
        for name in ("wifi-guest-access.txt", "error-codes.txt", "battery-care.pdf"):
            live.services.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
        seed_traces(live.services.traces, "default", 1500, 7, time.time())
        with live.client() as c:
            for q in ("What does error E102 mean?", "How long are guest Wi-Fi codes valid?"):
                body = c.post("/api/v1/query", json={"question": q}).json()
            c.post("/api/v1/feedback", json={"trace_id": body["trace_id"], "rating": "down",
                                             "comment": "too short"})
        yield live


_login = login


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"admin-{name}.png"), full_page=True)


def test_anonymous_visitor_is_refused(browser: Browser, server: LiveServer) -> None:
    page = browser.new_page()
    resp = page.goto(f"{server.url}/admin/dashboard")
    assert resp is not None and "/admin/login" in page.url
    expect(page.locator("h1")).to_have_text("Admin log in")
    expect(page.locator(".tile")).to_have_count(0)
    page.fill("input[name=key]", "rw_not_a_key")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("invalid API key")
    _shot(page, "login-refused")
    api = page.request.get(f"{server.url}/api/v1/dashboard/tiles")
    assert api.status == 401
    page.close()


def test_dashboard_draws_seeded_history_and_live_tiles_move(browser: Browser,
                                                            server: LiveServer) -> None:
    page = _login(browser, server)
    for chart in ("volume", "latency", "stages", "tokens", "categories", "quality"):
        expect(page.locator(f"#chart-{chart} canvas")).to_have_count(1, timeout=15_000)
        assert int(page.locator(f"#chart-{chart}").get_attribute("data-points") or 0) > 0
    expect(page.locator("#drift-category")).to_contain_text("significant")
    expect(page.locator("#drift-topscore-bars .bar")).to_have_count(11)  # the distribution
    assert int(page.locator("#chart-shift").get_attribute("data-points") or 0) > 24
    expect(page.locator("#feedback li").first).to_contain_text("too short")
    expect(page.locator("#feedback li .pill.down").first).to_have_text("▼ down")  # no emoji
    page.click(".range button[data-range='7d']")
    expect(page.locator("body")).to_have_attribute("data-series-range", "7d")
    assert int(page.locator("#chart-volume").get_attribute("data-points") or 0) > 100
    tile = page.locator("#tile-requests_per_minute")
    expect(tile).not_to_have_text("–", timeout=10_000)
    before = tile.inner_text()
    _shot(page, "dashboard")
    with server.client() as c:
        for _ in range(5):
            c.post("/api/v1/query", json={"question": "What does error E102 mean?"})
    expect(tile).not_to_have_text(before, timeout=10_000)  # polled, no reload
    page.close()


def test_trace_page_opens_from_the_list(browser: Browser, server: LiveServer) -> None:
    page = _login(browser, server, "/admin/traces")
    page.select_option("select[name=name]", "query")
    page.fill("input[name=min_latency_ms]", "0")
    page.click("form.filters button[type=submit]")
    rows = page.locator("#trace-list tbody tr")
    expect(rows.first).to_be_visible()
    _shot(page, "traces")
    page.locator("#trace-list tbody a", has_text="E102").first.click()
    expect(page.locator(".span-row")).not_to_have_count(0)
    expect(page.locator("#waterfall")).to_contain_text("retrieve")
    expect(page.locator("body")).to_contain_text("error-codes.txt")
    expect(page.locator("body")).to_contain_text("top_retrieval_score")
    retrieve = page.locator("details.span").filter(
        has=page.locator(".span-name", has_text="retrieve"))
    expect(retrieve.locator(".span-detail")).to_be_hidden()
    retrieve.locator("summary").click()  # a span opens: its input, output and metadata
    expect(retrieve.locator(".span-detail")).to_be_visible()
    expect(retrieve.locator(".span-detail")).to_contain_text("error-codes.txt")
    expect(retrieve.locator(".span-detail")).to_contain_text('"dense"')
    _shot(page, "trace")
    page.close()


def test_traces_list_searches_shows_ratings_and_follows_a_session(browser: Browser,
                                                                   server: LiveServer) -> None:
    with server.client() as c:
        asked = [c.post("/api/v1/query", json={"question": q, "user_id": "maria",
                                               "session_id": "sess-42"}).json()
                 for q in ("What does error E104 mean?", "And what does E102 mean?")]
        c.post("/api/v1/feedback", json={"trace_id": asked[0]["trace_id"], "rating": "up"})
    page = _login(browser, server, "/admin/traces")
    page.fill("input[name=q]", "guest WI-FI valid")  # every word, any case
    page.click("form.filters button[type=submit]")
    rows = page.locator("#trace-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("How long are guest Wi-Fi codes valid?")
    expect(rows.first.locator(".pill.down")).to_have_text("▼ down")  # not just "yes"
    page.select_option("select[name=rating]", "up")
    page.fill("input[name=q]", "")
    page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E104")
    expect(rows.first.locator(".pill.up")).to_have_text("▲ up")
    rows.first.locator("td.people a[title='the whole conversation']").click()
    expect(page.locator("#trace-scope")).to_contain_text("session sess-42")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("E104")  # the conversation from its first question
    expect(rows.nth(1)).to_contain_text("And what does E102 mean?")
    expect(rows.nth(0).locator(".answer")).not_to_be_empty()
    _shot(page, "traces-session")
    page.locator("td.people a", has_text="maria").first.click()
    expect(page.locator("#trace-scope")).to_contain_text("user maria")
    expect(rows).to_have_count(2)
    page.close()


def test_injected_failing_and_slow_traffic_fires_alerts(browser: Browser,
                                                        server: LiveServer) -> None:
    page = _login(browser, server, "/admin/alerts")
    with server.client() as c:
        rule = c.post("/api/v1/alerts", json={
            "name": "test: errors over 20%", "metric": "error_rate", "window_s": 120,
            "threshold": 0.2, "min_samples": 5, "for_s": 0}).json()
        slow = c.post("/api/v1/alerts", json={
            "name": "test: p95 over 2 s", "metric": "latency_ms", "aggregation": "p95",
            "window_s": 120, "threshold": 2000, "min_samples": 5, "for_s": 1}).json()
        # the same breach with too few samples for its rule: never a green "ok" beside it
        thin = c.post("/api/v1/alerts", json={
            "name": "test: p95 over 2 s, 1000 samples", "metric": "latency_ms",
            "aggregation": "p95", "window_s": 120, "threshold": 2000, "min_samples": 1000,
            "for_s": 0}).json()
    rng = np.random.default_rng(3)
    for i in range(30):  # injected traffic: failing, and slow
        t = synthetic_trace(rng, "default", time.time(), False, 10_000 + i)
        t.status, t.status_message = "error", "injected failure"
        t.end = t.start + 4.5
        server.services.traces.save_trace(t)
    row = page.locator(f"tr[data-id='{rule['id']}']")
    for _ in range(20):  # the background evaluator runs every second
        page.reload()
        if "firing" in row.inner_text() and "firing" in page.locator(
                f"tr[data-id='{slow['id']}']").inner_text():
            break
        time.sleep(0.5)
    expect(row.locator(".pill")).to_have_text("firing")
    expect(page.locator(f"tr[data-id='{slow['id']}'] .pill")).to_have_text("firing")
    expect(page.locator(f"tr[data-id='{thin['id']}'] .pill")).to_have_text(
        re.compile(r"insufficient data \(\d+ of 1000\)"))
    expect(page.locator("#history")).to_contain_text("error_rate rate = ")
    _shot(page, "alerts-firing")
    row.locator("button.ack").click()
    expect(page.locator(f"tr[data-id='{rule['id']}']")).to_contain_text("acked by")
    page.goto(f"{server.url}/admin/dashboard")
    expect(page.locator("#firing")).to_contain_text("test: errors over 20%", timeout=15_000)
    page.close()


def test_experiments_and_evaluation_pages(browser: Browser, server: LiveServer) -> None:
    with server.client() as c:
        exp = c.post("/api/v1/experiments", json={
            "name": "top-k 3", "variants": [{"name": "control"},
                                            {"name": "k3", "overrides": {"top_k": 3}}]}).json()
        c.post(f"/api/v1/experiments/{exp['id']}/start")
        for n in range(6):
            c.post("/api/v1/query", json={"question": "What does error E102 mean?",
                                          "user_id": f"user-{n}"})
        c.post("/api/v1/datasets", json={"name": "mini", "items": [
            {"question": "What does error E102 mean?", "relevant_sources": ["error-codes.txt"],
             "category": "factoid"}, {"question": "hello", "category": "chitchat"}]})
        for variant in (None, {"top_k": 1}):
            job = c.post("/api/v1/eval/runs", json={"dataset": "mini", "variant": variant}).json()
            for _ in range(100):
                if c.get(f"/api/v1/eval/jobs/{job['id']}").json()["status"] == "done":
                    break
                time.sleep(0.1)
    page = _login(browser, server, "/admin/experiments")
    card = page.locator(f"section.experiment[data-id='{exp['id']}']")
    expect(card).to_contain_text("keep running")
    _shot(page, "experiments")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    card.locator("button.promote").click()
    expect(page.locator("body")).to_contain_text("Active configuration")
    assert "not significant yet" in asked[0]  # promoting on "keep running" says so
    expect(page.locator(".timeline")).to_contain_text("k3")
    page.goto(f"{server.url}/admin/evals")
    expect(page.locator("#runs tbody tr")).to_have_count(2)
    page.click("form.filters button[type=submit]")
    expect(page.locator("#comparison")).to_contain_text("recall@5")
    expect(page.locator("#confusion")).to_contain_text("factoid")
    latency = page.locator("#comparison tr[data-metric='latency_ms']")
    expect(latency).to_contain_text("lower is better")  # a slower B is never green
    latency.locator("a").click()  # the questions behind the number
    expect(page.locator("#changes h2")).to_contain_text("latency_ms")
    expect(page.locator("#item-changes tbody tr")).to_have_count(2)
    expect(page.locator("#item-changes")).to_contain_text("What does error E102 mean?")
    expect(page.locator("#item-changes")).to_contain_text("E102")  # the answers, A and B
    _shot(page, "evals")
    page.goto(f"{server.url}/admin/dashboard")
    expect(page.locator("#timeline")).to_contain_text("promoted", timeout=10_000)
    page.close()


def test_alert_rules_are_created_edited_and_deleted_in_the_page(browser: Browser,
                                                                server: LiveServer) -> None:
    page = _login(browser, server, "/admin/alerts")
    page.click("#new-rule")
    form = page.locator("#rule-form")
    expect(form).to_be_visible()
    form.locator("input[name=name]").fill("ui: not covered over 40%")
    form.locator("select[name=metric]").select_option("not_covered_rate")
    expect(form.locator("select[name=aggregation] option")).to_have_text(["rate"])
    form.locator("input[name=threshold]").fill("0.4")
    form.locator("input[name=window_s]").fill("600")
    form.locator("input[name=webhooks]").fill("ftp://hooks.example.com/x")
    form.locator("button[type=submit]").click()  # the API's message, in the form
    expect(page.locator("#rule-error")).to_contain_text("webhooks must be a list of http(s)")
    form.locator("input[name=webhooks]").fill("")
    form.locator("button[type=submit]").click()
    row = page.locator("#rules tr", has_text="ui: not covered over 40%")
    expect(row).to_contain_text("not_covered_rate rate > 0.4")
    row.locator("button.edit").click()
    expect(page.locator("#rule-form-title")).to_contain_text("Edit")
    expect(form.locator("input[name=threshold]")).to_have_value("0.4")
    form.locator("input[name=threshold]").fill("0.55")
    form.locator("select[name=metric]").select_option("score:")
    form.locator("input[name=score]").fill("groundedness")
    form.locator("select[name=aggregation]").select_option("mean")
    form.locator("select[name=comparator]").select_option("<")
    form.locator("button[type=submit]").click()
    expect(row).to_contain_text("score:groundedness mean < 0.55")
    expect(page.locator("#history")).to_contain_text("edited: score:groundedness mean < 0.55")
    _shot(page, "alerts-edited")
    page.on("dialog", lambda d: d.accept())
    row.locator("button.delete").click()
    expect(page.locator("#rules")).not_to_contain_text("ui: not covered over 40%")
    page.close()


def test_experiments_are_created_started_and_stopped_in_the_page(browser: Browser,
                                                                 server: LiveServer) -> None:
    page = _login(browser, server, "/admin/experiments")
    page.click("#new-experiment")
    form = page.locator("#exp-form")
    form.locator("input[name=name]").fill("ui: rerank on")
    form.locator("input[name=voverrides]").nth(1).fill('{"rerank": tru')
    form.locator("button[type=submit]").click()
    expect(page.locator("#exp-error")).to_contain_text("not JSON")
    form.locator("input[name=voverrides]").nth(1).fill('{"top_k": 0}')
    form.locator("button[type=submit]").click()
    expect(page.locator("#exp-error")).to_contain_text("top_k")  # the API's own message
    form.locator("input[name=voverrides]").nth(1).fill('{"rerank": true}')
    form.locator("input[name=start]").uncheck()
    form.locator("button[type=submit]").click()
    card = page.locator("section.experiment", has_text="ui: rerank on")
    expect(card.locator(".pill").first).to_have_text("draft")
    card.locator("button.start").click()
    expect(card.locator(".pill").first).to_have_text("running")
    page.on("dialog", lambda d: d.accept())
    card.locator("button.stop").click()
    expect(card.locator(".pill").first).to_have_text("stopped")
    _shot(page, "experiments-created")
    page.close()


def test_a_fresh_install_gets_a_range_its_data_fills_and_honest_drift(
        browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = make_settings(tmp_path_factory.mktemp("fresh"), alert_interval_s=0.0)
    with LiveServer(settings) as live:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        with live.client() as c:
            for _ in range(3):
                c.post("/api/v1/query", json={"question": "What does error E102 mean?"})
        page = _login(browser, live, "/admin/dashboard")
        expect(page.locator(".range button.on")).to_have_text("1h")  # not a sliver of 24h
        expect(page.locator("#chart-volume canvas")).to_have_count(1, timeout=15_000)
        legend = page.locator("#chart-latency .u-legend .u-series").nth(1)
        expect(legend).to_contain_text("ms")  # the newest value, not "--" before a hover
        expect(legend).not_to_contain_text("--")
        expect(page.locator("#drift-category")).to_have_text("not enough data")
        expect(page.locator("#drift-bars")).to_contain_text("Not enough data")
        expect(page.locator("#drift-bars .bar")).to_have_count(0)  # no histogram of nothing
        expect(page.locator("#chart-shift")).to_contain_text("not enough data")
        labels = page.locator("#chart-latency .u-axis").nth(1)
        box = labels.bounding_box()
        widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
            '#chart-latency .u-axis')[1].querySelectorAll('.u-value')].map(
            e => e.scrollWidth))""")
        assert box is not None and widest <= box["width"]  # no y label is clipped
        _shot(page, "dashboard-fresh")
        page.close()
