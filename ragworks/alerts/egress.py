"""Where a webhook may point: public addresses only, unless the operator allows more.

A tenant admin chooses webhook URLs, and the server posts to them: without a check,
that is a way to make the server call its own loopback services, the cloud metadata
endpoint (169.254.169.254) or the private network (SSRF). So:

- at rule creation, a URL must be http(s) with a host; an address literal (or
  ``localhost``) outside the allowed ranges is refused at once with a clear 422;
- at send time the host is resolved, **every** address must be public (not
  private, loopback, link-local, multicast, reserved or unspecified) or inside
  ``RAGWORKS_WEBHOOK_ALLOW`` (CIDR ranges or host names), and the request is sent
  to the checked address itself (Host header and TLS name kept), so a DNS answer
  that changes between check and connect cannot slip through; redirects are not
  followed.

    guard = Egress(["10.0.0.0/8", "hooks.internal"])
    target = guard.resolve("https://hooks.slack.com/services/x")   # raises Refused
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ragworks.errors import BadInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(BadInput):
    """The URL points where webhooks may not go."""


@dataclass(frozen=True)
class Target:
    url: str          # the URL with the checked address in place of the host name
    host: str         # the original host, for the Host header and TLS
    address: str


class Egress:
    def __init__(self, allow: Sequence[str] = ()) -> None:
        self.networks = []
        self.hosts = set()
        for entry in allow:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))

    def allowed(self, address: Address, host: str = "") -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        if any(address in net for net in self.networks):
            return True
        return address.is_global and not address.is_multicast

    def check_syntax(self, url: str) -> str:
        """At rule creation: a well-formed http(s) URL whose literal address is allowed."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"webhook {url!r} must be an http(s) URL with a host")
        host = parts.hostname
        if host.lower() in ("localhost", "localhost.localdomain") and \
                host.lower() not in self.hosts:
            raise Refused(f"webhook {url!r} points at this machine (loopback); an operator "
                          "may allow it with RAGWORKS_WEBHOOK_ALLOW")
        literal = _literal(host)
        if literal is not None and not self.allowed(literal, host):
            raise Refused(f"webhook {url!r} points at a private, loopback, link-local or "
                          "metadata address; an operator may allow a range with "
                          "RAGWORKS_WEBHOOK_ALLOW")
        return url

    def resolve(self, url: str) -> Target:
        """At send time: the checked address to connect to (raises Refused)."""
        self.check_syntax(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise Refused(f"webhook host {host!r} does not resolve ({exc})") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        bad = [a for a in addresses if not self.allowed(a, host)]
        if bad or not addresses:
            raise Refused(f"webhook host {host!r} resolves to {bad[0] if bad else 'nothing'}, "
                          "which webhooks may not reach")
        chosen = addresses[0]
        netloc = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        if parts.port:
            netloc += f":{parts.port}"
        return Target(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
                      host, str(chosen))


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
