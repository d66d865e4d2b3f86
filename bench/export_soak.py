"""Every answer of a long-running server reaches Langfuse and the OTLP collector.

    .venv/bin/python bench/export_soak.py [--answers 100] [--minutes 5] [--kill-at 50]

Starts ``ragworks serve`` (extractive answerer, sample corpus) in its own process with
both exporters pointed at a loopback receiver in this process, asks ``--answers``
questions spread over ``--minutes`` with random idle gaps (0.1 s to twice the mean gap),
kills the export child with SIGKILL after answer ``--kill-at`` (0: never), and prints how
many answers each backend received, what /metrics says (sent, lost, restarts) and how
long the restart took.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ragworks.observe.receiver import Receiver  # noqa: E402

KEY = "rw_soak_bench_key_0123456789abcdef"
QUESTIONS = ["How long is a guest Wi-Fi code valid?", "What does error E102 mean?",
             "Summarize the travel policy", "How long is the warranty?"]


def _metric(text: str, name: str, exporter: str) -> float:
    for line in text.splitlines():
        if line.startswith(f'{name}{{exporter="{exporter}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--kill-at", type=int, default=50)
    ap.add_argument("--port", type=int, default=3931)
    args = ap.parse_args()
    mean_gap = args.minutes * 60 / args.answers
    rng = random.Random(7)
    with Receiver() as rx, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAGWORKS_DATA_DIR": tmp, "RAGWORKS_LLM": "extractive",
               "RAGWORKS_ENV": "test", "RAGWORKS_BOOTSTRAP_API_KEY": KEY,
               "LANGFUSE_PUBLIC_KEY": "pk-lf-soak", "LANGFUSE_SECRET_KEY": "sk-lf-soak",
               "LANGFUSE_HOST": rx.url, "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url}
        exe = Path(sys.executable).parent / "ragworks"
        server = subprocess.Popen([str(exe), "serve", "--samples",
                                   "--host", "127.0.0.1", "--port", str(args.port)],
                                  env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        os.environ["RAGWORKS_SOAK_SERVER"] = str(server.pid)
        url = f"http://127.0.0.1:{args.port}"
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"},
                              timeout=120)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            ids: list[str] = []
            restart_s = float("nan")
            started = time.monotonic()
            for n in range(args.answers):
                r = client.post("/api/v1/query", json={"question": QUESTIONS[n % 4]})
                r.raise_for_status()
                ids.append(r.json()["trace_id"])
                if n + 1 == args.kill_at:
                    restart_s = _kill_export_child(client)
                time.sleep(rng.uniform(0.1, 2 * mean_gap))
                if (n + 1) % 10 == 0:
                    print(f"  {n + 1}/{args.answers} answers, "
                          f"{time.monotonic() - started:.0f} s", flush=True)

            def got(path: str) -> set[str]:
                import base64

                return {base64.b64decode(s["traceId"]).hex() for s in rx.spans
                        if s["path"] == path and s["name"] == "query"}

            rx.wait_for(lambda r: set(ids) <= got("/api/public/otel/v1/traces")
                        and set(ids) <= got("/v1/traces"), timeout_s=120)
            metrics = client.get("/metrics").text
            lf, ot = got("/api/public/otel/v1/traces"), got("/v1/traces")
            print(json.dumps({
                "answers": len(ids), "seconds": round(time.monotonic() - started),
                "langfuse_received": len(set(ids) & lf), "otlp_received": len(set(ids) & ot),
                "restart_s": round(restart_s, 2),
                **{f"{m}_{e}": _metric(metrics, f"ragworks_export_{m}", e)
                   for m in ("sent", "lost", "restarts", "dropped") for e in ("langfuse",)},
                "readyz_export": client.get("/readyz").json()["checks"].get("export"),
            }, indent=1))
        finally:
            client.close()
            server.send_signal(signal.SIGTERM)
            server.wait(60)


def _kill_export_child(client: httpx.Client) -> float:
    """Kill the server's export child and time until a new one runs and /readyz says so."""
    before = _children_named("export")
    if not before:
        print("  no export child found to kill")
        return float("nan")
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    t = time.monotonic()
    while time.monotonic() - t < 30:
        now = set(_children_named("export")) - set(before)
        if now and "restarted" in str(client.get("/readyz").json()["checks"].get("export")):
            return time.monotonic() - t
        time.sleep(0.05)
    return float("nan")


def _children_named(marker: str) -> list[int]:
    """The soak server's export child: its descendant (through the fork server) that runs
    at the export child's niceness (the sandbox's parse workers are descendants too)."""
    from ragworks.observe.export_process import EXPORT_NICE

    out = []
    server = os.environ.get("RAGWORKS_SOAK_SERVER", "")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[16]) == EXPORT_NICE and _ancestor(entry, server):
            out.append(int(entry.name))
    return out


def _ancestor(entry: Path, server: str) -> bool:
    """Whether the soak server started this process (through the fork server)."""
    pid = entry.name
    for _ in range(5):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = stat.rsplit(")", 1)[1].split()[1]
        if pid == server:
            return True
    return False


if __name__ == "__main__":
    main()
