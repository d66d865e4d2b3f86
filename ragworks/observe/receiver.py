"""A loopback stand-in for Langfuse and an OTLP collector, for tests and benchmarks.

It records what arrives (OTLP protobuf spans, Langfuse ingestion batches) and can
be told to answer 500 or to hang, to prove that exporters never slow requests.

    with Receiver() as rx:                      # http://127.0.0.1:<port>
        ...                                     # point LANGFUSE_HOST / OTLP at rx.url
        rx.spans, rx.ingestion, rx.mode = "fail"
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ragworks.threadserver import ThreadServer


def _attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for item in items:
        value = item.get("value", {})
        out[item["key"]] = next(iter(value.values()), None) if value else None
    return out


class Receiver:
    def __init__(self, port: int | None = None, sink: bool = False) -> None:
        self.sink = sink  # count bytes only, decode nothing (benchmarks)
        self.received_bytes = 0
        self.mode = "ok"  # "ok" | "fail" | "hang"
        self.spans: list[dict[str, Any]] = []  # flattened, with "path" and decoded attributes
        self.ingestion: list[dict[str, Any]] = []
        self.scores: list[dict[str, Any]] = []  # bodies of POST /api/public/scores
        self.requests = 0
        self._lock = threading.Lock()
        app = FastAPI()
        app.add_api_route("/api/public/otel/v1/traces", self._traces, methods=["POST"])
        app.add_api_route("/v1/traces", self._traces, methods=["POST"])
        app.add_api_route("/api/public/ingestion", self._ingestion, methods=["POST"])
        app.add_api_route("/api/public/scores", self._score, methods=["POST"])
        app.add_api_route("/api/public/projects", self._projects, methods=["GET"])
        app.add_api_route("/_mode/{mode}", self._set_mode, methods=["POST"])
        self.paths: list[str] = []

        @app.middleware("http")
        async def remember(request: Request, call_next):  # type: ignore[no-untyped-def]
            self.paths.append(f"{request.method} {request.url.path}")
            return await call_next(request)
        self._thread_server = ThreadServer(app, port, log_level="critical")
        self.port, self.url = self._thread_server.port, self._thread_server.url
        self.server = self._thread_server.server

    async def _set_mode(self, mode: str) -> dict[str, str]:
        """Lets another process (a benchmark) switch the behaviour."""
        self.mode = mode
        return {"mode": mode}

    async def _gate(self) -> Response | None:
        self.requests += 1
        if self.mode == "hang":
            await asyncio.sleep(60)
        if self.mode == "fail":
            return Response(status_code=500, content=b"receiver told to fail")
        return None

    async def _traces(self, request: Request) -> Response:
        refused = await self._gate()
        if refused is not None:
            return refused
        body = await request.body()
        self.received_bytes += len(body)
        if self.sink:
            return Response(status_code=200, content=b"", media_type="application/x-protobuf")
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        message = ExportTraceServiceRequest()
        message.ParseFromString(body)
        decoded = MessageToDict(message)
        with self._lock:
            for rs in decoded.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for span in ss.get("spans", []):
                        span["attributes"] = _attrs(span.get("attributes", []))
                        span["path"] = request.url.path
                        span["authorization"] = request.headers.get("authorization", "")
                        self.spans.append(span)
        return Response(status_code=200, content=b"", media_type="application/x-protobuf")

    async def _ingestion(self, request: Request) -> Response:
        refused = await self._gate()
        if refused is not None:
            return refused
        batch = (await request.json()).get("batch", [])
        with self._lock:
            self.ingestion += batch
        return Response(status_code=207, media_type="application/json", content=json.dumps(
            {"successes": [{"id": e.get("id"), "status": 201} for e in batch], "errors": []}))

    async def _score(self, request: Request) -> Response:
        refused = await self._gate()
        if refused is not None:
            return refused
        body = await request.json()
        items = body if isinstance(body, list) else [body]
        with self._lock:
            self.scores += items
        if isinstance(body, list):  # batch: Langfuse answers 202 {"message": "Accepted"}
            return Response(status_code=202, media_type="application/json",
                            content=json.dumps({"message": "Accepted"}))
        return Response(media_type="application/json", content=json.dumps({"id": body.get("id")}))

    async def _projects(self, request: Request) -> Response:
        refused = await self._gate()
        if refused is not None:
            return refused
        if not request.headers.get("authorization", "").startswith("Basic "):
            return Response(status_code=401)
        return Response(media_type="application/json",
                        content=json.dumps({"data": [{"id": "project-1"}]}))

    def __enter__(self) -> Receiver:
        self._thread_server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread_server.stop(5)

    def wait_for(self, predicate, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False


def main() -> None:
    """``python -m ragworks.observe.receiver PORT [--sink]``: serve until killed.

    Benchmarks run it as a low-priority sink: it stands in for a backend that in
    production runs on other machines, so it should not take this machine's cores.
    """
    import os
    import sys

    if "--sink" in sys.argv:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except (AttributeError, OSError):
            os.nice(19)
    receiver = Receiver(int(sys.argv[1]), sink="--sink" in sys.argv)
    receiver.server.run()


if __name__ == "__main__":
    main()
