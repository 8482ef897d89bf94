#!/usr/bin/env bash
# Fresh machine → green test run: creates .venv (Python 3.11), installs the project with its
# test extras (pinned versions; torch==2.13.0 is the CPU build), then runs pytest.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k poster`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
export QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE
exec .venv/bin/python -m pytest "$@"
