#!/usr/bin/env bash
# Start the real Demotivator Studio window under Xvfb with tiny test models (random
# weights, built locally), run one generation per UI language and save screenshots:
# idle-, mid- and done-{ru,en}.png in OUT (default /tmp/screens).
#
# Needs Xvfb and Qt's xcb libraries: scripts/system-deps.sh --screen installs them.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-/tmp/screens}"
MODELS="${DEMOTIVATOR_TINY_MODELS:-${TMPDIR:-/tmp}/demotivator-tiny-models}"
PYTHON="${PYTHON:-python}"
if [ -x "$ROOT/.venv/bin/python" ] && [ "$PYTHON" = python ]; then PYTHON="$ROOT/.venv/bin/python"; fi
"$ROOT/scripts/system-deps.sh" --screen
command -v xvfb-run >/dev/null || { echo "xvfb-run not found: apt-get install xvfb xauth" >&2; exit 1; }

mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export OMP_WAIT_POLICY=PASSIVE HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=xcb
unset WAYLAND_DISPLAY

"$PYTHON" "$ROOT/scripts/screenshot_app.py" --build-models "$MODELS"

# The console entry point itself starts and keeps running (timeout's 124 = still up).
rc=0
DEMOTIVATOR_CONFIG_DIR="$WORK/smoke/config" DEMOTIVATOR_DATA_DIR="$WORK/smoke/data" \
  xvfb-run -a -s "-screen 0 1400x900x24" timeout 8 "$PYTHON" -m desktop_app || rc=$?
[ "$rc" = 124 ] || { echo "python -m desktop_app exited early (rc=$rc)" >&2; exit 1; }

for lang in ru en; do
  DEMOTIVATOR_CONFIG_DIR="$WORK/$lang/config" DEMOTIVATOR_DATA_DIR="$WORK/$lang/data" \
    xvfb-run -a -s "-screen 0 1400x900x24" \
    "$PYTHON" "$ROOT/scripts/screenshot_app.py" --models "$MODELS" --out "$OUT" --language "$lang"
done
ls -l "$OUT"
