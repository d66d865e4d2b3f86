#!/usr/bin/env bash
# Each peer framework in its own virtualenv from its lock (.venv-peers/NAME), never in the
# app's .venv. Idempotent: a venv whose lock has not changed is kept.
#   bash bench/peers/setup.sh [llamaindex langchain haystack]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
for name in "${@:-llamaindex langchain haystack}"; do
  for peer in $name; do
    lock=bench/peers/$peer.lock
    venv=.venv-peers/$peer
    stamp=$venv/.installed-$(sha256sum "$lock" | cut -c1-16)
    [ -f "$stamp" ] && continue
    echo "setting up $venv from $lock ..." >&2
    rm -rf "$venv"
    "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip -qq --disable-pip-version-check install --no-deps -r "$lock"
    touch "$stamp"
  done
done
