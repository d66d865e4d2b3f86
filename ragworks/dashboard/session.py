"""Login sessions for people in a browser: a signed cookie holding the key's hash.

The cookie is ``base64(json{"h": key_hash, "sid": id, "exp": epoch}) + "." +
HMAC-SHA256``. The key itself is never stored; every request looks the hash up
again, so revoking a key ends its sessions, and logging out records the session
id as revoked (until it would have expired), so a copied cookie stops working.
Cookies are HttpOnly and SameSite=Strict, and a state-changing request
authenticated by cookie must also carry the header
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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Session:
    key_hash: str
    id: str
    expires: float


def make_cookie(secret: bytes, key_hash: str, hours: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"h": key_hash, "sid": secrets.token_hex(16), "exp": time.time() + hours * 3600}
    ).encode())
    return payload.decode() + "." + _sign(secret, payload)


def read_cookie(secret: bytes, cookie: str | None) -> Session | None:
    """The session of a validly signed, unexpired cookie; None otherwise (whether it was
    revoked is the record store's to say)."""
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
    h, sid = data.get("h"), data.get("sid")
    if not isinstance(h, str) or not isinstance(sid, str):
        return None
    return Session(h, sid, float(data["exp"]))
