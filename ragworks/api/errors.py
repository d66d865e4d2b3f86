"""One place that maps the exception tree to HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ragworks.errors import RagworksError, RateLimited, Unauthorized, Unavailable


def install(app: FastAPI) -> None:
    @app.exception_handler(RagworksError)
    async def _ragworks_error(request: Request, exc: RagworksError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, Unavailable | RateLimited):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(status_code=exc.status, headers=headers,
                            content={"error": type(exc).__name__, "detail": exc.message})
