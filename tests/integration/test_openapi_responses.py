"""Every API route says what it answers (issue 28): /openapi.json describes each 2xx body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import make_settings


def _vague(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return True
    if "$ref" in schema:
        return False
    if "anyOf" in schema:
        return any(_vague(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return _vague(schema.get("items"))
    return schema.get("type") == "object" and not schema.get("properties")


def test_every_route_has_a_response_model(tmp_path: Path) -> None:
    from ragworks.api.app import create_app

    spec = create_app(make_settings(tmp_path)).openapi()
    vague = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for code, answer in op.get("responses", {}).items():
                content = answer.get("content", {})
                if not code.startswith("2") or code == "204" or "text/html" in content \
                        or "text/event-stream" in content:
                    continue
                schema = next(iter(content.values()), {}).get("schema") if content else None
                if _vague(schema):
                    vague.append(f"{method.upper()} {path} {code}")
    assert vague == []
