"""One place that maps the exception tree to HTTP responses."""

from __future__ import annotations

import errno
import sqlite3

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ragworks.errors import RagworksError, RateLimited, Unauthorized, Unavailable

#: OS errors that mean the storage cannot take writes now (full disk, read-only, I/O)
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT, errno.EACCES, errno.EFBIG}


def storage_failure(exc: BaseException) -> str | None:
    """The cause, when an exception is the storage failing (not a bug); else None."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return exc.strerror or str(exc)
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(sqlite3.Error)
    @app.exception_handler(OSError)
    async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
        cause = storage_failure(exc)
        if cause is None:
            raise exc
        services = request.app.state.services
        services.write_failed(cause)
        return JSONResponse(status_code=503, headers={"Retry-After": "30"}, content={
            "error": "Unavailable", "detail": f"storage cannot take this write now: {cause}; "
            "nothing was changed, try again later"})

    @app.exception_handler(RagworksError)
    async def _ragworks_error(request: Request, exc: RagworksError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, Unavailable | RateLimited):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(status_code=exc.status, headers=headers,
                            content={"error": type(exc).__name__, "detail": exc.message})
