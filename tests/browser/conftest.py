"""The browser for every page test: Debian's chromium driven by Playwright (headless)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def login(browser: Browser, server: LiveServer, path: str = "/admin/dashboard",
          width: int = 1400, height: int = 1000) -> Page:
    """A new page logged in to the admin area with the test admin key, on ``path``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server.url}{path}")
    page.fill("input[name=key]", "rw_test_admin_key")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    return page
