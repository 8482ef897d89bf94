"""A Qt-free background install (download, then optionally ONNX conversion) with progress
callbacks and cancel — what the «Модели» dialog drives, so the dialog stays a thin view.

Callbacks run on the job's own thread: a GUI forwards them through queued signals. Jobs live
in an :class:`InstallJobs` registry owned by the application, not by the dialog, so a
download goes on when the dialog is closed and shows up again when it is reopened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from inference.core.errors import Cancelled, DemotivatorError
from inference.core.i18n import tr
from inference.core.progress import Progress, ProgressEvent
from inference.models.catalog import Catalog
from inference.models.downloader import DownloadOptions, DownloadStatus
from inference.models.installer import install
from inference.models.model_store import InstalledModel, ModelStore

DOMAIN = "models"
# convert(model_id, store, quantize, keep_torch, progress) -> the converted model;
# export.convert_installed.convert_installed has this shape (inference/ never imports it).
ConvertStep = Callable[[str, ModelStore, str, bool, Progress], InstalledModel]

QUEUED, DOWNLOADING, CONVERTING = "queued", "downloading", "converting"
DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass(frozen=True)
class JobUpdate:
    model_id: str
    state: str  # queued | downloading | converting | done | failed | cancelled
    fraction: float | None = None  # 0..1 for the current phase; None: indeterminate
    text: str = ""  # one translated line for a status label
    download: DownloadStatus | None = None
    event: ProgressEvent | None = None  # conversion progress (export's stages)
    error: str = ""

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else int(self.fraction * 100)


class InstallJob:
    def __init__(
        self,
        model_id: str,
        store: ModelStore,
        *,
        catalog: Catalog | None = None,
        options: DownloadOptions | None = None,
        onnx: bool = False,
        quantize: str = "auto",
        keep_torch: bool = True,
        convert: ConvertStep | None = None,
        on_update: Callable[[JobUpdate], None] | None = None,
    ) -> None:
        if onnx and convert is None:
            raise ValueError("onnx=True needs a convert step (export.convert_installed)")
        self.model_id, self.store, self.catalog, self.options = model_id, store, catalog, options
        self.onnx, self.quantize, self.keep_torch = onnx, quantize, keep_torch
        self.convert = convert
        self._listeners: list[Callable[[JobUpdate], None]] = [on_update] if on_update else []
        self.progress = Progress(self._on_convert_event)
        self.result: InstalledModel | None = None  # the installed (or converted) model
        self.error = ""
        self.last = JobUpdate(model_id, QUEUED, text=tr("job.queued", DOMAIN))
        self._thread = threading.Thread(target=self._run, name=f"install-{model_id}", daemon=True)
        self._finished = threading.Event()

    # --- control (any thread) ---------------------------------------------------------
    def start(self) -> InstallJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop at once; the downloaded part stays and the next install resumes it."""
        self.progress.cancel()

    def remove_listener(self, listener: Callable[[JobUpdate], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    @property
    def state(self) -> str:
        return self.last.state

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    # --- the work (job thread) --------------------------------------------------------
    def _run(self) -> None:
        try:
            self._emit(JobUpdate(self.model_id, DOWNLOADING, 0.0, tr("job.starting", DOMAIN)))
            model = install(
                self.model_id,
                self.store,
                self.catalog,
                self.options,
                self.progress,
                self._on_download,
            )
            if self.onnx and self.convert is not None:
                self._emit(JobUpdate(self.model_id, CONVERTING, None, tr("job.converting", DOMAIN)))
                model = self.convert(
                    model.id, self.store, self.quantize, self.keep_torch, self.progress
                )
            self.result = model
            self._emit(JobUpdate(self.model_id, DONE, 1.0, tr("job.done", DOMAIN, id=model.id)))
        except Cancelled:
            self._emit(JobUpdate(self.model_id, CANCELLED, None, tr("job.cancelled", DOMAIN)))
        except DemotivatorError as exc:
            self._fail(str(exc))
        except Exception as exc:  # a bug or a library failure: still reported, never lost
            self._fail(tr("job.unexpected", DOMAIN, err=f"{type(exc).__name__}: {exc}"))
        finally:
            self._finished.set()

    def _fail(self, message: str) -> None:
        self.error = message
        self._emit(JobUpdate(self.model_id, FAILED, None, message, error=message))

    def _on_download(self, status: DownloadStatus) -> None:
        fraction = status.fraction if status.total_bytes else None
        self._emit(JobUpdate(self.model_id, DOWNLOADING, fraction, status.describe(), status))

    def _on_convert_event(self, event: ProgressEvent) -> None:
        if self.last.state != CONVERTING:
            return  # download progress arrives through _on_download, with bytes and speed
        fraction = event.done / event.total if event.total else None
        text = tr("job.converting_stage", DOMAIN, stage=event.stage, message=event.message)
        self._emit(JobUpdate(self.model_id, CONVERTING, fraction, text, event=event))

    def _emit(self, update: JobUpdate) -> None:
        self.last = update
        for listener in list(self._listeners):
            listener(update)


class InstallJobs:
    """The application's running and finished installs, one per model id."""

    def __init__(self) -> None:
        self._jobs: dict[str, InstallJob] = {}
        self._lock = threading.Lock()

    def start(self, model_id: str, store: ModelStore, **kwargs: object) -> InstallJob:
        """Start installing ``model_id``, or return the install of it already running."""
        with self._lock:
            job = self._jobs.get(model_id)
            if job is not None and not job.finished:
                return job
            job = InstallJob(model_id, store, **kwargs)  # type: ignore[arg-type]
            self._jobs[model_id] = job
        return job.start()

    def get(self, model_id: str) -> InstallJob | None:
        return self._jobs.get(model_id)

    def active(self) -> list[InstallJob]:
        return [j for j in self._jobs.values() if not j.finished]
