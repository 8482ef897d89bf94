"""Downloading a Hub repo at a pinned revision into the models folder, with per-file and
total progress (speed, ETA), cancel, resume, retries and clear translated errors.

The transfer itself runs in :mod:`inference.models.hub_worker` (a child process; see there why).
This side decides the environment (``HF_ENDPOINT``, ``HF_HUB_OFFLINE``, token), watches the
bytes arrive in the ``*.incomplete`` files, turns worker events into
:class:`DownloadStatus` updates and :class:`~inference.core.progress.Progress` steps, and ends
the worker at once when the user cancels (the partial file stays and is resumed next time).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inference.core.errors import Cancelled, DemotivatorError
from inference.core.human_units import format_bytes, format_duration, format_speed
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.models.model_manifest import FileRecord
from inference.models.remote_names import UnsafeName, check_remote_name

DOMAIN = "models"
STAGE_DOWNLOAD = "download"
DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "on", "yes", "true"}


class DownloadError(DemotivatorError):
    """A download failed; ``kind`` is machine-readable (network, gated, disk_full, …)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def offline_mode() -> bool:
    """The user's ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``), read now, not at import."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().lower() in _TRUE


def hub_endpoint(explicit: str | None = None) -> str:
    return (explicit or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


@dataclass
class DownloadOptions:
    endpoint: str | None = None  # None: $HF_ENDPOINT, else huggingface.co
    token: str | None = None  # None: huggingface_hub's own ($HF_TOKEN, `hf auth login`)
    retries: int = 4  # per file and for the repo listing, on transient failures
    backoff_s: float = 1.0  # first wait; doubles each retry
    backoff_max_s: float = 30.0
    etag_timeout_s: float = 10.0
    read_timeout_s: float | None = None  # HF_HUB_DOWNLOAD_TIMEOUT for the worker
    poll_s: float = 0.25  # how often bytes on disk are looked at


@dataclass(frozen=True)
class DownloadStatus:
    """One progress snapshot (what the CLI bar and the dialog show)."""

    model_id: str
    phase: str  # "connecting" | "downloading" | "retrying" | "finishing" | "done"
    file: str = ""
    file_done: int = 0
    file_total: int = 0
    done_bytes: int = 0
    total_bytes: int = 0
    files_done: int = 0
    files_total: int = 0
    speed_bps: float = 0.0
    eta_s: float | None = None
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 0.0

    def describe(self) -> str:
        """One translated line: "model.safetensors · 1,2 ГБ из 3,1 ГБ · 12 МБ/с · 2 мин 30 с"."""
        if self.message:
            return self.message
        if self.phase == "connecting":
            return tr("download.connecting", DOMAIN)
        return tr(
            "download.line",
            DOMAIN,
            file=self.file,
            done=format_bytes(self.done_bytes),
            total=format_bytes(self.total_bytes),
            speed=format_speed(self.speed_bps),
            eta=format_duration(self.eta_s),
        )


StatusListener = Callable[[DownloadStatus], None]


class SpeedMeter:
    """Speed over a sliding window (a few seconds), so one stall or burst does not swing the
    ETA wildly; fed with (time, total bytes) samples.

    The bytes on disk grow in steps (huggingface_hub writes 10 MiB reads at once: one step
    every 10 s at 1 MB/s), so the window always reaches back to before the latest step —
    a slow line then shows its speed instead of "0 B/s" between steps."""

    def __init__(self, window_s: float = 5.0, max_window_s: float = 60.0) -> None:
        self.window_s, self.max_window_s = window_s, max_window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, t: float, done: int) -> None:
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a file restarted from zero: old samples mean nothing
        self._samples.append((t, done))
        while len(self._samples) > 2 and t - self._samples[0][0] > self.window_s:
            stale = t - self._samples[0][0] > self.max_window_s  # a real stall: say so
            if self._samples[1][1] == done and not stale:
                break  # dropping it would leave no step in the window
            self._samples.popleft()

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def eta(self, remaining: int) -> float | None:
        speed = self.speed()
        return remaining / speed if speed > 0 else None


@dataclass
class DownloadResult:
    commit: str
    files: list[FileRecord] = field(default_factory=list)
    endpoint: str = ""


def error_message(kind: str, repo: str, event: dict[str, Any]) -> str:
    """The translated, actionable message for a worker error ``kind``."""
    fields = {"repo": repo, "detail": event.get("detail", "")}
    if kind == "disk_full" and not event.get("needed"):
        kind = "disk_full_now"  # the disk filled up while writing (sizes were not known)
    if kind == "disk_full":
        fields |= {
            "needed": format_bytes(event.get("needed", 0)),
            "free": format_bytes(event.get("free", 0)),
        }
    key = f"download.error.{kind}"
    text = tr(key, DOMAIN, **fields)
    return text if text != key else tr("download.error.unexpected", DOMAIN, **fields)


def _worker_env(endpoint: str, options: DownloadOptions) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRANSFORMERS_OFFLINE", None)
    env |= {
        "HF_HUB_OFFLINE": "0",  # the caller checked the user's wish; the worker may connect
        "HF_ENDPOINT": endpoint,
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # stdout carries our JSON lines
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_ENABLE_HF_TRANSFER": "0",  # hf_transfer cannot resume a partial file
        "HF_HUB_ETAG_TIMEOUT": str(int(max(1, options.etag_timeout_s))),
        "PYTHONIOENCODING": "utf-8",
    }
    if options.read_timeout_s:
        env["HF_HUB_DOWNLOAD_TIMEOUT"] = str(int(max(1, options.read_timeout_s)))
    return env


class _Watcher:
    """Follows one worker run: its events and the bytes landing on disk."""

    def __init__(self, model_id: str, local_dir: Path, on_status: StatusListener) -> None:
        self.local_dir, self.on_status = local_dir, on_status
        self.status = DownloadStatus(model_id, "connecting")
        self.meter = SpeedMeter()
        self.done_files_bytes = 0
        self.retry_until = 0.0  # while waiting to retry, the status says why

    def handle(self, event: dict[str, Any]) -> None:
        kind, s = event.get("event"), self.status
        if kind == "plan":
            total, count = int(event.get("total", 0)), len(event.get("files", []))
            s = replace(s, phase="downloading", total_bytes=total, files_total=count)
        elif kind == "file":
            size = int(event.get("size", 0))
            s = replace(s, file=event["name"], file_done=0, file_total=size)
        elif kind == "file_done":
            self.done_files_bytes += int(event.get("size", 0))
            s = replace(s, files_done=s.files_done + 1, file_done=s.file_total)
        elif kind == "retry":
            self.retry_until = time.monotonic() + float(event.get("wait_s", 0))
            s = replace(s, phase="retrying", message=_retry_message(event))
        elif kind == "done":
            s = replace(s, phase="finishing", done_bytes=s.total_bytes, eta_s=0.0, message="")
        self.status = s
        self.poll()

    def poll(self) -> None:
        s, now = self.status, time.monotonic()
        if s.phase == "retrying" and now >= self.retry_until:
            s = replace(s, phase="downloading", message="")
        if s.phase in ("downloading", "retrying"):
            partial = _partial_bytes(self.local_dir)
            done = min(self.done_files_bytes + partial, s.total_bytes or 1 << 62)
            self.meter.add(now, done)
            s = replace(
                s,
                done_bytes=done,
                file_done=min(partial, s.file_total),
                speed_bps=self.meter.speed(),
                eta_s=self.meter.eta(s.total_bytes - done),
            )
        self.status = s
        self.on_status(s)


def _partial_bytes(local_dir: Path) -> int:
    """Bytes in huggingface_hub's ``*.incomplete`` files (the file being fetched)."""
    cache = local_dir / ".cache"
    if not cache.is_dir():
        return 0
    total = 0
    for path in cache.rglob("*.incomplete"):
        with contextlib.suppress(OSError):  # moved into place between listing and stat
            total += path.stat().st_size
    return total


def _retry_message(event: dict[str, Any]) -> str:
    return tr(
        "download.retrying",
        DOMAIN,
        file=event.get("name") or "…",
        wait=format_duration(event.get("wait_s")),
        reason=tr(f"download.reason.{event.get('kind', 'network')}", DOMAIN),
        attempt=event.get("attempt"),
        attempts=event.get("attempts"),
    )


def download_repo(
    model_id: str,
    repo: str,
    revision: str,
    allow_patterns: tuple[str, ...],
    optional_patterns: tuple[str, ...],
    local_dir: Path,
    options: DownloadOptions | None = None,
    progress: Progress | None = None,
    on_status: StatusListener | None = None,
    auto: bool = False,
) -> DownloadResult:
    """Fetch the matching files of ``repo@revision`` into ``local_dir`` (resuming whatever
    an earlier, interrupted run left there); ``auto``: no patterns, the files a model folder
    needs (:func:`inference.models.hub_files.auto_select`). Raises DownloadError or Cancelled."""
    options = options or DownloadOptions()
    progress = progress or Progress()
    if offline_mode():
        raise DownloadError("offline", tr("download.error.offline", DOMAIN, repo=repo))
    endpoint = hub_endpoint(options.endpoint)
    local_dir.mkdir(parents=True, exist_ok=True)
    job = {
        "repo": repo,
        "revision": revision,
        "local_dir": str(local_dir),
        "endpoint": endpoint,
        "token": options.token,
        "allow_patterns": list(allow_patterns),
        "optional_patterns": list(optional_patterns),
        "retries": options.retries,
        "backoff_s": options.backoff_s,
        "backoff_max_s": options.backoff_max_s,
        "etag_timeout_s": options.etag_timeout_s,
        "auto": auto,
    }

    reported = 0

    def forward(status: DownloadStatus) -> None:
        nonlocal reported
        if status.total_bytes and progress.current_stage != STAGE_DOWNLOAD:
            progress.stage(STAGE_DOWNLOAD, status.total_bytes, model_id)
        if status.done_bytes > reported and progress.current_stage == STAGE_DOWNLOAD:
            progress.message = status.describe()
            progress.advance(status.done_bytes - reported)
            reported = status.done_bytes
        if on_status is not None:
            on_status(status)

    watcher = _Watcher(model_id, local_dir, forward)
    watcher.on_status(watcher.status)
    final = _run_worker(job, watcher, progress, options)
    if final.get("event") == "error":
        with contextlib.suppress(OSError):
            local_dir.rmdir()  # only when nothing was fetched: no "partial" ghost entry
        kind = final.get("kind", "unexpected")
        raise DownloadError(kind, error_message(kind, repo, final))
    try:  # what goes into the manifest passes the same check as what was fetched
        files = [
            FileRecord(check_remote_name(f["path"]), int(f["size"]), f.get("sha256"))
            for f in final["files"]
        ]
    except UnsafeName as exc:
        raise DownloadError(
            "unsafe_name", error_message("unsafe_name", repo, {"detail": exc.name})
        ) from None
    return DownloadResult(str(final["commit"]), files, endpoint)


def _run_worker(
    job: dict[str, Any], watcher: _Watcher, progress: Progress, options: DownloadOptions
) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference.models.hub_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_worker_env(job["endpoint"], options),
        text=True,
        encoding="utf-8",
    )
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()
    stderr_tail: deque[str] = deque(maxlen=40)
    threading.Thread(target=_read_events, args=(proc.stdout, events), daemon=True).start()
    threading.Thread(target=_read_tail, args=(proc.stderr, stderr_tail), daemon=True).start()
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job))
    proc.stdin.close()
    final: dict[str, Any] | None = None
    try:
        while True:
            if progress.cancelled:
                raise Cancelled()
            try:
                event = events.get(timeout=options.poll_s)
            except queue.Empty:
                watcher.poll()
                continue
            if event is None:  # the worker closed stdout: it is ending
                break
            if event.get("event") in ("done", "error"):
                final = event
            watcher.handle(event)
    finally:
        _stop(proc, grace_s=5.0 if final is not None else 0.0)
    if final is None:
        detail = "".join(stderr_tail).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {"event": "error", "kind": "unexpected", "detail": detail[0][:300]}
    return final


def _read_events(stream: Any, events: queue.Queue) -> None:
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            events.put(json.loads(line))
        except json.JSONDecodeError:
            continue  # not ours (a library print): ignore rather than fail the download
    events.put(None)


def _read_tail(stream: Any, tail: deque[str]) -> None:
    for line in stream:
        tail.append(line)


def _stop(proc: subprocess.Popen, grace_s: float) -> None:
    """Reap a worker that reported its end; end one at once on cancel or a crash."""
    if grace_s:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
