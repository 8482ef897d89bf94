"""A first run in a fresh process (torch & co. not imported yet), with a 10 ms heartbeat on
the GUI thread. Run by test_cold_start.py as ``python -m tests.gui.cold_run``: the test
process itself imported torch long ago, building the tiny models. Prints one JSON line."""

from __future__ import annotations

import gc
import json
import sys
import time

from PySide6.QtWidgets import QApplication

from desktop_app.application import create_application
from desktop_app.main_window import MainWindow
from tests.gui.heartbeat import BusyHeartbeat


def main() -> None:
    app = create_application([])
    window = MainWindow()  # settings (tiny torch models) come from DEMOTIVATOR_CONFIG_DIR
    window.show()
    settle = time.monotonic() + 0.5  # the first paint of the window is not the run's work
    while time.monotonic() < settle:
        QApplication.processEvents()
        time.sleep(0.005)
    cold = "torch" not in sys.modules
    heartbeat = BusyHeartbeat(window)
    heartbeat.start()
    window.prompt.edit.setPlainText("Заходит как-то программист в бар")
    window.generate()
    deadline = time.monotonic() + 240
    while window.service.busy and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.001)
    heartbeat.stop()
    gaps = heartbeat.gaps
    print(
        json.dumps(
            {
                "cold": cold,
                "poster": window.poster.has_image(),
                "error": window.messages.text.text(),
                "beats": len(gaps),
                "loading_beats": heartbeat.loading_beats,
                "max_gap_ms": round(max(gaps, default=0) * 1000),
                "gc_enabled": gc.isenabled(),
                "frozen": gc.get_freeze_count(),
            }
        ),
        flush=True,
    )
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
