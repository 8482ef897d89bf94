#!/usr/bin/env bash
# Start the real Demotivator Studio window under Xvfb on its bundled lite models (real
# output, what a fresh install shows), run one generation per language, theme and screen
# size, and save screenshots into OUT (default /tmp/screens):
#   {idle,mid,done}-{ru,en}-{light,dark}-{1366x768,1920x1080}.png
# SIZES / LANGS / THEMES narrow it down, e.g. SIZES=1366x768 THEMES=dark.
# With TINY=1 the tiny test models (random weights, built locally) are used instead.
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

model_args=()
if [ "${TINY:-0}" = 1 ]; then
  "$PYTHON" "$ROOT/scripts/screenshot_app.py" --build-models "$MODELS"
  model_args=(--models "$MODELS")
fi

# The console entry point itself starts and keeps running (timeout's 124 = still up).
rc=0
DEMOTIVATOR_CONFIG_DIR="$WORK/smoke/config" DEMOTIVATOR_DATA_DIR="$WORK/smoke/data" \
  xvfb-run -a -s "-screen 0 1400x900x24" timeout 8 "$PYTHON" -m desktop_app || rc=$?
[ "$rc" = 124 ] || { echo "python -m desktop_app exited early (rc=$rc)" >&2; exit 1; }

for size in ${SIZES:-1366x768 1920x1080}; do
  for theme in ${THEMES:-light dark}; do
    for lang in ${LANGS:-ru en}; do
      dir="$WORK/$size-$theme-$lang"
      DEMOTIVATOR_CONFIG_DIR="$dir/config" DEMOTIVATOR_DATA_DIR="$dir/data" SCREEN_SIZE="$size" \
        xvfb-run -a -s "-screen 0 ${size}x24" \
        "$PYTHON" "$ROOT/scripts/screenshot_app.py" "${model_args[@]}" --out "$OUT" \
          --language "$lang" --theme "$theme"
    done
  done
done
ls -l "$OUT"
