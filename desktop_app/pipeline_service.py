"""The pipeline on its own thread: one job at a time, models kept loaded between runs.

Widgets never see the worker thread: progress events, partial results and outcomes all
arrive as queued signals on the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from desktop_app import jobs
from desktop_app.images import pil_to_qimage
from desktop_app.pyside_fixes import drop_feature_import_hook
from desktop_app.runner import BackgroundRunner
from inference.errors import Cancelled
from inference.pipeline import MakeRequest, Pipeline
from inference.progress import Progress, ProgressEvent
from inference.result import Result
from inference.settings import Settings

log = logging.getLogger(__name__)
GIL_SWITCH_S = 0.002  # Python's default is 5 ms


def with_qimage(result: Result) -> tuple[Result, QImage | None]:
    """The poster converted for display while still on the worker thread (QImage is
    reentrant), so the GUI thread only swaps pictures."""
    return result, pil_to_qimage(result.poster) if result.poster is not None else None


class PipelineService(QObject):
    started = Signal(str, object)  # kind, planned stages
    progressed = Signal(object)  # ProgressEvent
    partial = Signal(str, object)  # kind, Result with ranked candidates (no poster yet)
    finished = Signal(str, object, object)  # kind, Result, its poster as a QImage
    stopped = Signal(str, object)  # kind, partial Result or None (the user cancelled)
    failed = Signal(str, object, object)  # kind, exception, partial Result or None

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_feature_import_hook()  # before the first import on the pipeline thread
        self.pipeline = Pipeline(settings)
        self._runner = BackgroundRunner("pipeline", self, background=True)
        # The GUI thread waits at most this long for the GIL held by the pipeline thread.
        sys.setswitchinterval(GIL_SWITCH_S)
        self._progress: Progress | None = None
        self.kind = ""  # the running job, "" when idle

    @property
    def busy(self) -> bool:
        return bool(self.kind)

    @property
    def cancelling(self) -> bool:
        return self._progress is not None and self._progress.cancelled

    # --- jobs ----------------------------------------------------------------------------
    def run(self, request: MakeRequest) -> bool:
        stages = jobs.planned_stages(jobs.RUN, own_picture=request.picture is not None)
        return self._start(
            jobs.RUN,
            stages,
            lambda p: jobs.full_run(self.pipeline, request, p, self._partial_cb(jobs.RUN)),
        )

    def more(self, result: Result) -> bool:
        stages = jobs.planned_stages(jobs.MORE, has_picture=result.picture is not None)
        return self._start(
            jobs.MORE,
            stages,
            lambda p: jobs.more_candidates(self.pipeline, result, p, self._partial_cb(jobs.MORE)),
        )

    def redraw(self, result: Result, describe: bool) -> bool:
        stages = jobs.planned_stages(jobs.REDRAW, describe=describe)
        return self._start(
            jobs.REDRAW, stages, lambda p: jobs.redraw(self.pipeline, result, p, describe)
        )

    def configure(self, settings: Settings) -> None:
        """Adopt new settings on the pipeline thread, after the job in progress (if any):
        the model manager's lock may be held for seconds while a model loads."""
        self._runner.submit(lambda: self.pipeline.configure(settings))

    def cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel()

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        self.cancel()
        return self._runner.stop(timeout_ms)

    # --- plumbing ------------------------------------------------------------------------
    def _partial_cb(self, kind: str) -> Callable[[Result], None]:
        return lambda result: self.partial.emit(kind, result)  # queued to the GUI thread

    def _start(self, kind: str, stages: tuple, work: Callable[[Progress], Result]) -> bool:
        if self.busy:
            return False
        drop_feature_import_hook()  # in case a Qt module imported since put it back
        progress = Progress(self._on_progress)
        self._progress, self.kind = progress, kind
        self.started.emit(kind, stages)
        self._runner.submit(
            lambda: with_qimage(work(progress)),
            on_done=lambda done: self._end(kind, done, None),
            on_failed=lambda exc: self._end(kind, None, exc),
        )
        return True

    def _on_progress(self, event: ProgressEvent) -> None:
        self.progressed.emit(event)  # emitted on the worker thread: queued to the GUI

    def _end(self, kind: str, done: tuple | None, exc: BaseException | None) -> None:
        self._progress, self.kind = None, ""
        if done is not None:
            self.finished.emit(kind, *done)
        elif isinstance(exc, Cancelled):
            self.stopped.emit(kind, getattr(exc, "partial", None))
        else:
            log.error("%s failed", kind, exc_info=exc)
            self.failed.emit(kind, exc, getattr(exc, "partial", None))
