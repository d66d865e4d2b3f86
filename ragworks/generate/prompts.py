"""Prompts are text files under ``generate/prompts/``, versioned by name (``answer_v1``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str, part: str) -> str:
    """``load_prompt("answer_v1", "system")`` reads ``prompts/answer_v1.system.txt``."""
    path = resources.files("ragworks.generate") / "prompts" / f"{name}.{part}.txt"
    return path.read_text(encoding="utf-8").strip()
