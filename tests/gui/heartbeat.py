"""A 10 ms heartbeat on the GUI thread that records how long each gap between beats was
while the window was busy (shared by the warm-run test and the fresh-process cold run).
Tests assert states (beats happened during the run and during the model load); the gap
lengths are printed for information only: on a busy 2-core machine any gap can be long."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, Qt, QTimer


class BusyHeartbeat:
    def __init__(self, window, parent: QObject | None = None) -> None:
        self.window = window
        self.gaps: list[float] = []  # seconds between consecutive beats during a run
        # Beats while the load guard has collection paused, i.e. while a model loads: the
        # state that shows the GUI thread kept running through the heaviest moment.
        self.loading_beats = 0
        self._last = time.perf_counter()
        self._timer = QTimer(parent)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        if self.window.service.busy:
            self.gaps.append(now - self._last)
            self.loading_beats += not gc.isenabled()
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start(10)

    def stop(self) -> None:
        self._timer.stop()
