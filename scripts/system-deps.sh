#!/usr/bin/env bash
# Debian libraries Qt needs: the offscreen platform for the tests (libGL, EGL, fontconfig,
# xkbcommon, glib) and, with --screen, a real window under Xvfb for screenshots.
# Installs only what is missing; needs root (CI and these machines run as root).
set -euo pipefail
packages="libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 libglib2.0-0 libx11-6"
if [ "${1:-}" = "--screen" ]; then
    packages="$packages xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1"
    packages="$packages libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-util1 libxcb-xkb1"
    packages="$packages libxkbcommon-x11-0"
fi
command -v dpkg >/dev/null || exit 0
missing=""
for p in $packages; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "Qt needs these Debian packages:$missing — install them with: sudo apt-get install$missing" >&2
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
