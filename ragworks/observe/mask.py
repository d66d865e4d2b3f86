"""PII masking for everything that leaves the process (exporters, logs).

    mask = Masker()                      # emails, phone numbers, card numbers, API keys
    mask("mail me at a@b.com")           # -> "mail me at [EMAIL]"
    Masker(extra=[my_fn])                # pluggable: any str -> str function

If a masking function raises, the field is replaced whole by ``[MASKING FAILED]``:
text is never sent unmasked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

FAILED = "[MASKING FAILED]"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),
    (re.compile(r"\b(?:sk|pk|rw|api|key|token|secret)[-_][A-Za-z0-9_-]{12,}\b", re.I), "[API_KEY]"),
    (re.compile(r"\b(?:\d[ -]?){13,19}\b"), "[CARD]"),
    (re.compile(r"(?<![\w(])\+?\(?\d[\d ()./-]{7,}\d\b"), "[PHONE]"),
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    return "[PHONE]" if 9 <= digits <= 15 and not _DATE.fullmatch(text.strip()) else text


def default_mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(_phone if replacement == "[PHONE]" else replacement, text)
    return text


def pattern_mask(pattern: str, replacement: str = "[REDACTED]") -> Callable[[str], str]:
    """A masking function from a regular expression (RAGWORKS_MASK_PATTERNS)."""
    compiled = re.compile(pattern)
    return lambda text: compiled.sub(replacement, text)


class Masker:
    def __init__(self, extra: Sequence[Callable[[str], str]] = (),
                 use_defaults: bool = True, patterns: Sequence[str] = ()) -> None:
        self.functions = ([default_mask] if use_defaults else []) + list(extra) + \
            [pattern_mask(p) for p in patterns]

    def __call__(self, text: str) -> str:
        try:
            for fn in self.functions:
                text = fn(text)
            return text
        except Exception:  # noqa: BLE001 - never let unmasked text through
            return FAILED

    def deep(self, value: Any) -> Any:
        """Mask every string inside dicts, lists and tuples."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value
