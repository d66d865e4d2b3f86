"""ragworks against LlamaIndex, LangChain and Haystack on the same chunks and vectors.

    make bench-peers                     # both steps below
    bash bench/peers/setup.sh            # once: each peer in its own locked virtualenv
    .venv/bin/python bench/peers/run.py [--sizes real,2000,100000] [--rounds 5]

1. The real documentation set (``evals/realdocs/corpus``, 19 documents that ship on this
   kind of machine) is ingested by ragworks; its chunks, their vectors (MiniLM, as
   ragworks embeds them) and the set's answerable questions with their vectors are
   written to a dump.
2. For each size, one process per system (``bench/peers/peer.py``; the peers in
   ``.venv-peers/NAME``, ragworks in ``.venv``) builds its in-memory store from the same
   chunks and vectors (past the real set's size, the chunks repeat with jittered vectors)
   and reports build time and memory.
3. Rounds are interleaved: in each round every system answers every question from its
   precomputed vector, one system after the other, so load on the machine falls on all
   of them alike. Printed per size: p50/p95 per query, the ratio of each peer's p50 to
   ragworks', the time to build the store from the embedded chunks (ingestion without
   parsing and embedding, which all would share), the process's resident memory with the
   store built, and (at the real size) hit@5 and MRR@10 of the gold source. ragworks runs
   its hybrid retrieval (BM25 + dense, fused); the peers their default in-memory vector
   search.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SYSTEMS = ("ragworks", "llamaindex", "langchain", "haystack")


def python_of(system: str) -> Path:
    return ROOT / (".venv" if system == "ragworks" else f".venv-peers/{system}") / "bin/python"


def export(dump: Path) -> int:
    """Ingest the real set with ragworks and write chunks, vectors and questions."""
    sys.path.insert(0, str(ROOT))
    from ragworks.evaluate.answers import load_labelled
    from ragworks.services import Services
    from ragworks.settings import Settings

    svc = Services(Settings(data_dir=dump / "data", llm="extractive"))
    for f in sorted((ROOT / "evals/realdocs/corpus").iterdir()):
        svc.ingestor.ingest(f.read_bytes(), f.name, "default")
    conn = svc.index._conn()  # type: ignore[attr-defined]
    rows = conn.execute("SELECT id, source, title, section, text, vector FROM chunks "
                        "ORDER BY rowid").fetchall()
    with (dump / "chunks.jsonl").open("w") as out:
        for cid, source, title, section, text, _ in rows:
            out.write(json.dumps({"id": cid, "source": source, "title": title,
                                  "section": section, "text": text}) + "\n")
    np.save(dump / "chunk_vectors.npy",
            np.asarray([np.frombuffer(r[5], dtype=np.float32) for r in rows]))
    items = [i for i in load_labelled(ROOT / "evals/realdocs/questions.jsonl")
             if i.relevant_sources]
    with (dump / "queries.jsonl").open("w") as out:
        for item in items:
            out.write(json.dumps({"question": item.question,
                                  "relevant": list(item.relevant_sources)}) + "\n")
    np.save(dump / "query_vectors.npy", svc.embedder.embed([i.question for i in items]))
    svc.close()
    return len(rows)


def quality(ranked: list[list[str]], queries: list[dict[str, Any]]) -> tuple[float, float]:
    """hit@5 and MRR@10 of the gold source over the ranked sources (repeats dropped)."""
    hits, rr = 0, 0.0
    for got, q in zip(ranked, queries, strict=True):
        sources = list(dict.fromkeys(got))
        gold = set(q["relevant"])
        hits += any(s in gold for s in sources[:5])
        rank = next((r for r, s in enumerate(sources[:10], 1) if s in gold), None)
        rr += 1 / rank if rank else 0.0
    return hits / len(queries), rr / len(queries)


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def measure(dump: Path, n: int, rounds: int, systems: list[str], queries_max: int) -> None:
    queries = [json.loads(x) for x in (dump / "queries.jsonl").read_text().splitlines()]
    if queries_max:
        queries = queries[:queries_max]
    procs, ready = {}, {}
    for name in systems:  # built one after the other: each build has the machine alone
        procs[name] = subprocess.Popen(
            [str(python_of(name)), str(HERE / "peer.py"), name, str(dump), str(n),
             str(queries_max)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        ready[name] = json.loads(procs[name].stdout.readline())  # type: ignore[union-attr]
    times: dict[str, list[float]] = {name: [] for name in systems}
    ranked: dict[str, list[list[str]]] = {}
    for r in range(rounds):
        order = systems[r % len(systems):] + systems[:r % len(systems)]  # rotate who starts
        for name in order:
            proc = procs[name]
            proc.stdin.write(json.dumps({"round": r}) + "\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            got = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            if r > 0:  # the first round warms caches
                times[name] += got["ms"]
            ranked[name] = got["ranked"]
    for proc in procs.values():
        proc.communicate(json.dumps({"stop": True}) + "\n", timeout=120)
    base = statistics.median(times["ragworks"])
    for name in systems:
        row: dict[str, Any] = {
            "chunks": n, "system": name, "queries": len(queries),
            "p50_ms": round(pct(times[name], 50), 3),
            "p95_ms": round(pct(times[name], 95), 3),
            "p50_vs_ragworks": round(statistics.median(times[name]) / base, 1),
            "build_s": ready[name]["build_s"],
            # the whole process once the store is built and the dump freed: the library
            # and its store (a difference would count the dump one side frees and the
            # other copies)
            "rss_mb": ready[name]["rss_mb"]}
        if n <= len((dump / "chunks.jsonl").read_text().splitlines()):
            row["hit@5"], row["mrr@10"] = (round(x, 3) for x in quality(ranked[name], queries))
        print(json.dumps(row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="real,2000,100000",
                    help="store sizes: 'real' (the real set's chunks) and/or numbers")
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds; the first warms up and is not counted")
    ap.add_argument("--large-queries", type=int, default=40,
                    help="questions per round for stores over 10,000 chunks (the peers "
                    "take up to a second a question there)")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    args = ap.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    missing = [s for s in systems if not python_of(s).exists()]
    if missing:
        raise SystemExit(f"no virtualenv for {', '.join(missing)}: bash bench/peers/setup.sh")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp)
        real = export(dump)
        print(json.dumps({"dump": {"chunks": real, "questions": len(
            (dump / "queries.jsonl").read_text().splitlines())}}), flush=True)
        for size in args.sizes.split(","):
            n = real if size == "real" else int(size)
            measure(dump, n, args.rounds, systems, args.large_queries if n > 10_000 else 0)


if __name__ == "__main__":
    main()
