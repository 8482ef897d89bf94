"""Time from starting the GUI process to its first window being shown.

Measured from outside: the parent starts a fresh interpreter and waits for the line
``first_window_s=…`` that the child prints from the Qt event loop right after the main
window was shown (so it includes interpreter start, imports, window construction and the
first turn of the event loop). With no display, Qt's offscreen platform is used.

The child is ``python -m desktop_app`` itself with ``DEMOTIVATOR_EXIT_AFTER_FIRST_WINDOW=1``
(print the line, then quit). Qt is only ever imported in that child, never in this package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import median
from bench.worker import REPO_ROOT, child_env

# What desktop_app.__main__ reacts to and prints (kept as literals: Qt never loads here).
EXIT_ENV = "DEMOTIVATOR_EXIT_AFTER_FIRST_WINDOW"
MARK = "first_window_s="


def _one_start(cmd: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(REPO_ROOT)
    )
    shown_at, inside = None, None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the mark arrives while the child is still running
            if line.startswith(MARK):
                shown_at = time.perf_counter()
                inside = float(line[len(MARK) :])
                break
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    if shown_at is None:
        return {
            "ok": False,
            "error": f"no window mark (exit {proc.returncode})",
            "stderr_tail": stderr[-1500:],
        }
    return {"ok": True, "first_window_s": shown_at - started, "in_process_s": inside}


def measure_first_window(repeats: int, timeout_s: float = 120.0) -> dict[str, Any]:
    """Median over ``repeats`` fresh starts (the first one also warms the disk cache)."""
    cmd = [sys.executable, "-m", "desktop_app"]
    with tempfile.TemporaryDirectory(prefix="bench-gui-") as tmp:
        env = child_env(0)
        env.update(
            {
                EXIT_ENV: "1",
                "DEMOTIVATOR_CONFIG_DIR": str(Path(tmp, "config")),
                "DEMOTIVATOR_DATA_DIR": str(Path(tmp, "data")),
            }
        )
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and os.name == "posix":
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        starts = [_one_start(cmd, env, timeout_s) for _ in range(repeats + 1)]
    good = [s for s in starts[1:] if s["ok"]]  # the first start only warms caches
    result: dict[str, Any] = {
        "method": "python -m desktop_app with " + EXIT_ENV,
        "platform": env.get("QT_QPA_PLATFORM", "native"),
        "cold_start_s": starts[0].get("first_window_s"),
        "starts": starts,
    }
    if not good:
        return {**result, "ok": False, "error": starts[-1].get("error")}
    return {
        **result,
        "ok": True,
        "first_window_s": median([s["first_window_s"] for s in good]),
        "in_process_s": median([s["in_process_s"] for s in good]),
    }
