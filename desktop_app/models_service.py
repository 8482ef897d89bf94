"""The window's model installs and models-folder work, kept apart from any dialog.

Install jobs (:class:`inference.models.install_job.InstallJobs`) belong to this service, which the
main window owns, so a download goes on when the «Модели» dialog closes and shows up again
when it reopens. Job callbacks arrive on the jobs' own threads and are relayed to the GUI
thread through a queued signal; scans, verifies, removes and imports run on two background
runners (a quick one for scans, so a long verify never delays a refresh).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop_app.pyside_fixes import drop_feature_import_hook
from desktop_app.runner import BackgroundRunner, Done, Failed, _lower_linux_priority
from inference.core.progress import Progress, ProgressEvent
from inference.models.catalog import Catalog
from inference.models.install_job import FINISHED, InstallJob, InstallJobs, JobUpdate
from inference.models.model_store import InstalledModel, ModelStore

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_S = 5.0  # per job: a cancelled download ends within a poll (0.25 s)


def _lowered(convert: Callable[..., InstalledModel]) -> Callable[..., InstalledModel]:
    """The ONNX export runs on the job thread: nice it (and the compute threads it starts)
    so the window keeps the CPU, as the pipeline thread does."""

    def run(*args: Any) -> InstalledModel:
        _lower_linux_priority()
        return convert(*args)

    return run


class ModelsService(QObject):
    updated = Signal(object)  # JobUpdate, on the GUI thread
    ended = Signal(object, object)  # the InstallJob and its last JobUpdate (done/failed/…)
    progressed = Signal(str, object)  # task name, ProgressEvent of a verify/import
    _relay = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = InstallJobs()
        self.scanner = BackgroundRunner("models-scan", self)
        self.worker = BackgroundRunner("models-work", self, background=True)
        self._relay.connect(self._on_relay, Qt.ConnectionType.QueuedConnection)
        self._listener = self._forward  # one bound method, so remove_listener finds it
        self._closed = False

    # --- installs ------------------------------------------------------------------------
    def install(
        self, model_id: str, store: ModelStore, onnx: bool = False, catalog: Catalog | None = None
    ) -> InstallJob:
        """Start installing ``model_id`` (or return its install already running)."""
        convert = None
        if onnx:
            from export.convert_installed import convert_installed  # light; export is lazy

            convert = _lowered(convert_installed)
            drop_feature_import_hook()  # the export imports torch & co. on the job thread
        return self.jobs.start(
            model_id,
            store,
            catalog=catalog,
            onnx=onnx,
            quantize="auto",  # the benchmarked default per role (export.common)
            keep_torch=True,
            convert=convert,
            on_update=self._listener,
        )

    def job(self, model_id: str) -> InstallJob | None:
        return self.jobs.get(model_id)

    def running(self) -> list[InstallJob]:
        """Installs not ended yet, by their last update (the job's own ``finished`` flag is
        set a moment after its last update is sent)."""
        return [j for j in self.jobs.active() if j.state not in FINISHED]

    def cancel(self, model_id: str) -> None:
        job = self.jobs.get(model_id)
        if job is not None:
            job.cancel()

    def overall_percent(self) -> int | None:
        """The mean progress of the running installs, for the window's «Модели» button."""
        fractions = [j.last.fraction for j in self.running() if j.last.fraction is not None]
        return int(100 * sum(fractions) / len(fractions)) if fractions else None

    def _forward(self, update: JobUpdate) -> None:
        """On a job's thread: hand the update to the GUI thread."""
        with contextlib.suppress(RuntimeError):  # the service is gone: the app is closing
            self._relay.emit(update)

    @Slot(object)
    def _on_relay(self, update: JobUpdate) -> None:
        if self._closed:
            return
        self.updated.emit(update)
        job = self.jobs.get(update.model_id)
        if update.state in FINISHED and job is not None:
            self.ended.emit(job, update)

    # --- the models folder's slow work ---------------------------------------------------
    def scan(self, fn: Callable[[], Any], on_done: Done, on_failed: Failed | None = None) -> None:
        self.scanner.submit(fn, on_done, on_failed or self._log_failure)

    def work(
        self,
        name: str,
        fn: Callable[[Progress], Any],
        on_done: Done,
        on_failed: Failed,
    ) -> None:
        """Run ``fn(progress)`` in the background; its progress events arrive as
        ``progressed(name, event)`` on the GUI thread."""
        progress = Progress(lambda event: self._progress(name, event))
        drop_feature_import_hook()  # a verify with a load imports torch on that thread
        self.worker.submit(lambda: fn(progress), on_done, on_failed)

    def _progress(self, name: str, event: ProgressEvent) -> None:
        with contextlib.suppress(RuntimeError):  # emitted on the worker: queued to the GUI
            self.progressed.emit(name, event)

    @staticmethod
    def _log_failure(exc: BaseException) -> None:
        log.error("models folder scan failed", exc_info=exc)

    # --- closing -------------------------------------------------------------------------
    def shutdown(self) -> bool:
        """Cancel running installs (what was downloaded stays and resumes next time) and
        stop the runners; False when something could not be stopped in time."""
        self._closed = True
        running = self.jobs.active()
        for job in running:
            job.cancel()
        stopped = all(job.wait(SHUTDOWN_WAIT_S) for job in running)
        for job in running:
            job.remove_listener(self._listener)
        return all([self.scanner.stop(), self.worker.stop(), stopped])
