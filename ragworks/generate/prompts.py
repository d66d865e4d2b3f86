"""Prompts are text files under ``generate/prompts/``, versioned by name (``answer_v1``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str, part: str) -> str:
    """``load_prompt("answer_v1", "system")`` reads ``prompts/answer_v1.system.txt``."""
    path = resources.files("ragworks.generate") / "prompts" / f"{name}.{part}.txt"
    return path.read_text(encoding="utf-8").strip()


def prompt_versions() -> list[str]:
    """Versions for which every prompt kind (answer, summary, chitchat) exists."""
    files = [p.name for p in (resources.files("ragworks.generate") / "prompts").iterdir()]
    versions = {f.split("_", 1)[1].split(".")[0] for f in files if "_v" in f}
    return sorted(v for v in versions
                  if all(f"{kind}_{v}.{part}.txt" in files
                         for kind in ("answer", "summary", "chitchat")
                         for part in ("system", "user")))
