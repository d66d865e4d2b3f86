"""PII masking for everything that leaves the process (exporters, logs).

    mask = Masker()   # emails, phones, cards (Luhn), IBANs, API keys, AWS keys, GitHub tokens, JWTs
    mask("mail me at a@b.com")           # -> "mail me at [EMAIL]"
    Masker(extra=[my_fn])                # pluggable: any str -> str function

If a masking function raises, the field is replaced whole by ``[MASKING FAILED]``:
text is never sent unmasked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any

FAILED = "[MASKING FAILED]"


def _luhn(digits: str) -> bool:
    total, double = 0, False
    for c in reversed(digits):
        d = int(c) * (2 if double else 1)
        total += d - 9 if d > 9 else d
        double = not double
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _iban(match: re.Match[str]) -> str:
    raw = match.group(0).replace(" ", "")
    moved = raw[4:] + raw[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return "[IBAN]" if 15 <= len(raw) <= 34 and int(number) % 97 == 1 else match.group(0)


def _aws_secret(match: re.Match[str]) -> str:
    text = match.group(0)
    mixed = (any(c.isupper() for c in text) and any(c.islower() for c in text)
             and any(c.isdigit() for c in text))
    return "[AWS_SECRET]" if mixed else text


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    return "[PHONE]" if 9 <= digits <= 15 and not _DATE.fullmatch(text.strip()) else text


#: (pattern, replacement text or function), applied in order
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\beyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{10,}"), "[JWT]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,})"), "[GITHUB_TOKEN]"),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"), "[AWS_KEY_ID]"),
    (re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"), _aws_secret),
    (re.compile(r"\b(?:sk|pk|rw|api|key|token|secret)[-_][A-Za-z0-9_-]{12,}\b", re.I),
     "[API_KEY]"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"), _iban),
    # card numbers: 13-19 digits, spaced by blanks, dashes or dots, glued to letters or not
    (re.compile(r"(?<!\d)\d(?:[ .-]?\d){12,18}(?!\d)"), _card),
    (re.compile(r"(?<![\w(])\+?\(?\d[\d ()./-]{7,}\d\b"), _phone),
]


def default_mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def pseudonym(value: str) -> str:
    """A stable stand-in for an identifier that may itself be personal (a user id that is
    an email address): the same value always gives the same pseudonym."""
    if not value:
        return value
    return "anon-" + hashlib.sha256(value.encode()).hexdigest()[:16]


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
