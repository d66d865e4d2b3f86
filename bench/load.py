"""Load: many concurrent clients against /api/v1/query (extractive), with /healthz probed
throughout.

    .venv/bin/python bench/load.py [--clients 50,500] [--seconds 60]

Each client asks sample questions in a loop over its own connection for ``--seconds``.
Printed per client count: answered requests per second, p50/p95/p99 of answered requests,
status counts (429/503 are load shedding, with Retry-After; any other 5xx is a failure),
the worst /healthz and /readyz latencies seen by a probe (each every 0.2 s) with the
readiness answers (503: too busy to check), and the server's peak RSS (it runs
as its own process: ``ragworks serve --samples``). The baseline, on the same server, is
one client.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = ["How many vacation days do I get?", "How long is a guest Wi-Fi code valid?",
             "What does error E102 mean?", "How often should I descale the kettle?",
             "When do carried-over days expire?"]
KEY = "rw_bench_key"


def probe(url: str, seconds: float, out: Any) -> None:
    """GET /healthz and /readyz in turn every 0.2 s for ``seconds``; puts their latencies
    (ms) and the readiness answers on ``out``."""
    stop = time.monotonic() + seconds
    found: dict[str, list[float]] = {"/healthz": [], "/readyz": []}
    ready: Counter[int] = Counter()
    with httpx.Client(base_url=url, timeout=30) as h:
        while time.monotonic() < stop:
            for path, seen in found.items():
                t0 = time.perf_counter()
                try:
                    code = h.get(path).status_code
                    seen.append((time.perf_counter() - t0) * 1000)
                except httpx.HTTPError:
                    code = 599
                    seen.append(30_000.0)
                if path == "/readyz":
                    ready[code] += 1
                time.sleep(0.1)
    out.put((found["/healthz"], found["/readyz"], dict(ready)))


def run(url: str, clients: int, seconds: float) -> dict:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    retry_after_missing = 0
    lock = threading.Lock()

    def client(n: int) -> None:
        nonlocal retry_after_missing
        with httpx.Client(base_url=url, timeout=120,
                          headers={"Authorization": f"Bearer {KEY}"}) as c:
            i = n
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    r = c.post("/api/v1/query", json={"question": QUESTIONS[i % 5]})
                    code = r.status_code
                    missing = code in (429, 503) and "retry-after" not in r.headers
                except httpx.HTTPError:
                    code, missing = 599, False
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    codes[code] += 1
                    retry_after_missing += missing
                    if code == 200:
                        latencies.append(dt)
                if code in (429, 503):
                    time.sleep(float(r.headers.get("retry-after", "1")) * 0.2)
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    # the probe is its own process: hundreds of client threads here must not delay its clock
    ctx = mp.get_context("spawn")
    found = ctx.Queue()
    prober = ctx.Process(target=probe, args=(url, seconds, found))
    prober.start()
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    health, readiness, ready_codes = found.get(timeout=120)
    prober.join()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0.0] * 99
    return {"clients": clients, "answered_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1),
            "status": dict(sorted(codes.items())),
            "failures_5xx": sum(v for k, v in codes.items() if 500 <= k < 599 and k != 503),
            "client_side_errors": codes.get(599, 0),
            "shed_without_retry_after": retry_after_missing,
            "healthz_max_ms": round(max(health, default=0.0), 1),
            "readyz_max_ms": round(max(readiness, default=0.0), 1), "readyz": ready_codes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="50,500")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    import os
    import subprocess

    import psutil

    from ragworks.threadserver import free_port

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAGWORKS_DATA_DIR": tmp, "RAGWORKS_LLM": "extractive",
               "RAGWORKS_BOOTSTRAP_API_KEY": KEY, "RAGWORKS_ENV": "test",
               "RAGWORKS_RATE_LIMIT_PER_MINUTE": "0", "RAGWORKS_ALERT_INTERVAL_S": "0"}
        server = subprocess.Popen([sys.executable, "-m", "ragworks.cli", "serve", "--samples",
                                   "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not come up")
                time.sleep(0.5)
            proc = psutil.Process(server.pid)
            peak = [0]
            done = threading.Event()

            def watch() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], proc.memory_info().rss)
                    time.sleep(0.5)

            threading.Thread(target=watch, daemon=True).start()
            rounds = [("baseline", 1, min(args.seconds, 15))]
            rounds += [("load", int(n), args.seconds) for n in args.clients.split(",")]
            for name, n, secs in rounds:
                result = run(url, n, secs)
                result["server_peak_rss_mb"] = peak[0] // (1024 * 1024)
                print(json.dumps({"round": name, **result}), flush=True)
            done.set()
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
