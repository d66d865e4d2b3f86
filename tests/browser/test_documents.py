"""Documents from the browser (issue 26): the admin Documents page and the chat page take
dropped or chosen files, say per file what became of it, and delete; refused files say why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import login
from tests.conftest import CORPUS, ROOT, LiveServer, make_settings

SHOTS = ROOT / "artifacts" / "screenshots"
KETTLE = b"# Kettle care\n\nDescale the office kettle every 14 days with citric acid.\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(make_settings(tmp_path_factory.mktemp("docs"),
                                  max_upload_bytes=100_000)) as live:
        live.services.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                                      "wifi-guest-access.txt", "default")
        yield live


def _ask(server: LiveServer, question: str) -> dict:
    with server.client() as c:
        return c.post("/api/v1/query", json={"question": question}).json()


def test_the_documents_page_adds_refuses_and_deletes(browser: Browser,
                                                     server: LiveServer) -> None:
    page = login(browser, server, "/admin/documents", 1300, 900)
    expect(page.locator("#documents")).to_contain_text("wifi-guest-access.txt")
    page.set_input_files("#files", files=[
        {"name": "kettle.md", "mimeType": "text/markdown", "buffer": KETTLE},
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        {"name": "photo.pdf", "mimeType": "application/pdf", "buffer": b"\x89PNG\r\n\x1a\n" +
         b"\x00" * 64},
        {"name": "huge.txt", "mimeType": "text/plain", "buffer": b"word " * 30_000}])
    uploads = page.locator("#uploads")
    line = uploads.locator("li", has_text="kettle.md")
    expect(line).to_contain_text("added: 1 chunk", timeout=60_000)
    expect(uploads.locator("li", has_text="empty.txt")).to_contain_text(
        "refused (422)", timeout=30_000)
    expect(uploads.locator("li", has_text="photo.pdf")).to_contain_text(
        "refused (415)", timeout=30_000)
    expect(uploads.locator("li", has_text="huge.txt")).to_contain_text(
        "refused (413)", timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-documents-uploads.png"), full_page=True)
    assert "14 days" in _ask(server, "How often should the office kettle be descaled?")["answer"]
    page.reload()
    row = page.locator("#documents tr", has_text="kettle.md")
    expect(row).to_contain_text("1")  # its chunks
    # the same file again: nothing changes, and the page says so
    page.set_input_files("#files", files=[
        {"name": "kettle.md", "mimeType": "text/markdown", "buffer": KETTLE}])
    expect(page.locator("#uploads li.upload").first).to_contain_text("unchanged",
                                                                     timeout=60_000)
    page.once("dialog", lambda d: d.accept())
    row.locator("button.delete-doc").click()
    expect(page.locator("#documents")).not_to_contain_text("kettle.md", timeout=15_000)
    assert not _ask(server, "How often should the office kettle be descaled?")["citations"] \
        or all(c["source"] != "kettle.md" for c in _ask(
            server, "How often should the office kettle be descaled?")["citations"])
    expect(page.locator("#documents")).to_contain_text("wifi-guest-access.txt")
    page.close()


def test_an_empty_collection_says_what_to_do(browser: Browser, server: LiveServer) -> None:
    page = login(browser, server, "/admin/documents", 1300, 900)
    page.goto(f"{server.url}/admin/documents?collection=nothing-here")
    expect(page.locator("#no-documents")).to_contain_text("No documents in collection")
    page.close()


def test_the_chat_page_takes_a_dropped_document(browser: Browser,
                                                server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/#key=rw_test_admin_key")
    page.click("#add-docs summary")
    page.set_input_files("#files", files=[
        {"name": "plants.txt", "mimeType": "text/plain",
         "buffer": b"Office plants are watered every Tuesday by the facilities team.\n"}])
    expect(page.locator("#uploads")).to_contain_text("added: 1 chunk", timeout=60_000)
    page.fill("#q", "When are the office plants watered?")
    page.click("button[type=submit]")
    expect(page.locator("#answer")).to_contain_text("Tuesday", timeout=30_000)
    # a key without the ingest scope is told so per file
    reader = server.services.keys.create("default", ["query"], "reader")
    page.fill("#key", reader)
    page.set_input_files("#files", files=[
        {"name": "more.txt", "mimeType": "text/plain", "buffer": b"Anything at all.\n"}])
    expect(page.locator("#uploads li", has_text="more.txt")).to_contain_text(
        "refused (403)", timeout=30_000)
    page.close()
