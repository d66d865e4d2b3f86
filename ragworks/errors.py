"""The exception tree. Each maps to one HTTP status in ``api/errors.py``.

    RagworksError
    ├── BadInput             422  (empty question, too long, unparseable document)
    │   ├── EmptyDocument    422
    │   └── ParseTimeout     422  (a parser exceeded its time limit, twice)
    ├── UnsupportedMedia     415  (type not supported, or content not what the name says)
    ├── PayloadTooLarge      413
    ├── NotFound             404  (also for another tenant's objects)
    ├── Unauthorized         401
    ├── Forbidden            403
    ├── Conflict             409
    ├── RateLimited          429  (this key's quota is used up for now: Retry-After)
    ├── BackendError         502  (an LLM endpoint failed)
    └── Unavailable          503  (storage cannot write, the service is stopping, overload)
"""

from __future__ import annotations


class RagworksError(Exception):
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(RagworksError):
    status = 422


class EmptyDocument(BadInput):
    pass


class UnsupportedMedia(RagworksError):
    status = 415


class PayloadTooLarge(RagworksError):
    status = 413


class NotFound(RagworksError):
    status = 404


class Unauthorized(RagworksError):
    status = 401


class Forbidden(RagworksError):
    status = 403


class Conflict(RagworksError):
    status = 409


class RateLimited(RagworksError):
    status = 429

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BackendError(RagworksError):
    status = 502


class ParseTimeout(BadInput):
    pass


class Unavailable(RagworksError):
    """Try again later: the answer carries Retry-After."""
    status = 503
    retry_after_s = 5
