"""Is this text reStructuredText? Decided from content signs, cheaply (no docutils)."""

from __future__ import annotations

import re

_RST_SIGNS = re.compile(
    r"^\.\.[ \t]+[\w:.+-]+[ \t]*::|^\.\.[ \t]+_[^:\n]+:|:[a-z][\w:+.-]*:`[^`\n]+`"
    r"|``[^`\n]+``|::[ \t]*$|^:[a-z][\w ]*:[ \t]", re.M)
_MD_SIGNS = re.compile(r"^#{1,6}[ \t]|^```|\]\([^)\s]+\)|^[ \t]*\[[^\]]+\]:[ \t]", re.M)


def looks_like_rst(text: str) -> bool:
    """Content signs of reStructuredText outweigh those of Markdown."""
    rst = len(_RST_SIGNS.findall(text[:200_000]))
    md = len(_MD_SIGNS.findall(text[:200_000]))
    return rst >= 2 and rst > md
