"""The Sources admin page (issue 27): add a folder from a form, see its sync, what failed
and why; sync again after a change; an error shown beside the form; remove."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import login
from tests.conftest import CORPUS, ROOT, LiveServer, make_settings

SHOTS = ROOT / "artifacts" / "screenshots"


def test_sources_page_adds_syncs_shows_failures_and_removes(browser: Browser,
                                                           tmp_path: Path) -> None:
    root = tmp_path / "shared"
    folder = root / "handbook"
    folder.mkdir(parents=True)
    for name in ("api-versioning.md", "vacation-policy.md"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "huge.txt").write_text("word " * 30_000)
    settings = make_settings(tmp_path / "data", source_roots=[str(root)], source_check_s=0,
                             max_upload_bytes=100_000)
    with LiveServer(settings) as live:
        page = login(browser, live, "/admin/sources", 1300, 800)
        expect(page.locator("#no-sources")).to_contain_text("No sources yet")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "admin-sources-empty.png"), full_page=True)

        page.fill("input[name=where]", str(tmp_path / "elsewhere"))  # outside the roots
        page.click("#source-form button[type=submit]")
        expect(page.locator("#source-error")).to_contain_text("RAGWORKS_SOURCE_ROOTS")

        page.fill("input[name=where]", str(folder))
        page.fill("input[name=collection]", "handbook")
        page.click("#source-form button[type=submit]")
        row = page.locator("#sources tr", has_text=str(folder))
        expect(row).to_be_visible(timeout=30_000)
        for _ in range(60):  # the first sync runs as a job: the page shows it when reloaded
            if "ok" in row.locator("td").nth(2).inner_text():
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(row).to_contain_text("2 ok")
        expect(row).to_contain_text("1 failed")
        row.locator("details summary").click()
        expect(row.locator("details")).to_contain_text("huge.txt")
        expect(row.locator("details")).to_contain_text("over the limit")
        page.screenshot(path=str(SHOTS / "admin-sources.png"), full_page=True)

        shutil.copy(CORPUS / "wifi-guest-access.txt", folder / "wifi.txt")
        (folder / "huge.txt").unlink()
        row.locator("button.sync-source").click()
        row = page.locator("#sources tr", has_text=str(folder))
        expect(row).to_contain_text("3 ok", timeout=120_000)
        expect(row).to_contain_text("+1 added")
        expect(row).not_to_contain_text("failed")
        docs = live.services.records.list_documents("default", "handbook")
        assert {d.source for d in docs} == {"api-versioning.md", "vacation-policy.md",
                                            "wifi.txt"}

        page.on("dialog", lambda d: d.accept())
        row.locator("button.remove-source").click()
        expect(page.locator("#no-sources")).to_be_visible(timeout=30_000)
        assert live.services.records.count_documents("default", "handbook") == 0
