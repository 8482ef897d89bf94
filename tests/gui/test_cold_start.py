"""The window stays responsive during the very first run too, while torch, transformers
and diffusers are imported and the models load (the heaviest moment of the app's life)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from desktop_app.load_guard import LoadGuard

ROOT = Path(__file__).resolve().parents[2]


def _cold_run() -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # settings & data dirs: isolated
    out = subprocess.run(
        [sys.executable, "-m", "tests.gui.cold_run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["cold"], "torch was imported before the run: nothing cold was measured"
    assert report["poster"], report["error"]
    assert report["beats"] >= 20
    # Collection is back on after loading, with the loaded libraries frozen out of it.
    assert report["gc_enabled"] and report["frozen"] > 0
    return report


def test_first_run_in_a_fresh_process_never_stalls_the_gui_thread(model_settings):
    # Without the load guard every cold run stalls 330-800 ms (libtorch's initialisers,
    # full collections). A busy neighbour on a 2-core box can still steal one beat, so a
    # second fresh process is measured before calling it a stall; both gaps are printed.
    gaps = []
    for _ in range(2):
        gaps.append(_cold_run()["max_gap_ms"])
        if gaps[-1] < 100:
            break
    print(f"cold run: max gap per fresh process {gaps} ms")
    assert min(gaps) < 100, f"GUI thread stalled {gaps} ms in every cold run"


def test_load_guard_pauses_collection_while_loading_and_freezes_the_result():
    assert gc.isenabled()
    guard, frozen = LoadGuard(), gc.get_freeze_count()
    guard.loading(needs_torch=False)
    assert not gc.isenabled()
    loaded_model = [[n] for n in range(1000)]  # what a load leaves alive
    guard.loaded()
    try:
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(loaded_model)
        guard.loaded()  # a second end (job finished after the model loaded) is harmless
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_load_guard_keeps_collection_off_when_someone_else_turned_it_off():
    gc.disable()
    try:
        guard = LoadGuard()
        guard.loading(needs_torch=False)
        guard.loaded()
        assert not gc.isenabled()
    finally:
        gc.enable()
