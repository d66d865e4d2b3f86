"""A local model is joined from its part packages and refused unless the hash matches."""

import hashlib
import sys
from pathlib import Path

import pytest

from ragworks.errors import BackendError
from ragworks.generate import local_llama
from ragworks.generate.local_llama import ModelFile, model_path


def make_parts(root: Path, prefix: str, chunks: list[bytes]) -> None:
    for n, data in enumerate(chunks, 1):
        pkg = root / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(data)


def test_parts_join_into_the_verified_file_and_a_wrong_hash_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    joined = b"".join(chunks)
    make_parts(tmp_path / "site", "rwtestpart", chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    good = ModelFile("tiny", "rwtestpart", 3, hashlib.sha256(joined).hexdigest(), len(joined))
    monkeypatch.setitem(local_llama.MODELS, "tiny", good)
    path = model_path("tiny", tmp_path / "models")
    assert path.read_bytes() == joined
    assert model_path("tiny", tmp_path / "models") == path  # verified once, then reused
    bad = ModelFile("tampered", "rwtestpart", 3, "0" * 64, len(joined))
    monkeypatch.setitem(local_llama.MODELS, "tampered", bad)
    with pytest.raises(BackendError, match="refusing to load"):
        model_path("tampered", tmp_path / "models")
    assert not (tmp_path / "models" / "tampered.gguf").exists()
    for name in [m for m in sys.modules if m.startswith("rwtestpart")]:
        del sys.modules[name]
