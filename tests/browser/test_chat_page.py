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
