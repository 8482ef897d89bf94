#!/usr/bin/env bash
# Fresh machine → green test run: the few Debian libraries Qt needs, a .venv (Python 3.11)
# with the project and its test extras (pinned; torch==2.13.0 is the CPU build), then pytest.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k poster`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
export QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE
exec .venv/bin/python -m pytest "$@"
