"""A website as a source: pages of one host, from a start URL (and a sitemap).

    WebsiteSource("https://docs.example.com/", max_pages=200, max_bytes=10_000_000,
                  known=["https://docs.example.com/old"]).items()

Breadth first from the start URL (or the sitemap's URLs), links followed on the same host
only, robots.txt obeyed (and its Crawl-delay, up to 5 s), at most ``max_pages`` fetched.
Pages the last sync stored are fetched again even when no link leads to them any more:
a page is removed only when the site says so (404, 410) or robots.txt forbids it, never
because a broken page hid the links to it. The start page unreachable (or failing) makes
the listing fail: nothing is removed. The text is taken by the same HTML parser as an
upload (navigation, header and footer dropped).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from collections import deque
from collections.abc import Iterable, Iterator
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from ragworks import __version__
from ragworks.errors import Forbidden, Unavailable
from ragworks.sources.connectors import Item, unreadable

AGENT = f"ragworks/{__version__} (+sync)"
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown",
                  "application/pdf",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
_SKIP_LINK = re.compile(r"\.(png|jpe?g|gif|svg|webp|ico|css|js|zip|gz|tar|mp[34]|woff2?|"
                        r"ttf|exe|dmg|iso)$", re.I)
_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.I)
#: a sitemap is read up to this size (a million URLs would be ~100 MB), and at most this
#: many nested sitemaps of a sitemap index
SITEMAP_BYTES = 5_000_000
SITEMAP_CHILDREN = 20
MAX_REDIRECTS = 5


class _PageFailed(Exception):
    """A page that could not be had: why, in words for the item's status."""


def normalise(url: str) -> str:
    parts = urlsplit(urldefrag(url.strip())[0])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


def check_public(url: str) -> None:
    """Refuse a URL whose host is this machine or a private network (a source added over
    the API must not make the server read its neighbours)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Forbidden(f"{url!r}: a website source needs an http(s) URL")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443)
    except OSError as exc:
        raise Unavailable(f"{parts.hostname}: the host name does not resolve ({exc})") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            raise Forbidden(f"{parts.hostname} is a private or local address ({ip}); set "
                            "RAGWORKS_SOURCE_ALLOW_PRIVATE=true to sync such a site")


class WebsiteSource:
    def __init__(self, url: str, max_pages: int, max_bytes: int, sitemap: str = "",
                 known: Iterable[str] = (), timeout_s: float = 10.0,
                 allow_private: bool = True) -> None:
        self.start, self.sitemap = normalise(url), sitemap
        self.host = urlsplit(self.start).netloc
        self.max_pages, self.max_bytes, self.timeout_s = max_pages, max_bytes, timeout_s
        self.known = [k for k in known if urlsplit(k).netloc == self.host]
        self.allow_private = allow_private

    def items(self) -> Iterator[Item]:
        if not self.allow_private:
            check_public(self.start)
        with httpx.Client(follow_redirects=False, timeout=self.timeout_s,
                          headers={"User-Agent": AGENT}) as http:
            robots = self._robots(http)
            delay = min(float(robots.crawl_delay(AGENT) or 0), 5.0)
            first = self._sitemap_urls(http) if self.sitemap else [self.start]
            queue = deque(dict.fromkeys([*first, *self.known]))
            seen, fetched = set(queue), 0
            while queue and fetched < self.max_pages:
                url = queue.popleft()
                if not robots.can_fetch(AGENT, url):
                    continue
                if fetched and delay:
                    time.sleep(delay)
                fetched += 1
                item, links = self._fetch(http, url, start=fetched == 1)
                if item is not None:
                    yield item
                for link in links:
                    if link not in seen:
                        seen.add(link)
                        queue.append(link)

    def _robots(self, http: httpx.Client) -> RobotFileParser:
        robots = RobotFileParser()
        try:
            resp = http.get(urljoin(self.start, "/robots.txt"), follow_redirects=True)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{self.host}: cannot reach the site ({exc}); nothing was "
                              "removed") from exc
        # as crawlers do: no robots.txt allows everything; one refused (401/403) nothing
        if resp.status_code in (401, 403):
            robots.parse(["User-agent: *", "Disallow: /"])
        elif resp.status_code < 400:
            robots.parse(resp.text.splitlines())
        else:
            robots.parse([])
        return robots

    def _sitemap_urls(self, http: httpx.Client) -> list[str]:
        urls: list[str] = []
        pending, children = deque([self.sitemap]), 0
        while pending and len(urls) < self.max_pages:
            body = self._bounded(http, pending.popleft(), SITEMAP_BYTES)
            for loc in _LOC.findall(body):
                url = normalise(loc.decode("utf-8", "replace"))
                if b"<sitemapindex" in body[:2000]:
                    if children < SITEMAP_CHILDREN:
                        pending.append(url)
                        children += 1
                elif urlsplit(url).netloc == self.host:
                    urls.append(url)
                if len(urls) >= self.max_pages:
                    break
        return urls or [self.start]

    def _bounded(self, http: httpx.Client, url: str, limit: int) -> bytes:
        """The body, cut at ``limit`` bytes (a sitemap of a million URLs is read no
        further than it is used)."""
        try:
            with http.stream("GET", url, follow_redirects=True) as resp:
                if resp.status_code >= 400:
                    raise Unavailable(f"{url}: HTTP {resp.status_code}; nothing was removed")
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) >= limit:
                        break
                return bytes(body)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{url}: {exc}; nothing was removed") from exc

    def _fetch(self, http: httpx.Client, url: str, start: bool
               ) -> tuple[Item | None, list[str]]:
        """(the page as an item, or None when it is gone or no document; its links)."""
        try:
            page = self._get(http, url, gone_ok=not start)
        except _PageFailed as exc:
            if start:  # the start page tells whether the site is there at all
                raise Unavailable(f"{url}: {exc}; nothing was removed") from None
            return Item(url, "", unreadable(url, str(exc)), str(exc)), []
        if page is None:
            return None, []
        final, ctype, data = page
        links = self._links(data, final) if ctype in ("", "text/html",
                                                      "application/xhtml+xml") else []
        fingerprint = hashlib.sha256(data).hexdigest()[:32]
        return Item(final, fingerprint, lambda: data), links

    def _get(self, http: httpx.Client, url: str, gone_ok: bool
             ) -> tuple[str, str, bytes] | None:
        """(final URL, content type, body), None when gone or not a document; raises
        _PageFailed. Redirects are followed here, so one off the site is never fetched."""
        target = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                with http.stream("GET", target) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        target = normalise(urljoin(target, resp.headers["location"]))
                        if urlsplit(target).netloc != self.host:
                            raise _PageFailed(f"it redirects off the site, to {target}")
                        continue
                    if resp.status_code in (404, 410) and gone_ok:
                        return None
                    if resp.status_code >= 400:
                        raise _PageFailed(f"HTTP {resp.status_code}")
                    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                    if ctype and ctype not in DOCUMENT_TYPES:
                        return None
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        if len(body) > self.max_bytes:
                            raise _PageFailed(f"the page is over the limit of "
                                              f"{self.max_bytes} bytes")
                    return normalise(str(resp.url)), ctype, bytes(body)
        except httpx.HTTPError as exc:
            raise _PageFailed(f"cannot fetch it ({type(exc).__name__}: {exc})") from exc
        raise _PageFailed(f"a redirect loop (over {MAX_REDIRECTS} redirects)")

    def _links(self, data: bytes, base: str) -> list[str]:
        from selectolax.lexbor import LexborHTMLParser

        out = []
        for node in LexborHTMLParser(data.decode("utf-8", "replace")).css("a[href]"):
            href = (node.attributes.get("href") or "").strip()
            if not href or href.startswith(("mailto:", "javascript:", "tel:", "#")):
                continue
            url = normalise(urljoin(base, href))
            parts = urlsplit(url)
            if (parts.scheme in ("http", "https") and parts.netloc == self.host
                    and not _SKIP_LINK.search(parts.path)):
                out.append(url)
        return out
