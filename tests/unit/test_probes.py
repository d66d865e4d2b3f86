"""/healthz and /readyz answer before anything else, and never wait long for checks."""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ragworks.api.probes import Probes


def _app(checks, wait_s: float = 10.0):  # type: ignore[no-untyped-def]
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        assert scope["type"] == "lifespan", "a probe reached the app"
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return Probes(app, checks, wait_s=wait_s)  # generous: a busy machine is slow to start it


def test_healthz_and_readyz_never_reach_the_app() -> None:
    with TestClient(_app(lambda: {"record_store": "ok", "embedder": "ok"})) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json() == {
            "ready": True, "checks": {"record_store": "ok", "embedder": "ok"}}
        assert c.head("/healthz").status_code == 200
        assert r.headers["cache-control"] == "no-store"


def test_a_failing_check_is_not_ready() -> None:
    with TestClient(_app(lambda: {"record_store": "ok", "storage_writes": "error: full"})) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["storage_writes"] == "error: full"


def test_checks_that_do_not_finish_in_time_answer_busy_and_are_not_started_twice() -> None:
    release = threading.Event()
    started = []

    def slow() -> dict[str, str]:
        started.append(1)
        release.wait(30)
        return {"embedder": "ok"}

    with TestClient(_app(slow, wait_s=0.3)) as c:
        for _ in range(3):  # each answers after wait_s, joining the one check running
            r = c.get("/readyz")
            assert r.status_code == 503 and "too busy to check" in r.json()["checks"]["checks"]
        assert len(started) == 1
        release.set()
        for _ in range(100):
            r = c.get("/readyz")
            if r.status_code == 200:
                break
        assert r.json() == {"ready": True, "checks": {"embedder": "ok"}}


def test_other_paths_and_methods_pass_through() -> None:
    async def posted(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("app")

    app = Starlette(routes=[Route("/readyz", posted, methods=["POST"])])

    with TestClient(Probes(app, lambda: {})) as c:
        assert c.post("/readyz").text == "app"
        assert c.get("/elsewhere").status_code == 404
