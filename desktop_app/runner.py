"""A background thread that runs plain callables one at a time (Anki's op pattern).

``submit(fn, on_done, on_failed)`` queues ``fn`` to the thread; the callbacks run later on
the thread that owns the runner (the GUI thread), delivered through queued signals, so
they may touch widgets. Jobs run in submission order.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from inference.core.errors import Cancelled

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


BACKGROUND_NICE = 10


def _lower_linux_priority() -> None:
    """Nice the calling thread only (Linux keeps a nice value per thread)."""
    if not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE)


class _Worker(QObject):
    done = Signal(int, object)
    failed = Signal(int, object)

    @Slot(int, object)
    def execute(self, job_id: int, fn: Callable[[], Any]) -> None:
        try:
            value = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI, which decides
            self.failed.emit(job_id, exc)
        else:
            self.done.emit(job_id, value)


class BackgroundRunner(QObject):
    _submit = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None, background: bool = False) -> None:
        """``background``: long CPU-heavy jobs; the thread (and the compute threads it
        starts, which inherit it) runs at a lower priority so the GUI thread wins the CPU."""
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)  # queued: the worker lives elsewhere
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        if background:
            self._thread.start(QThread.Priority.LowPriority)  # honoured on Windows/macOS
            self.submit(_lower_linux_priority)  # Linux ignores the above; nice does it
        else:
            self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs submitted whose callbacks have not run yet."""
        return len(self._callbacks)

    def submit(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_failed: Failed | None = None
    ) -> int:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_failed)
        self._submit.emit(job_id, fn)
        return job_id

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Let queued jobs finish (up to ``timeout_ms``), then end the thread."""
        self._thread.quit()
        finished = self._thread.wait(timeout_ms)
        self._callbacks.clear()
        return finished

    @Slot(int, object)
    def _on_done(self, job_id: int, value: Any) -> None:
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        if on_done is not None:
            on_done(value)

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        _, on_failed = self._callbacks.pop(job_id, (None, None))
        if on_failed is not None:
            on_failed(exc)
        elif isinstance(exc, Cancelled):
            # A job stopped after its caller stopped listening (the window closed mid-run):
            # a stop, not a failure, so no ERROR in the log the user is sent to.
            logging.getLogger(__name__).info("background job stopped after it was let go")
        else:
            logging.getLogger(__name__).error("background job failed", exc_info=exc)
