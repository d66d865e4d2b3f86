#!/usr/bin/env bash
# .venv-tools: checkov (the policy scanner), whose dependencies conflict with the app's.
# Idempotent: a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv-tools/.installed-$(sha256sum requirements-tools.lock | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
echo "setting up .venv-tools (checkov) ..." >&2
[ -d .venv-tools ] || "$PY" -m venv .venv-tools
.venv-tools/bin/python -m pip -qq --disable-pip-version-check install --no-deps \
  -r requirements-tools.lock 2> >(grep -v "^WARNING: Location" >&2)
.venv-tools/bin/checkov --version >/dev/null
rm -f .venv-tools/.installed-*
touch "$stamp"
