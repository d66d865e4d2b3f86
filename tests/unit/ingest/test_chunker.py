from ragworks.ingest.chunker import chunk_document, count_tokens
from ragworks.ingest.loaders import parse

DOC = b"""# Guide

## Part one

""" + b" ".join(b"Sentence number %d talks about topic alpha." % i for i in range(40)) + b"""

## Part two

Short closing words here.
"""


def chunks(budget: int = 60, overlap: int = 15):  # type: ignore[no-untyped-def]
    parsed = parse(DOC, "g.md", "text/markdown")
    return parsed, chunk_document(parsed, doc_id="d", tenant="t", collection="c",
                                  source="g.md", budget=budget, overlap=overlap)


def test_chunks_are_exact_spans_within_budget() -> None:
    parsed, out = chunks()
    for c in out:
        assert parsed.text[c.start:c.end] == c.text
        assert count_tokens(c.text) <= 60
    assert [c.ordinal for c in out] == list(range(len(out)))


def test_sections_never_mix_and_keep_their_path() -> None:
    _, out = chunks()
    assert out[-1].section == "Guide > Part two" and out[-1].text == "Short closing words here."
    assert all(c.section == "Guide > Part one" for c in out[:-1])


def test_overlap_between_neighbours_in_a_section() -> None:
    _, out = chunks()
    part_one = [c for c in out if c.section.endswith("one")]
    assert len(part_one) > 2
    for a, b in zip(part_one, part_one[1:], strict=False):
        assert b.start < a.end  # overlapping spans
        assert a.end - b.start <= 15 * 8  # at most ~overlap tokens of text


def test_ids_are_content_hashes() -> None:
    _, first = chunks()
    _, second = chunks()
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_giant_sentence_is_cut_into_windows() -> None:
    text = ("word " * 1000).encode()
    parsed = parse(text, "w.txt", "text/plain")
    out = chunk_document(parsed, doc_id="d", tenant="t", collection="c", source="w.txt",
                         budget=100, overlap=10)
    assert len(out) >= 10 and all(count_tokens(c.text) <= 100 for c in out)
