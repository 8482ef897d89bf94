"""``demotivator-studio`` before any window: --help and a machine without a screen."""

from __future__ import annotations

import os
import subprocess
import sys


def run_app(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    base.pop("QT_QPA_PLATFORM", None)  # as on a desktop: Qt would pick xcb
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_prints_usage_and_opens_no_window():
    # No display at all: had it tried to open a window, Qt would abort instead.
    out = run_app("--help")
    assert out.returncode == 0, out.stderr
    assert "demotivator-studio [-h]" in out.stdout and "Использование" in out.stdout
    english = run_app("-h", DEMOTIVATOR_LANG="en")
    assert english.returncode == 0 and "Usage" in english.stdout


def test_no_display_says_so_in_one_line_instead_of_aborting():
    out = run_app()
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISPLAY" in lines[0]
    assert "Traceback" not in out.stderr and "qt.qpa" not in out.stderr


def test_a_window_left_without_shutdown_does_not_abort_the_process_at_exit(tmp_path):
    # A script embedding the window: no exec(), no close(), no shutdown() - the window
    # stops its own threads (atexit / aboutToQuit) before Qt destroys them.
    code = (
        "from desktop_app.application import create_application\n"
        "from desktop_app.main_window import MainWindow\n"
        "app = create_application(['x'])\n"
        "w = MainWindow()\n"
        "w.show()\n"
        "app.processEvents()\n"
        "print('built', flush=True)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "built" in out.stdout
    assert out.returncode == 0, out.stderr
    assert "Destroyed while thread" not in out.stderr
