"""A website as a source, served on loopback: links, robots.txt, a redirect loop, a page
that moves off the site, pages removed and pages only the last sync knew, a sitemap of a
million URLs, and the site going away."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ragworks.errors import Forbidden, Unavailable
from ragworks.services import Services
from ragworks.usecases import syncing
from tests.conftest import make_settings
from tests.integration.sources.helpers import indexed, until


def _page(title: str, body: str, links: list[str] = ()) -> str:  # type: ignore[assignment]
    nav = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (f"<html><head><title>{title}</title></head><body><nav>{nav}</nav>"
            f"<main><h1>{title}</h1><p>{body}</p>{nav}</main><footer>(c) us</footer>"
            "</body></html>")


class Site:
    """Pages by path (mutable while it serves), and every request it answered."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.redirects: dict[str, str] = {}
        self.robots = "User-agent: *\nDisallow: /private/\n"
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                site.requests.append(self.path)
                if self.path == "/robots.txt":
                    return self._send(200, site.robots, "text/plain")
                if self.path == "/sitemap.xml":
                    return self._sitemap()
                if self.path in site.redirects:
                    self.send_response(302)
                    self.send_header("Location", site.redirects[self.path])
                    self.end_headers()
                    return None
                if self.path in site.pages:
                    return self._send(200, site.pages[self.path], "text/html; charset=utf-8")
                return self._send(404, "not found", "text/plain")

            def _send(self, code: int, text: str, ctype: str) -> None:
                data = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sitemap(self) -> None:  # a million URLs, written as long as it is read
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.end_headers()
                try:
                    self.wfile.write(b'<?xml version="1.0"?><urlset>')
                    for n in range(1_000_000):
                        self.wfile.write(f"<url><loc>{site.url}/p/{n}</loc></url>".encode())
                    self.wfile.write(b"</urlset>")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Site:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        yield s


def test_the_index_follows_the_site(site: Site, tmp_path: Path) -> None:
    u = site.url
    site.pages.update({
        "/": _page("Home", "Welcome to the handbook.", ["/guide", "/faq", "/private/hr",
                                                         "/loop", "/away", "mailto:x@y"]),
        "/guide": _page("Guide", "The guide says backups run nightly at 02:00.",
                        ["/", "/guide/deep"]),
        "/guide/deep": _page("Deep", "Restores are tested every quarter."),
        "/faq": _page("FAQ", "Guest wifi passwords rotate every Monday."),
        "/private/hr": _page("HR", "Salaries are secret."),
    })
    site.redirects.update({"/loop": "/loop", "/away": "http://localhost:9/elsewhere"})
    with Services(make_settings(tmp_path)) as svc:
        source = syncing.add_source(svc, "default", {"kind": "website", "url": u + "/",
                                                     "max_pages": 20}, trusted=True)
        first = syncing.sync_source(svc, "default", source["id"])
        assert indexed(svc) == {f"{u}/", f"{u}/guide", f"{u}/guide/deep", f"{u}/faq"}
        assert "/private/hr" not in site.requests  # robots.txt obeyed
        items = svc.sources.items(source["id"])
        assert "redirect loop" in items[f"{u}/loop"]["error"]
        assert "off the site" in items[f"{u}/away"]["error"]
        assert first["failed"] == 2 and first["added"] == 4
        deep = svc.records.find_by_source("default", "default", f"{u}/guide/deep")
        text = " ".join(c.text for c in svc.index.chunks_of("default", deep.id))
        assert "Restores are tested" in text and "(c) us" not in text  # the footer dropped

        # no link leads to /guide/deep any more, but the site still serves it: kept;
        # /faq is gone (404): removed; a new page linked from home: added
        site.pages["/guide"] = _page("Guide", "Backups run nightly at 03:00 now.", ["/"])
        site.pages["/"] = _page("Home", "Welcome.", ["/guide", "/new"])
        site.pages["/new"] = _page("New", "Printers are on floor two.")
        del site.pages["/faq"]
        second = syncing.sync_source(svc, "default", source["id"])
        assert indexed(svc) == {f"{u}/", f"{u}/guide", f"{u}/guide/deep", f"{u}/new"}
        # /faq removed; /loop and /away, known from the last sync, fail again, once each
        assert (second["added"], second["removed"], second["failed"]) == (1, 1, 2), second
        assert second["changed"] == 2  # home and guide
        assert svc.sources.items(source["id"])[f"{u}/loop"]["attempts"] == 2

        # the site goes away: the sync fails, nothing is removed
        site.server.shutdown()
        site.server.server_close()
        with pytest.raises(Unavailable, match="cannot reach the site"):
            syncing.sync_source(svc, "default", source["id"])
        assert indexed(svc) == {f"{u}/", f"{u}/guide", f"{u}/guide/deep", f"{u}/new"}


def test_a_sitemap_of_a_million_urls_is_read_only_as_far_as_the_budget(
        site: Site, tmp_path: Path) -> None:
    for n in range(10):
        site.pages[f"/p/{n}"] = _page(f"Page {n}", f"Page number {n} of the site.")
    with Services(make_settings(tmp_path)) as svc:
        source = syncing.add_source(svc, "default", {
            "kind": "website", "url": site.url + "/", "sitemap": site.url + "/sitemap.xml",
            "max_pages": 5}, trusted=True)
        started = time.monotonic()
        result = syncing.sync_source(svc, "default", source["id"])
        assert time.monotonic() - started < 120
        assert result["added"] == 5
        assert indexed(svc) == {f"{site.url}/p/{n}" for n in range(5)}
        assert not any(r.startswith("/p/7") for r in site.requests)


def test_over_the_api_a_site_on_a_private_address_is_refused(tmp_path: Path) -> None:
    with Services(make_settings(tmp_path)) as svc:
        with pytest.raises(Forbidden, match="private or local address"):
            syncing.add_source(svc, "default", {"kind": "website",
                                                "url": "http://127.0.0.1:9/"})
        assert svc.sources.all("default") == []


def test_a_source_is_synced_on_its_schedule_and_a_change_follows(site: Site,
                                                                  tmp_path: Path) -> None:
    from tests.conftest import LiveServer

    site.pages["/"] = _page("Home", "The canteen opens at 11:30.")
    settings = make_settings(tmp_path, source_check_s=0.3, source_interval_s=1)
    with LiveServer(settings) as live:
        svc = live.services
        sid = syncing.add_source(svc, "default", {"kind": "website", "url": site.url + "/"},
                                 trusted=True)["id"]

        def synced() -> dict | None:
            return (svc.sources.get("default", sid) or {}).get("last_sync")

        first = until(synced, 120, "the first scheduled sync")
        assert first["status"] == "ok" and indexed(svc) == {f"{site.url}/"}
        site.pages["/menu"] = _page("Menu", "Soup on Mondays.")
        site.pages["/"] = _page("Home", "The canteen opens at 12:00.", ["/menu"])
        until(lambda: indexed(svc) == {f"{site.url}/", f"{site.url}/menu"}, 120,
              "the change synced on the schedule, with no request")
        jobs = [j for j in svc.job_status.all("default") if j["kind"] == "sync"]
        assert len(jobs) >= 2 and all(j["status"] in ("queued", "running", "done")
                                      for j in jobs)
