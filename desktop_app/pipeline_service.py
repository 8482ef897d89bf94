"""The pipeline on its own thread: one job at a time, models kept loaded between runs.

Widgets never see the worker thread: progress events, partial results and outcomes all
arrive as queued signals on the GUI thread, and only those of the job the window waits for.
A job cancelled while a model loads (which cannot be interrupted) or while it still waits
its turn is let go at once: the window is ready for the next run, the load finishes
unheard on the pipeline thread and the model stays loaded for that next run.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from desktop_app import jobs
from desktop_app.images import pil_to_qimage
from desktop_app.load_guard import LoadGuard
from desktop_app.pyside_fixes import drop_feature_import_hook
from desktop_app.runner import BackgroundRunner
from inference.core.errors import Cancelled
from inference.core.progress import Progress, ProgressEvent
from inference.core.registry import ROLES
from inference.core.settings import Settings
from inference.runs.pipeline import MakeRequest, Pipeline
from inference.runs.result import Result

log = logging.getLogger(__name__)
GIL_SWITCH_S = 0.002  # Python's default is 5 ms
QUEUED, LOADING, WORKING = "queued", "loading", "working"  # where the current job is
Work = Callable[[Progress, jobs.OnPartial], Result]  # a job, told where partial results go
# Models loaded while the window is idle (issue 18, lever 6); "1" here turns that off.
ENV_NO_WARM_UP = "DEMOTIVATOR_NO_WARM_UP"
WARM_ROLES = ("generator", "ranker", "illustrator")


def with_qimage(result: Result) -> tuple[Result, QImage | None]:
    """The poster converted for display while still on the worker thread (QImage is
    reentrant), so the GUI thread only swaps pictures."""
    return result, pil_to_qimage(result.poster) if result.poster is not None else None


class PipelineService(QObject):
    started = Signal(str, object)  # kind, planned stages
    progressed = Signal(object)  # ProgressEvent, on the GUI thread
    stepped = Signal(object)  # the same ProgressEvent, emitted on the pipeline thread
    partial = Signal(str, object)  # kind, Result with ranked candidates (no poster yet)
    finished = Signal(str, object, object)  # kind, Result, its poster as a QImage
    stopped = Signal(str, object)  # kind, partial Result or None (the user cancelled)
    failed = Signal(str, object, object)  # kind, exception, partial Result or None
    # kind, exception: a job let go at «Стоп» (while its model loaded) failed afterwards,
    # typically that model could not be loaded; the window still has to say so.
    failed_after_stop = Signal(str, object)
    warmed = Signal(object)  # the roles loaded in the background, when the warm-up ends
    # From the pipeline thread, with the job's number: only the current job's get through.
    _event = Signal(int, object)
    _partial = Signal(int, str, object)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_feature_import_hook()  # before the first import on the pipeline thread
        self.pipeline = Pipeline(settings)
        self.pipeline.prefetch_picture_model = False  # warm_up loads them, guarded
        self._runner = BackgroundRunner("pipeline", self, background=True)
        # The GUI thread waits at most this long for the GIL held by the pipeline thread.
        sys.setswitchinterval(GIL_SWITCH_S)
        self._progress: Progress | None = None
        self.kind = ""  # the running job, "" when idle
        self._guard = LoadGuard()  # keeps model loading from stalling the GUI thread
        self._jobs = 0  # numbers the jobs
        self._current = 0  # the job the signals speak for (0: none)
        self._phase = ""  # QUEUED / LOADING / WORKING, set as the current job's events come
        self._warm_stop = threading.Event()  # set by any job: the warm-up gives way
        self._event.connect(self._relay_event)  # queued: emitted on the pipeline thread
        self._partial.connect(self._relay_partial)

    @property
    def busy(self) -> bool:
        return bool(self.kind)

    @property
    def pending_jobs(self) -> int:
        """Jobs on the pipeline thread not over yet, a let-go one included."""
        return self._runner.pending

    @property
    def cancelling(self) -> bool:
        return self._progress is not None and self._progress.cancelled

    # --- jobs ----------------------------------------------------------------------------
    def run(self, request: MakeRequest) -> bool:
        pipeline = self.pipeline
        stages = pipeline.planned_stages(jobs.RUN, own_picture=request.picture is not None)
        return self._start(jobs.RUN, stages, lambda p, partial: pipeline.run(request, p, partial))

    def more(self, result: Result) -> bool:
        pipeline = self.pipeline
        stages = pipeline.planned_stages(jobs.MORE, has_picture=result.picture is not None)
        return self._start(
            jobs.MORE, stages, lambda p, partial: pipeline.more_endings(result, p, partial)
        )

    def redraw(self, result: Result, describe: bool, new_seed: bool = True) -> bool:
        """``describe``: the joke changed since its scene was written (read only by an
        illustrator that needs a scene; the pipeline knows which)."""
        pipeline = self.pipeline
        stages = pipeline.planned_stages(jobs.REDRAW, describe=describe)
        return self._start(
            jobs.REDRAW,
            stages,
            lambda p, _: pipeline.another_picture(result, p, describe, new_seed),
        )

    def configure(self, settings: Settings) -> None:
        """Adopt new settings on the pipeline thread, after the job in progress (if any):
        the model manager's lock may be held for seconds while a model loads."""
        self._runner.submit(lambda: self._configure(settings))

    def warm_up(self) -> bool:
        """Load the configured models on the pipeline thread (low priority) while the window
        is idle, so the first poster does not pay for loading. Any job or shutdown stops it
        between two models; a load under way finishes, and the job finds it loaded. Load
        errors are left for the run to report in its own words. False: not started."""
        if self.busy or os.environ.get(ENV_NO_WARM_UP, "") not in ("", "0"):
            return False
        self._warm_stop = stop = threading.Event()
        self._runner.submit(
            lambda: self._warm(stop), on_done=self.warmed.emit, on_failed=lambda _: None
        )
        return True

    def _warm(self, stop: threading.Event) -> list[str]:
        models, loaded = self.pipeline.models, []
        for role in WARM_ROLES:
            if stop.is_set():
                break
            self._guard.loading(self._needs_torch())
            try:
                models.get(role)
            except Exception:  # noqa: BLE001 - the run says what is wrong with a model
                log.info("warm-up: %s not loaded", role, exc_info=True)
                break
            finally:
                self._guard.loaded()
            loaded.append(role)
        return loaded

    def cancel(self) -> None:
        """Stop the current job: within a token or a diffusion step, or at once while it
        waits or a model loads (see the module doc)."""
        if self._progress is None:
            return
        self._progress.cancel()
        if self._phase in (QUEUED, LOADING):
            job, kind = self._current, self.kind
            # Not from inside cancel(): the caller finishes its own reaction first.
            QTimer.singleShot(0, self, lambda: self._let_go(job, kind))

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        self._warm_stop.set()
        self.cancel()
        return self._runner.stop(timeout_ms)

    # --- plumbing ------------------------------------------------------------------------
    def _configure(self, settings: Settings) -> None:
        models = self.pipeline.models
        before = [role for role in ROLES if models.is_loaded(role)]
        self.pipeline.configure(settings)
        if any(not models.is_loaded(role) for role in before):
            self._guard.models_dropped()

    def _needs_torch(self) -> bool:
        """Whether a configured model loads through torch (the registry's trait)."""
        try:
            return self.pipeline.models.needs_torch()
        except Exception:  # noqa: BLE001 - only a hint; loading reports real errors
            return False

    def _job(self, work: Callable[[Progress], Result], progress: Progress) -> tuple:
        try:
            progress.check()  # cancelled while it waited for its turn: never starts
            return with_qimage(work(progress))
        finally:
            self._guard.loaded()  # a load that failed or was cancelled ends here too

    def _partial_cb(self, job: int, kind: str) -> Callable[[Result], None]:
        return lambda result: self._partial.emit(job, kind, result)

    def _let_go(self, job: int, kind: str) -> None:
        if job != self._current:  # it ended meanwhile
            return
        log.info("%s job let go while it waited or loaded a model", kind)
        self._current, self._progress, self.kind, self._phase = 0, None, "", ""
        self.stopped.emit(kind, None)  # what finished before was already shown (partial)

    def _relay_event(self, job: int, event: ProgressEvent) -> None:
        if job == self._current:
            self.progressed.emit(event)

    def _relay_partial(self, job: int, kind: str, result: Result) -> None:
        if job == self._current:
            self.partial.emit(kind, result)

    def _start(self, kind: str, stages: tuple, work: Work) -> bool:
        if self.busy:
            return False
        drop_feature_import_hook()  # in case a Qt module imported since put it back
        self._warm_stop.set()  # the job loads what it still needs itself
        self._jobs += 1
        job = self._jobs
        progress = Progress(lambda event: self._on_progress(job, event))
        progress.wants_previews = True  # the window shows the picture half drawn
        progress.wants_texts = True  # and the endings as their tokens arrive
        self._progress, self.kind = progress, kind
        self._current, self._phase = job, QUEUED
        self.started.emit(kind, stages)
        self._runner.submit(
            lambda: self._job(lambda p: work(p, self._partial_cb(job, kind)), progress),
            on_done=lambda done: self._end(job, kind, done, None),
            on_failed=lambda exc: self._end(job, kind, None, exc),
        )
        return True

    def _on_progress(self, job: int, event: ProgressEvent) -> None:
        # Called on the pipeline thread, in step with the work: no total = a model loads.
        loading = event.total is None and not event.finished
        if loading:
            self._guard.loading(self._needs_torch())
        else:
            self._guard.loaded()
        self._event.emit(job, event)  # queued to the GUI thread, which checks ``job`` again
        if job == self._current:
            self._phase = LOADING if loading else WORKING
            self.stepped.emit(event)

    def _end(self, job: int, kind: str, done: tuple | None, exc: BaseException | None) -> None:
        if job != self._current:  # let go earlier: the window no longer waits for it
            if exc is not None and not isinstance(exc, Cancelled):
                log.warning("%s job let go earlier then failed", kind, exc_info=exc)
                self.failed_after_stop.emit(kind, exc)
            return
        self._current, self._progress, self.kind, self._phase = 0, None, "", ""
        if done is not None:
            self.finished.emit(kind, *done)
        elif isinstance(exc, Cancelled):
            self.stopped.emit(kind, getattr(exc, "partial", None))
        else:
            log.error("%s failed", kind, exc_info=exc)
            self.failed.emit(kind, exc, getattr(exc, "partial", None))
