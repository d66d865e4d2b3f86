"""Evaluation runs, datasets and experiments: the same tests on SQLite and on DynamoDB."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.errors import NotFound
from ragworks.services import Services
from tests.conftest import make_settings


@pytest.fixture(params=["sqlite", "dynamodb"])
def svc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    extra = {}
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
        extra = {"record_store": f"dynamodb://rw-{secrets.token_hex(4)}"}
    services = Services(make_settings(tmp_path, embedder="hash", **extra))
    yield services
    services.close()


def _run(run_id: str, at: float, tenant: str = "acme") -> dict:
    return {"id": run_id, "tenant": tenant, "dataset": "golden", "dataset_version": "v",
            "overrides": {"top_k": 3}, "judge": None, "created_at": at,
            "aggregates": {"recall@5": 0.9}, "items": [{"question": f"q{i}", "recall@5": 1.0}
                                                        for i in range(500)]}


def test_runs(svc: Services) -> None:
    svc.runs.save(_run("run_a", 1000.0))
    svc.runs.save(_run("run_b", 2000.0))
    svc.runs.save(_run("run_c", 1500.0, tenant="other"))
    got = svc.runs.get("acme", "run_a")
    assert got is not None and len(got["items"]) == 500 and got["overrides"] == {"top_k": 3}
    assert svc.runs.get("acme", "run_c") is None and svc.runs.get("acme", "nope") is None
    listing = svc.runs.all("acme")
    assert [r["id"] for r in listing] == ["run_b", "run_a"]  # newest first
    assert all("items" not in r for r in listing)


def test_dataset_versions_even_when_uploads_race(svc: Services) -> None:
    items = [{"question": "What does E102 mean?", "relevant_sources": ["error-codes.txt"]}]
    assert svc.datasets.save("acme", "golden", items)["version"] == 1
    assert svc.datasets.save("acme", "golden", items) == {"name": "golden", "version": 1,
                                                          "items": 1, "new": False}
    results: list[int] = []

    def upload(n: int) -> None:
        results.append(svc.datasets.save("acme", "golden", items + [
            {"question": f"extra {n}"}])["version"])

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [2, 3, 4, 5]  # no version lost or shared
    assert [d["version"] for d in svc.datasets.all("acme")] == [1, 2, 3, 4, 5]
    assert len(svc.datasets.get("acme", "golden")) == 2
    assert svc.datasets.get("acme", "golden", 1)[0].relevant_sources == ("error-codes.txt",)
    with pytest.raises(NotFound):
        svc.datasets.get("acme", "golden", 9)
    with pytest.raises(NotFound):
        svc.datasets.get("other", "golden")


def test_experiments_and_concurrent_promotions(svc: Services) -> None:
    store = svc.experiments.store
    exp = {"id": "exp_1", "status": "running", "created_at": 10.0, "variants": []}
    store.save("acme", exp)
    store.save("acme", {**exp, "id": "exp_2", "status": "draft", "created_at": 20.0})
    assert store.get("acme", "exp_1") == exp and store.get("other", "exp_1") is None
    assert [e["id"] for e in store.all("acme")] == ["exp_2", "exp_1"]
    assert store.running("acme")["id"] == "exp_1"
    assert store.active_config("acme") == {}

    def promote(key: str) -> None:
        store.update_active_config("acme", lambda cur, k=key: {**cur, k: 1}, "ops",
                                   {"experiment": "exp_1", "variant": key})

    threads = [threading.Thread(target=promote, args=(k,)) for k in ("top_k", "rerank", "x")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.active_config("acme") == {"top_k": 1, "rerank": 1, "x": 1}  # none lost
    history = store.config_history("acme")
    assert len(history) == 3 and {h["variant"] for h in history} == {"top_k", "rerank", "x"}
    assert history[-1]["overrides"] == {"top_k": 1, "rerank": 1, "x": 1}
