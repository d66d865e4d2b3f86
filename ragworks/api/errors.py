"""One place that maps the exception tree to HTTP responses."""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder as jsonable
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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


class ErrorBody(BaseModel):
    """Every error answer has this shape."""
    error: str = Field(description="The kind of error, e.g. BadInput, Unauthorized")
    detail: str = Field(description="What was wrong, in words")
    errors: list[dict[str, Any]] | None = Field(
        None, description="For a request that failed validation: each field's problem")


#: documented on every API route (the OpenAPI answers a client can expect)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (401, "Missing or invalid API key (or logged-out session)"),
        (403, "The key lacks the scope this needs"),
        (404, "No such object in the caller's tenant"),
        (413, "The request body (or the document's text) is over a limit"),
        (415, "The file's type is not supported, or not what its name says"),
        (422, "The request is malformed or a value is out of range"),
        (429, "This key's rate limit is used up: see Retry-After"),
        (503, "Overloaded, or storage cannot take writes: see Retry-After"))}


def _readable(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query"))
        parts.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def error_body(request: Request, status: int, kind: str, detail: str,
               errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The error's JSON: ragworks' shape, or OpenAI's for the OpenAI-compatible routes
    (whose clients read ``error.message``)."""
    if request.url.path.startswith("/v1/"):
        return {"error": {"message": detail, "type": kind, "code": status, "param": None}}
    body: dict[str, Any] = {"error": kind, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content=error_body(
            request, 422, "BadInput", _readable(errors), jsonable(errors)))

    @app.exception_handler(sqlite3.Error)
    @app.exception_handler(OSError)
    async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
        cause = storage_failure(exc)
        if cause is None:
            raise exc
        services = request.app.state.services
        services.write_failed(cause)
        return JSONResponse(status_code=503, headers={"Retry-After": "30"}, content=error_body(
            request, 503, "Unavailable", f"storage cannot take this write now: {cause}; "
            "nothing was changed, try again later"))

    @app.exception_handler(RagworksError)
    async def _ragworks_error(request: Request, exc: RagworksError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, Unavailable | RateLimited):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(status_code=exc.status, headers=headers, content=error_body(
            request, exc.status, type(exc).__name__, exc.message))
