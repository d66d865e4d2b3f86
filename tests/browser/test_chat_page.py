"""The chat page in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import CORPUS, ROOT, LiveServer, make_settings

SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(make_settings(tmp_path_factory.mktemp("chat"))) as live:
        for name in ("wifi-guest-access.txt", "battery-care.pdf", "safety-stop.docx"):
            live.services.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
        yield live


def test_ask_read_answer_and_open_a_citation(browser: Browser, server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.fill("#q", "How long is a guest Wi-Fi code valid?")
    page.click("button[type=submit]")
    expect(page.locator("#sources li")).not_to_have_count(0, timeout=20_000)
    expect(page.locator("#answer")).to_contain_text("24 hours")
    expect(page.locator("#meta")).to_contain_text("factoid")
    first = page.locator("#sources li").first
    expect(first).to_contain_text("wifi-guest-access.txt")
    snippet = first.locator(".snippet")
    expect(snippet).to_be_hidden()
    page.locator("#answer .cite").first.click()
    expect(snippet).to_be_visible()
    page.fill("#comment", "exactly what I needed")
    page.click("#thumbs-up")
    expect(page.locator("#thanks")).to_contain_text("Thanks")
    trace_id = page.locator("#feedback").get_attribute("data-trace")
    trace = server.services.traces.get_trace("default", trace_id)
    assert trace is not None and trace["has_feedback"]
    assert any(s["name"] == "thumbs_up" and s["comment"] == "exactly what I needed"
               for s in trace["scores"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat-answer.png"), full_page=True)
    page.close()


def test_a_wrong_key_shows_the_error(browser: Browser, server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(server.url + "/")
    page.evaluate("localStorage.clear()")
    page.fill("#key", "rw_wrong")
    page.fill("#q", "anything")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("401", timeout=10_000)
    page.screenshot(path=str(SHOTS / "chat-unauthorised.png"))
    page.close()



def test_a_conversation_keeps_its_turns_and_its_session(browser: Browser,
                                                        server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.evaluate("localStorage.removeItem('ragworks-session')")
    page.reload()
    for question in ("How long is a guest Wi-Fi code valid?", "How should I store batteries?"):
        page.fill("#q", question)
        page.click("button[type=submit]")
        expect(page.locator("#out .question")).to_have_text(question, timeout=20_000)
        expect(page.locator("#sources li")).not_to_have_count(0, timeout=20_000)
    expect(page.locator("#history .turn")).to_have_count(1)
    expect(page.locator("#history .turn .question")).to_have_text(
        "How long is a guest Wi-Fi code valid?")
    # numbering is the markers' own: no list numbers beside "[1]"
    assert page.locator("#sources").evaluate("e => getComputedStyle(e).listStyleType") == "none"
    session = page.evaluate("localStorage.getItem('ragworks-session')")
    traces = [server.services.traces.get_trace("default", page.locator("#feedback")
                                               .get_attribute("data-trace"))]
    assert traces[0] is not None and traces[0]["session_id"] == session
    page.screenshot(path=str(SHOTS / "chat-conversation.png"), full_page=True)
    page.click("#new-chat")
    expect(page.locator("#history .turn")).to_have_count(0)
    assert page.evaluate("localStorage.getItem('ragworks-session')") != session
    page.close()


def test_a_follow_up_in_the_chat_is_asked_with_the_conversation(browser: Browser,
                                                                 server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.click("#new-chat")
    for question, expected in (("Which network do visitors use?", "Lumen-Guest"),
                               ("How long are their codes valid?", "24 hours")):
        page.fill("#q", question)
        page.click("button[type=submit]")
        expect(page.locator("#out .question")).to_have_text(question, timeout=20_000)
        expect(page.locator("#answer")).to_contain_text(expected, timeout=30_000)
    trace = server.services.traces.get_trace("default", page.locator("#feedback")
                                             .get_attribute("data-trace"))
    assert trace["metadata"]["conversation"]["follow_up"] is True
    page.close()


def test_a_failed_request_says_so_and_can_be_retried(browser: Browser,
                                                     server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.route("**/api/v1/query", lambda route: route.abort("connectionrefused"))
    page.fill("#q", "How long is a guest Wi-Fi code valid?")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("did not answer", timeout=10_000)
    page.unroute("**/api/v1/query")
    page.click("#retry")
    expect(page.locator("#answer")).to_contain_text("24 hours", timeout=20_000)
    page.close()


class _Slow:
    """An answerer that writes one word a second (as a slow local model would)."""

    def __init__(self, inner: object) -> None:
        self.inner, self.name = inner, "slow-test"

    def answer(self, question: str, hits: list, plan: object, usage: object):  # type: ignore[no-untyped-def]
        import time

        yield "Guest codes"
        for _ in range(90):
            time.sleep(1.0)
            yield " and"


def test_the_reader_sees_the_sources_and_the_time_while_waiting_and_can_stop(
        browser: Browser, server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import time

    from ragworks.observe.store import TraceFilter

    svc = server.services
    real = svc.pipeline_for
    monkeypatch.setattr(svc, "pipeline_for", lambda overrides: dataclasses.replace(
        real(overrides), answerer=_Slow(real(overrides).answerer), fallback=None))
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.fill("#q", "How long is a guest Wi-Fi code valid for visitors?")
    page.click("button[type=submit]")
    # the passages first, named, before a word of the answer
    expect(page.locator("#reading li").first).to_contain_text("wifi-guest-access.txt",
                                                              timeout=20_000)
    expect(page.locator("#answer")).to_contain_text("Guest codes", timeout=20_000)
    expect(page.locator("#stage")).to_contain_text("writing")
    expect(page.locator("#elapsed")).not_to_have_text("0 s", timeout=10_000)
    assert page.input_value("#q") == ""  # the box is free for the next question
    page.click("#stop")
    expect(page.locator(".error")).to_contain_text("Stopped.")
    # the server hears the client go away: the question is traced, not lost
    deadline, found = time.monotonic() + 60, []
    while time.monotonic() < deadline and not found:
        rows, _ = svc.traces.list_traces("default", TraceFilter(status="error"))
        found = [r for r in rows if "Stopped" in (r.get("status_message") or "")
                 or "Stopped" in str(r)]
        time.sleep(0.5)
    assert found, "no trace of the stopped question"
    page.close()
