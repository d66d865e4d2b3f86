"""Citation markers: parse [n] from an answer, map them to chunks, add missing ones.

Small models often forget to cite, so sentences without a marker are attributed
to the hit whose text overlaps them most (when the overlap is real).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ragworks.models import Citation, Hit
from ragworks.text import sentence_spans, tokenize

_MARKER = re.compile(r"\[(\d{1,2})\]")


def _overlap(sentence: str, text: str) -> float:
    s = set(tokenize(sentence))
    return len(s & set(tokenize(text))) / len(s) if s else 0.0


_META = frozenset("answer question context passage document refer mean indicate would "
                  "state say provide information".split())


def supported_share(answer: str, hits: Sequence[Hit]) -> float:
    """Share of the answer's content words that occur in the retrieved text (0..1)."""
    words = [w for w in tokenize(_MARKER.sub(" ", answer)) if w not in _META]
    if not words:
        return 1.0
    known = set()
    for h in hits:
        known.update(tokenize(h.chunk.embed_text))
    return sum(w in known for w in words) / len(words)


def attribute(answer: str, hits: Sequence[Hit], min_overlap: float = 0.5) -> str:
    """Append [n] to sentences that have no marker but are supported by hit n.

    Sentences come from the segmenter (a "." inside "zlib.h" or "~/.aws" is no
    sentence end); a marker right after a sentence belongs to it.
    """
    if not hits or not answer.strip():
        return answer
    out, pos = [], 0
    spans = sentence_spans(answer)
    for i, (start, end) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(answer)
        sentence, tail = answer[start:end], answer[end:nxt]
        out.append(answer[pos:start])
        pos = nxt
        following = answer[nxt:spans[i + 1][1]] if i + 1 < len(spans) else ""
        owned = _MARKER.search(sentence) or _MARKER.match(tail.lstrip()) \
            or _MARKER.match(following.strip()) or _MARKER.fullmatch(sentence.strip())
        if not owned and len(tokenize(sentence)) >= 3:
            scores = [_overlap(sentence, h.chunk.text) for h in hits]
            best = max(range(len(hits)), key=scores.__getitem__)
            if scores[best] >= min_overlap:
                sentence = f"{sentence} [{best + 1}]"
        out.append(sentence + tail)
    out.append(answer[pos:])
    return "".join(out)


def snippet(text: str, limit: int = 300) -> str:
    """The passage's opening, cut at a word boundary (with an ellipsis) when it is long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return (cut if len(cut) >= limit // 2 else text[:limit]) + " …"


def citations_for(answer: str, hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
    """Drop markers that point nowhere; return the cleaned answer and cited chunks in order."""
    cited: dict[int, Citation] = {}

    def keep(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(hits):
            return ""
        c = hits[n - 1].chunk
        cited.setdefault(n, Citation(
            marker=n, chunk_id=c.id, doc_id=c.doc_id, source=c.source, title=c.title,
            section=c.section, start=c.start, end=c.end, snippet=snippet(c.text)))
        return m.group(0)

    cleaned = _MARKER.sub(keep, answer)
    cleaned = re.sub(r"[ \t]+([.,;])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return cleaned, tuple(cited[k] for k in sorted(cited))
