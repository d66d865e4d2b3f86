"""Login sessions for people in a browser: a signed cookie holding the key's hash.

The cookie is ``base64(json{"h": key_hash, "exp": epoch}) + "." + HMAC-SHA256``.
The key itself is never stored; every request looks the hash up again, so
revoking a key ends its sessions. Cookies are HttpOnly and SameSite=Strict, and a
state-changing request authenticated by cookie must also carry the header
``X-Requested-With: ragworks`` (which another site cannot send without CORS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

COOKIE = "rw_session"
CSRF_HEADER = "x-requested-with"


def load_secret(configured: str, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / "session-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def make_cookie(secret: bytes, key_hash: str, hours: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"h": key_hash, "exp": time.time() + hours * 3600}).encode())
    return payload.decode() + "." + _sign(secret, payload)


def read_cookie(secret: bytes, cookie: str | None) -> str | None:
    """The key hash of a valid, unexpired cookie; None otherwise."""
    if not cookie or "." not in cookie:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(_sign(secret, payload.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return None
    h = data.get("h")
    return h if isinstance(h, str) else None
