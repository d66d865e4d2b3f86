"""Benchmarks that print figures, each against a baseline measured in the same process.

    .venv/bin/python bench/run_all.py [--skip-model] [--sizes 10000,100000,1000000]

1. ingestion: end-to-end Ingestor vs the raw embedder on the same chunk texts
2. retrieval: hybrid search p50/p95 at 10k, 100k and 1M chunks (query vector
   precomputed, so the model is excluded), dense recall@10 against exact float32 search,
   vs a bare numpy dot product; resident memory
3. HTTP: /api/v1/query throughput with the extractive answerer vs /healthz
4. local models: time to first token and tokens/s (SmolLM2 via transformers; the demo's
   Qwen2.5 1.5B via llama.cpp at 1 and 2 threads)
6. quality: answers per answerer, the grounding detector, sentence segmenters and
   retrieval on the real set (bench/answer_quality.py, grounding.py, segmenters.py,
   retrieval_real.py)
5. dashboard: the admin data endpoints over HTTP with a million traces (and their
   rollups) in the store, vs /healthz
"""

from __future__ import annotations

import argparse
import http.client
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ragworks.models import Chunk, Scope  # noqa: E402
from ragworks.settings import Settings  # noqa: E402

CORPUS = ROOT / "ragworks" / "samples" / "corpus"


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _larger_docs() -> list[tuple[str, bytes]]:
    """40 markdown files of ~25 sections each, stitched from the sample corpus's text."""
    paras = [p for f in sorted(CORPUS.glob("*.md")) for p in f.read_text().split("\n\n")
             if p and not p.startswith("#")]
    rng = random.Random(3)
    docs = []
    for i in range(40):
        body = [f"# Handbook part {i}"]
        for j in range(25):
            body += [f"## Section {j}", " ".join(rng.sample(paras, 3))]
        docs.append((f"handbook-{i}.md", "\n\n".join(body).encode()))
    return docs


def bench_ingestion(tmp: Path) -> None:
    from ragworks.services import Services

    sets = {"sample corpus (52 small files)": [(f.name, f.read_bytes())
                                              for f in sorted(CORPUS.iterdir())],
            "40 larger markdown files": _larger_docs()}
    for n, (label, files) in enumerate(sets.items()):
        svc = Services(Settings(data_dir=tmp / f"ingest{n}", llm="extractive", env="test"))
        svc.embedder.embed(["warm up"])
        svc.ingestor.ingest(b"# Warm up\n\nStarts the parser workers.\n", "w.md", "warm")
        t0 = time.perf_counter()
        results: list = []
        svc.ingestor.ingest_many([(name, lambda d=data: d) for name, data in files],
                                 "default", on_result=lambda name, r, out=results: out.append(r))
        e2e = time.perf_counter() - t0
        total = sum(r.document.chunk_count for r in results)
        texts = [c.embed_text for d in svc.records.list_documents("default", limit=1000)
                 for c in svc.index.chunks_of("default", d.id)]
        t0 = time.perf_counter()
        svc.embedder.embed(texts)
        raw = time.perf_counter() - t0
        print(f"ingestion, {label}: {total} chunks; end-to-end {total / e2e:.1f} chunks/s, "
              f"raw embedder on the same texts {len(texts) / raw:.1f} chunks/s, "
              f"ratio {raw / e2e:.2f} (target >= 0.8)")
        svc.close()


def synthetic_vectors(n: int, dim: int, seed: int = 1) -> np.ndarray:
    """Unit vectors in groups of about 50 near neighbours (cosine to the nearest about 0.4),
    as embeddings of passages on shared topics are; uniform random vectors would have no
    neighbours worth finding. The groups' centres are the same for every seed."""
    centres = np.random.default_rng(0).standard_normal((max(n // 50, 100), dim))
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for i in range(0, n, 50_000):
        m = min(50_000, n - i)
        v = centres[rng.integers(0, len(centres), m)] + 1.5 * rng.standard_normal((m, dim))
        out[i:i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def synthetic_chunks(start: int, stop: int, seed: int = 1) -> list[Chunk]:
    rng = random.Random(seed * 1_000_003 + start)
    words = [f"w{i}" for i in range(20000)]
    return [Chunk(id=f"c{i}", doc_id=f"d{i // 10}", tenant="t" if i % 5 else "u",
                  collection="c", source=f"s{i // 10}.md", title="", section="",
                  text=" ".join(rng.choices(words, k=120)), start=0, end=1, ordinal=i % 10)
            for i in range(start, stop)]


def _build_index(path: str, n: int) -> None:
    from ragworks.index.local import LocalChunkIndex

    vecs = synthetic_vectors(n, 384)
    index = LocalChunkIndex(path, dim=384)
    t0 = time.perf_counter()
    for i in range(0, n, 5000):
        index.add(synthetic_chunks(i, min(i + 5000, n)), vecs[i:i + 5000])
        if i % 100_000 == 0:
            print(f"  building {n} chunks: {i} stored", flush=True)
    print(f"  built {n} chunks in {time.perf_counter() - t0:.0f} s", flush=True)
    index.close()


def _serve_index(path: str, n: int) -> None:
    """A fresh process, as after a restart: load the embedder and the index, then search.
    Memory is read before the exact vectors for recall are made in this process."""
    from ragworks.embed import make_embedder
    from ragworks.index.local import LocalChunkIndex

    embedder = make_embedder("minilm")
    embedder.embed(["warm up"])
    t0 = time.perf_counter()
    index = LocalChunkIndex(path, dim=384)
    load = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    query_vecs = synthetic_vectors(120, 384, seed=2)
    texts = [" ".join(f"w{int(x)}" for x in rng.integers(0, 20000, 6)) for _ in range(120)]
    scope = Scope(tenant="t")
    index.search(texts[0], query_vecs[0], scope, 30)  # builds the BM25 matrix once
    times, dense_ids = [], []
    for text, vec in zip(texts[20:], query_vecs[20:], strict=True):
        t = time.perf_counter()
        hits = index.search(text, vec, scope, 30)
        times.append((time.perf_counter() - t) * 1000)
        dense_ids.append([h.chunk.id for h in sorted(
            (h for h in hits if h.dense_rank), key=lambda h: h.dense_rank or 0)][:10])
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                  .splitlines() if line.startswith(("VmRSS", "VmHWM")))
    codes = index._dense.nbytes() / 1e6
    # exact float32 search over the same vectors: the recall reference and the baseline
    vecs = synthetic_vectors(n, 384)
    in_scope = np.array([i % 5 != 0 for i in range(n)])
    base, found = [], 0
    for vec, got in zip(query_vecs[20:], dense_ids, strict=True):
        t = time.perf_counter()
        scores = vecs @ vec
        scores[~in_scope] = -np.inf
        top = np.argpartition(-scores, 10)[:10]
        base.append((time.perf_counter() - t) * 1000)
        found += len({f"c{i}" for i in top} & set(got))
    print(f"retrieval @ {n} chunks: hybrid p50 {pct(times, 50):.1f} ms, p95 "
          f"{pct(times, 95):.1f} ms (target p95 <= 10 ms at 100k, <= 25 ms at 1M); dense "
          f"recall@10 against exact float32 search {found / (10 * len(dense_ids)):.3f} "
          f"(target >= 0.99); numpy float32 dense-only baseline p50 {pct(base, 50):.1f} ms; "
          f"index load {load:.1f} s; dense codes {codes:.0f} MB; process with embedder and "
          f"index: RSS {status['VmRSS'].strip()}, peak {status['VmHWM'].strip()} "
          f"(target <= 600 MB at 100k)", flush=True)


def bench_retrieval(tmp: Path, sizes: list[int]) -> None:
    import subprocess

    for n in sizes:
        path = str(tmp / f"idx{n}")
        for step in ("_build_index", "_serve_index"):
            subprocess.run([sys.executable, __file__, "--step", step, path, str(n)], check=True)


def _http_server(path: str, port: int) -> None:
    """The server of ``bench_http``, in a process of its own as in production. Beside the
    app it answers ``POST /floor``: the same use case behind no middleware, no routing and
    no key check, one hop to a worker thread and back, which is what any asyncio server
    that keeps the event loop free must pay."""
    import json

    import anyio
    import uvicorn
    from starlette.types import Receive, Send

    from ragworks import usecases
    from ragworks.api.app import create_app
    from ragworks.api.schemas import QueryResponse
    from ragworks.usecases.answering import Asking

    app = create_app(Settings(data_dir=Path(path), llm="extractive", env="test",
                              bootstrap_api_key="rw_bench_key", rate_limit_per_minute=0))
    svc = app.state.services

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/floor":
            await app(scope, receive, send)
            return
        question = json.loads((await receive())["body"])["question"]

        def answered() -> bytes:
            answer = usecases.answer(svc, question, Asking(tenant="default"))
            return QueryResponse.of(answer, False).model_dump_json().encode()

        body = await anyio.to_thread.run_sync(answered)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(served, host="127.0.0.1", port=port, log_level="error")


def _wait_ready(conn: http.client.HTTPConnection, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.request("GET", "/readyz")
            ready = conn.getresponse()
            ready.read()
            if ready.status == 200:
                return
        except OSError:
            conn.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not start in {timeout_s:g} s")
        time.sleep(0.5)


def bench_http(tmp: Path, rounds: int = 200) -> None:
    """The same questions four ways, interleaved: ``pipeline.run`` and the use case
    (configuration and trace around the pipeline) in this process, and POST /api/v1/query
    and POST /floor (see ``_http_server``) to a server in its own process on the same data,
    over loopback (one keep-alive connection, the standard library's client: a heavier
    client would be timed as the server). A pause
    after each request lets the server write its trace behind the answer, as it does between
    a user's questions."""
    import json
    import subprocess

    from ragworks import usecases
    from ragworks.models import Scope as _Scope
    from ragworks.services import Services
    from ragworks.usecases.answering import Asking

    data = tmp / "http"
    svc = Services(Settings(data_dir=data, llm="extractive", env="test"))
    for f in sorted(CORPUS.iterdir()):
        svc.ingestor.ingest(f.read_bytes(), f.name, "default")
    port = 3917
    server = subprocess.Popen([sys.executable, __file__, "--step", "_http_server", str(data),
                               str(port)])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": "Bearer rw_bench_key", "Content-Type": "application/json"}

    def post(question: str, path: str = "/api/v1/query") -> None:
        conn.request("POST", path, json.dumps({"question": question}), headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"the server answered {response.status}")

    try:
        _wait_ready(conn)
        questions = ["How long is a guest Wi-Fi code valid?", "What does error E102 mean?",
                     "Summarize the travel policy",
                     "Compare the R1 Scout and the R2 Hauler battery life"]
        pipeline = svc.pipeline_for({})
        ways: dict[str, list[float]] = {"pipeline.run": [], "use case": [], "HTTP": [],
                                        "HTTP floor": []}
        names = list(ways)
        for i in range(rounds + 20):  # 20 warm-up rounds
            q = questions[i % 4]
            # the order turns each round: a way that runs right after another answered the
            # same question finds the caches warm (the floor after HTTP in the same server,
            # the use case after pipeline.run in this process)
            for way in names[i % len(names):] + names[:i % len(names)]:
                t = time.perf_counter()
                if way == "pipeline.run":
                    pipeline.run(q, _Scope(tenant="default"))
                elif way == "use case":
                    usecases.answer(svc, q, Asking(tenant="default"))
                elif way == "HTTP":
                    post(q)
                else:
                    post(q, "/floor")
                if i >= 20:
                    ways[way].append((time.perf_counter() - t) * 1000)
                svc.traces.flush()  # this process's trace: not timed in the next way
                time.sleep(0.005)
        health = []
        for _ in range(rounds):
            t = time.perf_counter()
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            health.append((time.perf_counter() - t) * 1000)
    finally:
        server.terminate()
        server.wait(30)
        svc.close()
    base = pct(ways["pipeline.run"], 50)
    for way, lat in ways.items():
        print(f"query, {way}: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, "
              f"{pct(lat, 50) / base:.2f}x pipeline.run p50"
              + (" (target <= 1.3x)" if way == "HTTP" else "")
              + (" (no middleware, routing or key check: one thread hop and the socket)"
                 if way == "HTTP floor" else ""))
    print(f"http /healthz (the web stack's floor): p50 {pct(health, 50):.2f} ms")


def bench_dashboard(tmp: Path, traces: int = 1_000_000, calls: int = 40) -> None:
    import uvicorn

    from ragworks.api.app import create_app
    from ragworks.dashboard.seed import seed_bulk

    settings = Settings(data_dir=tmp / "dash", llm="extractive", env="test",
                        bootstrap_api_key="rw_bench_key", alert_interval_s=0)
    app = create_app(settings)
    svc = app.state.services
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done: int) -> None:
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  seeding: {done:,} / {traces:,} traces", flush=True)

    seed_bulk(svc.traces, "default", traces, 30, time.time(), progress=progress)
    rows = svc.traces._conn().execute("SELECT COUNT(*) FROM traces").fetchone()[0]
    minute_rows = svc.traces._conn().execute("SELECT COUNT(*) FROM rollups").fetchone()[0]
    size = (tmp / "dash" / "ragworks.db").stat().st_size / 1e6 if (
        tmp / "dash" / "ragworks.db").exists() else 0
    print(f"dashboard: {rows:,} traces over 30 days, {minute_rows:,} minute rollup rows, "
          f"seeded in {time.perf_counter() - t0:.0f} s ({size:.0f} MB)")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=3918, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    paths = ["/healthz", "/api/v1/dashboard/tiles", "/api/v1/dashboard/series?range=1h",
             "/api/v1/dashboard/series?range=24h", "/api/v1/dashboard/series?range=7d",
             "/api/v1/dashboard/series?range=30d", "/api/v1/dashboard/drift",
             "/api/v1/dashboard/timeline", "/api/v1/dashboard/feedback", "/api/v1/alerts",
             "/api/v1/traces?limit=50"]
    with httpx.Client(base_url="http://127.0.0.1:3918", timeout=60,
                      headers={"Authorization": "Bearer rw_bench_key"}) as c:
        for path in paths:
            c.get(path).raise_for_status()  # warm
            lat = []
            for _ in range(calls):
                t = time.perf_counter()
                c.get(path).raise_for_status()
                lat.append((time.perf_counter() - t) * 1000)
            verdict = "" if path == "/healthz" else (
                "  ok" if pct(lat, 95) <= 300 else "  OVER the 300 ms target")
            print(f"  {path}: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms{verdict}")
    server.should_exit = True


def bench_export(tmp: Path, n: int = 400, rounds: int = 3) -> None:
    """p50/p99 of the query path (pipeline + trace store + export hand-off) per export mode.

    The receiver runs in its own low-priority process and decodes nothing: it stands in
    for a backend on other machines. The exporters run in their own process (nice 10).
    """
    import subprocess

    from ragworks.observe.export_process import ExportProcess
    from ragworks.observe.tracer import Tracer
    from ragworks.services import Services

    svc = Services(Settings(data_dir=tmp / "export", llm="extractive", env="test"))
    for f in sorted(CORPUS.iterdir()):
        svc.ingestor.ingest(f.read_bytes(), f.name, "default")
    questions = ["What does error E102 mean?", "How long is a guest Wi-Fi code valid?",
                 "Summarize the travel policy", "Compare the R1 Scout and the R2 Hauler"]
    port = 3990
    url = f"http://127.0.0.1:{port}"
    rx = subprocess.Popen([sys.executable, "-m", "ragworks.observe.receiver", str(port),
                           "--sink"])
    try:
        for _ in range(100):
            try:
                httpx.post(f"{url}/_mode/ok")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        results: dict[str, list[float]] = {}
        for mode in [m for _ in range(rounds) for m in ("off", "healthy", "fail", "hang")]:
            export = None if mode == "off" else ExportProcess([
                ("langfuse", {"public_key": "pk-bench", "secret_key": "sk-bench", "host": url,
                              "timeout_s": 2}),
                ("otlp", {"endpoint": url, "timeout_s": 2.0})], 1000)
            tracer = Tracer(svc.traces, export)
            httpx.post(f"{url}/_mode/{'ok' if mode in ('off', 'healthy') else mode}")
            times = []
            for i in range(n):
                t = time.perf_counter()
                rec = tracer.start("query", "default")
                svc.pipeline.run(questions[i % 4], Scope(tenant="default"), trace=rec)
                tracer.finish(rec)
                times.append((time.perf_counter() - t) * 1000)
            results.setdefault(mode, []).extend(times[20:])
            time.sleep(1)  # the child publishes its counters twice a second
            during = tracer.stats()
            httpx.post(f"{url}/_mode/ok")  # the backend recovers: the backlog drains
            t = time.perf_counter()
            drained = tracer.flush(120)
            drain_s = time.perf_counter() - t
            time.sleep(1)
            after = tracer.stats()
            tracer.shutdown(2)
            print(f"  export {mode:>7} round: p50 {pct(times, 50):.1f} ms, p99 "
                  f"{pct(times, 99):.1f} ms; at the end of the load {during}; backlog "
                  f"{'drained' if drained else 'NOT drained'} in {drain_s:.1f} s: {after}")
        for mode, times in results.items():  # all rounds pooled
            print(f"export {mode:>7}: p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms "
                  f"(p99 vs off {pct(times, 99) / pct(results['off'], 99):.2f}x, "
                  f"target <= 1.10) over {len(times)} queries")
    finally:
        rx.kill()


def bench_model() -> None:
    from ragworks.generate import Usage
    from ragworks.generate.local_hf import LocalChatModel

    chat = LocalChatModel(threads=1)
    t0 = time.perf_counter()
    chat.load()
    load = time.perf_counter() - t0
    messages = [{"role": "system", "content": "Answer briefly from the context."},
                {"role": "user", "content": "Context:\n[1] " + ("The dock needs a 230 volt "
                 "socket and one metre of space. " * 12) + "\nQuestion: What socket?"}]
    ttft, rates = [], []
    for _ in range(3):
        usage = Usage()
        t = time.perf_counter()
        text = "".join(chat.stream(messages, max_tokens=64, usage=usage))
        dt = time.perf_counter() - t
        ttft.append(usage.first_token_ms or 0.0)
        rates.append(usage.output_tokens / dt)
    print(f"local model (SmolLM2-135M, 1 thread): load {load:.1f} s, prompt "
          f"{usage.input_tokens} tokens, time to first token median "
          f"{statistics.median(ttft):.0f} ms, {statistics.median(rates):.1f} tokens/s "
          f"(last answer: {text[:60]!r})")


def bench_llama() -> None:
    """The demo's model through llama.cpp, at 1 and 2 threads (the same prompt as SmolLM2's)."""
    from ragworks.generate import Usage
    from ragworks.generate.local_llama import LlamaChatModel

    messages = [{"role": "system", "content": "Answer briefly from the context."},
                {"role": "user", "content": "Context:\n[1] " + ("The dock needs a 230 volt "
                 "socket and one metre of space. " * 12) + "\nQuestion: What socket?"}]
    for threads in (1, 2):
        chat = LlamaChatModel("qwen2.5-1.5b", Settings().model_dir, threads=threads)
        t0 = time.perf_counter()
        chat.load()
        load = time.perf_counter() - t0
        ttft, rates = [], []
        for _ in range(3):
            usage = Usage()
            t = time.perf_counter()
            text = "".join(chat.stream(messages, max_tokens=64, usage=usage))
            dt = time.perf_counter() - t - (usage.first_token_ms or 0.0) / 1000
            ttft.append(usage.first_token_ms or 0.0)
            rates.append(usage.output_tokens / max(dt, 1e-6))
        chat.close()
        print(f"local model (Qwen2.5-Coder-1.5B, llama.cpp, {threads} thread(s)): load "
              f"{load:.1f} s, prompt {usage.input_tokens} tokens, time to first token median "
              f"{statistics.median(ttft):.0f} ms, decode {statistics.median(rates):.1f} "
              f"tokens/s (last answer: {text[:60]!r})")


def bench_engines(threads: int = 2, runs: int = 2) -> None:
    """The demo's model on both engines it could run on: llama.cpp (the GGUF as it is)
    and transformers (the same GGUF dequantised into torch), the same prompt and threads.
    The faster one serves the demo."""
    import gc

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from ragworks.generate import Usage
    from ragworks.generate.local_llama import LlamaChatModel, model_path

    messages = [{"role": "system", "content": "Answer briefly from the context."},
                {"role": "user", "content": "Context:\n[1] " + ("The dock needs a 230 volt "
                 "socket and one metre of space. " * 12) + "\nQuestion: What socket?"}]
    figures = {}
    chat = LlamaChatModel("qwen2.5-1.5b", Settings().model_dir, threads=threads)
    t0 = time.perf_counter()
    chat.load()
    load = time.perf_counter() - t0
    ttft, rates = [], []
    for _ in range(runs):
        usage = Usage()
        t = time.perf_counter()
        "".join(chat.stream(messages, max_tokens=48, usage=usage))
        dt = time.perf_counter() - t - (usage.first_token_ms or 0.0) / 1000
        ttft.append(usage.first_token_ms or 0.0)
        rates.append(usage.output_tokens / max(dt, 1e-6))
    chat.close()
    figures["llama.cpp"] = (load, statistics.median(ttft), statistics.median(rates),
                            rss_mb())
    del chat
    gc.collect()
    gguf = model_path("qwen2.5-1.5b", Settings().model_dir)
    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                 dtype=torch.float32).eval()
    load = time.perf_counter() - t0
    enc = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                  return_dict=True)
    ttft, rates = [], []
    with torch.inference_mode():
        for _ in range(runs):
            t = time.perf_counter()
            model.generate(**enc, max_new_tokens=1, do_sample=False)
            first = time.perf_counter() - t
            t = time.perf_counter()
            out = model.generate(**enc, max_new_tokens=48, do_sample=False)
            total = time.perf_counter() - t
            new = int(out.shape[1] - enc["input_ids"].shape[1])
            ttft.append(first * 1000)
            rates.append(max(new - 1, 1) / max(total - first, 1e-6))
    figures["transformers"] = (load, statistics.median(ttft), statistics.median(rates),
                               rss_mb())
    for engine, (load, first, rate, rss) in figures.items():
        print(f"Qwen2.5-Coder-1.5B on {engine}, {threads} threads: load {load:.1f} s, time to "
              f"first token {first:.0f} ms, decode {rate:.1f} tokens/s, peak RSS so far "
              f"{rss:.0f} MB")
    fast = max(figures, key=lambda e: figures[e][2])
    other = min(figures, key=lambda e: figures[e][2])
    print(f"decode: {fast} is {figures[fast][2] / figures[other][2]:.1f}x {other}")


def bench_quality() -> None:
    """Answer quality, grounding, segmenters and real-set retrieval (their own scripts)."""
    import subprocess

    for script in (["answer_quality.py"], ["grounding.py"], ["segmenters.py"],
                   ["retrieval_real.py"]):
        subprocess.run([sys.executable, str(ROOT / "bench" / script[0]), *script[1:]],
                       check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-model", action="store_true")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--traces", type=int, default=1_000_000,
                    help="traces in the store for the dashboard benchmark")
    ap.add_argument("--only", help="run one benchmark: ingestion, export, http, model, "
                    "quality, retrieval, dashboard, engines (llama.cpp vs transformers: "
                    "only by name)")
    ap.add_argument("--step", nargs=3, metavar=("FUNCTION", "PATH", "N"),
                    help="internal: run one step in this process")
    args = ap.parse_args()
    from ragworks.logs import configure

    configure(Settings(env="test"))  # warnings only: figures, not access logs
    if args.step:
        globals()[args.step[0]](args.step[1], int(args.step[2]))
        return
    steps = {"ingestion": bench_ingestion, "export": bench_export, "http": bench_http,
             "model": lambda tmp: (bench_model(), bench_llama()),
             "quality": lambda tmp: bench_quality(),
             "retrieval": lambda tmp: bench_retrieval(tmp, [int(s) for s in
                                                           args.sizes.split(",")]),
             "dashboard": lambda tmp: bench_dashboard(tmp, args.traces),
             # several minutes and 6 GB for the dequantised model: asked for by name only
             "engines": lambda tmp: bench_engines()}
    with tempfile.TemporaryDirectory() as d:
        for name, step in steps.items():
            if (args.only and name != args.only) or (name == "model" and args.skip_model) \
                    or (name == "engines" and args.only != "engines"):
                continue
            step(Path(d))


if __name__ == "__main__":
    main()
