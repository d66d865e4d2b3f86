import time

from ragworks.observe.export import masked
from ragworks.observe.mask import FAILED, Masker
from ragworks.observe.recorder import TraceRecorder
from ragworks.observe.rollups import LATENCY_BOUNDS, percentile, trace_points


def test_default_masking() -> None:
    m = Masker()
    text = ("mail jo.doe@example.co.uk, call +49 30 1234567 or (555) 123-4567, card "
            "4111 1111 1111 1111, key sk-live_abcdefghijklmnop, on 2024-05-01 pay 1,500 euros")
    out = m(text)
    for secret in ("jo.doe", "1234567", "4111", "abcdefghijklmnop"):
        assert secret not in out
    assert {"[EMAIL]", "[PHONE]", "[CARD]", "[API_KEY]"} <= set(out.replace(",", " ").split())
    assert "2024-05-01" in out and "1,500 euros" in out


def test_failing_mask_replaces_the_whole_field() -> None:
    def boom(text: str) -> str:
        raise RuntimeError("bug")

    assert Masker(extra=[boom])("my email is a@b.io") == FAILED


def test_exported_copies_are_masked_and_the_original_is_not() -> None:
    rec = TraceRecorder("query", "t")
    rec.trace.input = {"question": "reach me at a@b.io"}
    with rec.span("generate", as_type="generation") as g:
        g.input = [{"role": "user", "content": "a@b.io"}]
    out = masked(rec.trace, Masker())
    assert "a@b.io" not in str(out.input) and "a@b.io" not in str(out.observations[0].input)
    assert rec.trace.input["question"] == "reach me at a@b.io"


def test_trace_points_and_percentiles() -> None:
    rec = TraceRecorder("query", "t", variant="B")
    with rec.span("retrieve"):
        with rec.span("search"):
            pass
    with rec.span("generate", as_type="generation", model="m") as g:
        g.input_tokens, g.output_tokens, g.cost = 10, 5, 0.001
    rec.score("groundedness", 0.8)
    rec.trace.category = "factoid"
    rec.trace.end = time.time()
    series = dict(trace_points(rec.trace))
    assert series["query.requests"] == 1 and series["category.factoid"] == 1
    assert series["tokens.input.m"] == 10 and series["score.groundedness"] == 0.8
    assert "latency.stage.retrieve" in series and "latency.stage.search" not in series
    assert series["variant.B.requests"] == 1
    buckets = [0] * (len(LATENCY_BOUNDS) + 1)
    buckets[3], buckets[6] = 90, 10  # 90 under 10 ms, 10 under 100 ms
    assert percentile("latency.query", buckets, 0.5) == 10
    assert percentile("latency.query", buckets, 0.95) == 100
