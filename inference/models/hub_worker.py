"""The download worker: ``python -m inference.models.hub_worker`` reads one job (JSON) on stdin,
fetches the files with ``huggingface_hub`` into ``local_dir`` and reports JSON lines on stdout.

Why a child process: huggingface_hub reads ``HF_HUB_OFFLINE`` / ``HF_ENDPOINT`` once, at
import time, and cannot stop a file transfer half-way. A fresh process gets exactly the
environment the parent decided on, and cancel is "end the process" — at once, even inside a
10 MB read. What was written stays in ``<local_dir>/.cache/huggingface/download/*.incomplete``
and the next run resumes it with an HTTP Range request.

Events: ``plan`` (commit, files with sizes and hashes), ``file`` (one starts), ``file_done``
(with its SHA-256), ``retry`` (kind, attempt, wait), ``error`` (kind, detail), ``done``.
"""

from __future__ import annotations

import errno
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, TypeVar

from inference.core.file_hashes import git_blob_sha1, sha256_file
from inference.models.remote_names import UnsafeName, check_remote_name, safe_target

T = TypeVar("T")
RETRYABLE = ("network", "server", "rate_limited", "corrupt")
DISK_MARGIN = 64 * 1024 * 1024  # keep some room for the OS and the manifest
# huggingface_hub reads (and writes) 10 MiB at a time: the bytes on disk — our progress — and
# what survives a cancel grow in 10 MiB steps (10 s each at 1 MB/s). 1 MiB keeps both close.
WRITE_CHUNK = 1024 * 1024
# huggingface_hub's words when a file ends at another size than announced
_CONSISTENCY = re.compile(r"should be of size (\d+) but has size (\d+)")


class JobError(Exception):
    def __init__(self, kind: str, detail: str = "", **extra: Any) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.extra = kind, detail, extra


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _innermost_reason(exc: BaseException) -> str:
    """The deepest cause of a transport error, through exception chaining and urllib3's
    ``reason`` attributes, as one short line."""
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        nested = [getattr(current, "reason", None), current.__cause__, current.__context__]
        nested += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        inner = next((e for e in nested if isinstance(e, BaseException)), None)
        if inner is None:
            break
        current = inner
    text = str(current).strip().splitlines()[0] if str(current).strip() else ""
    # urllib3 prefixes the connection object's repr: keep what comes after it.
    if text.startswith(("HTTPConnection", "HTTPSConnection")):
        text = text.split("): ", 1)[-1]
    return (text or type(current).__name__)[:200]


def classify(exc: BaseException) -> JobError:
    """Map a huggingface_hub / requests / OS failure to one of our error kinds."""
    import requests
    from huggingface_hub import errors as hf

    if isinstance(exc, JobError):
        return exc
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, hf.OfflineModeIsEnabled):
        return JobError("offline", detail)
    if isinstance(exc, hf.LocalEntryNotFoundError):
        # hf_hub_download's wrapper for "the HEAD call failed": the cause says why.
        cause = exc.__cause__
        return classify(cause) if cause is not None else JobError("network", detail)
    if isinstance(exc, hf.GatedRepoError):
        return JobError("gated", detail)
    if isinstance(exc, hf.RepositoryNotFoundError):
        return JobError("repo_not_found", detail)
    if isinstance(exc, hf.RevisionNotFoundError):
        return JobError("revision_not_found", detail)
    if isinstance(exc, hf.EntryNotFoundError):
        return JobError("file_not_found", detail)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status in (401, 403):
            return JobError("auth", detail)
        if status == 429:
            return JobError("rate_limited", detail)
        if status >= 500:
            return JobError("server", detail)
        if status == 404 and "/api/models/" in (exc.response.url or ""):
            # A mirror or proxy without the Hub's X-Error-Code: 404 on the model's own API
            # still means "no such model here", not a refused file.
            return JobError("repo_not_found", detail)
        return JobError("http", detail, status=status)
    network = (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,  # the connection dropped mid-body
        ConnectionError,
        TimeoutError,
    )
    bad_url = (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    )
    if isinstance(exc, bad_url):  # HF_ENDPOINT (or --endpoint) is no http(s) address
        return JobError("bad_endpoint", detail)
    if isinstance(exc, (*network, requests.RequestException)):
        # Before OSError: requests' errors are OSErrors too. urllib3 wraps the reason in
        # two layers of repr ("MaxRetryError('HTTPConnectionPool(…'"); the user needs the
        # innermost one ("[Errno 111] Connection refused", "timed out").
        return JobError("network", _innermost_reason(exc))
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return JobError("disk_full", detail)
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        sizes = _CONSISTENCY.search(str(exc))
        if sizes and int(sizes[2]) < int(sizes[1]):
            # Cut short (a connection closed without an error): what arrived is good, so the
            # retry resumes it with a Range request instead of starting from byte 0.
            return JobError("network", f"connection closed at {sizes[2]} of {sizes[1]} bytes")
        return JobError("corrupt", detail)  # more than announced: the bytes are wrong
    if isinstance(exc, OSError):
        return JobError("io", detail)
    return JobError("unexpected", f"{type(exc).__name__}: {detail}")


def with_retries(
    job: dict[str, Any],
    name: str,
    call: Callable[[], T],
    before_retry: Callable[[JobError], None] | None = None,
) -> T:
    """``call()`` with exponential backoff on transient failures (network, 5xx, 429, a
    corrupted transfer); the worker's own retries come on top of huggingface_hub's."""
    attempts = int(job.get("retries", 4)) + 1
    base, cap = float(job.get("backoff_s", 1.0)), float(job.get("backoff_max_s", 30.0))
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:  # classified below; anything unknown is not retried
            err = classify(exc)
            if err.kind not in RETRYABLE or attempt == attempts:
                raise err from exc
            wait = min(cap, base * 2 ** (attempt - 1))
            emit(
                "retry",
                name=name,
                attempt=attempt,
                attempts=attempts,
                wait_s=wait,
                kind=err.kind,
                detail=err.detail,
            )
            if before_retry is not None:
                before_retry(err)
            time.sleep(wait)
    raise AssertionError("unreachable")


def plan_files(job: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The commit and the files to fetch: the repo's files at the pinned revision, filtered
    by the patterns; every required pattern must match (else the catalogue is stale). A job
    with ``auto`` (a repo the catalogue does not name) takes what a model folder needs."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=job["endpoint"], token=job.get("token"))
    info = with_retries(
        job, "", lambda: api.model_info(job["repo"], revision=job["revision"], files_metadata=True)
    )
    # A server that leaves out the commit (a minimal mirror): the revision asked for stands.
    commit = str(info.sha or job["revision"])
    siblings = {s.rfilename: s for s in info.siblings or []}
    names = list(siblings)
    for name in names:  # before any pattern sees it or any path is built from it
        try:
            check_remote_name(name)
        except UnsafeName as exc:
            raise JobError("unsafe_name", exc.name) from None
    if job.get("auto"):
        chosen = _auto_names(job, names, commit)
    else:
        patterns = list(job["allow_patterns"]) + list(job.get("optional_patterns", []))
        unmatched = [p for p in job["allow_patterns"] if not any(fnmatch(n, p) for n in names)]
        if unmatched:
            raise JobError("catalog_mismatch", ", ".join(unmatched))
        chosen = [n for n in names if any(fnmatch(n, p) for p in patterns)]
    files = []
    for name in chosen:
        s = siblings[name]
        lfs = s.lfs
        size = lfs.size if lfs else s.size
        if size is None:  # the listing has no sizes: the file's own headers do
            size = _remote_size(job, commit, name)
        files.append(
            {
                "name": name,
                "size": None if size is None else int(size),
                "sha256": lfs.sha256 if lfs else None,
                "blob_id": None if lfs else s.blob_id,
            }
        )
    return commit, files


def _auto_names(job: dict[str, Any], names: list[str], commit: str) -> list[str]:
    from inference.models.hub_files import auto_select, looks_like_model, sd_components

    if not looks_like_model(names):
        raise JobError("not_a_model", ", ".join(names[:8]))
    components = None
    if "model_index.json" in names:
        from huggingface_hub import hf_hub_download

        local_dir = Path(job["local_dir"])
        path = with_retries(
            job,
            "model_index.json",
            lambda: hf_hub_download(
                job["repo"],
                "model_index.json",
                revision=commit,
                local_dir=local_dir,
                endpoint=job["endpoint"],
                token=job.get("token"),
            ),
        )
        try:
            components = sd_components(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, AttributeError):
            components = None  # unreadable: every sub-folder is fetched
    return auto_select(names, components)


def _remote_size(job: dict[str, Any], commit: str, name: str) -> int | None:
    """The size a file's HEAD announces (the listing of a minimal server has none)."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(job["repo"], name, revision=commit, endpoint=job["endpoint"])
    meta = with_retries(
        job,
        name,
        lambda: get_hf_file_metadata(
            url, token=job.get("token"), timeout=float(job.get("etag_timeout_s", 10.0))
        ),
    )
    return meta.size


def check_disk(local_dir: Path, files: list[dict[str, Any]]) -> None:
    """Refuse up front when the rest of the download cannot fit (huggingface_hub only warns)."""
    needed = 0
    for f in files:
        target = local_dir / f["name"]
        if f["size"] and not (target.is_file() and target.stat().st_size == f["size"]):
            needed += f["size"]
    needed -= sum(p.stat().st_size for p in local_dir.rglob("*.incomplete"))
    free = shutil.disk_usage(local_dir).free
    if needed + DISK_MARGIN > free:  # the margin counts: the message adds up with "free"
        raise JobError("disk_full", "", needed=needed + DISK_MARGIN, free=free)


def _forget(local_dir: Path, name: str) -> None:
    """Drop a bad copy and huggingface_hub's record of it, so the next try fetches it anew."""
    from huggingface_hub._local_folder import get_local_download_paths

    paths = get_local_download_paths(local_dir, name)
    paths.file_path.unlink(missing_ok=True)
    paths.metadata_path.unlink(missing_ok=True)
    # incomplete_path(etag) names "<hash>.<etag>.incomplete": "*" matches any etag of it.
    for stale in paths.metadata_path.parent.glob(paths.incomplete_path("*").name):
        stale.unlink(missing_ok=True)


def fetch_file(job: dict[str, Any], local_dir: Path, commit: str, f: dict[str, Any]) -> str:
    """Download one file (resuming a partial one) and check it; returns its SHA-256."""
    from huggingface_hub import hf_hub_download

    def attempt() -> str:
        try:  # again here: a link left in a resumed folder must not lead outside
            safe_target(local_dir, f["name"])
        except UnsafeName as exc:
            raise JobError("unsafe_name", exc.name) from None
        path = Path(
            hf_hub_download(
                job["repo"],
                f["name"],
                revision=commit,
                local_dir=local_dir,
                endpoint=job["endpoint"],
                token=job.get("token"),
                etag_timeout=float(job.get("etag_timeout_s", 10.0)),
            )
        )
        if f["size"] is not None and path.stat().st_size != f["size"]:
            raise JobError("corrupt", f"{f['name']}: size {path.stat().st_size} != {f['size']}")
        digest = sha256_file(path)
        if f["sha256"]:
            intact = digest == f["sha256"]
        else:
            intact = not f["blob_id"] or git_blob_sha1(path) == f["blob_id"]
        if not intact:
            raise JobError("corrupt", f"{f['name']}: hash mismatch")
        return digest

    def before_retry(err: JobError) -> None:
        if err.kind == "corrupt":  # a partial file is kept for resume; a wrong one is not
            _forget(local_dir, f["name"])

    return with_retries(job, f["name"], attempt, before_retry)


def run(job: dict[str, Any]) -> None:
    from huggingface_hub import constants

    constants.DOWNLOAD_CHUNK_SIZE = WRITE_CHUNK  # read at each transfer, so this applies
    local_dir = Path(job["local_dir"])
    local_dir.mkdir(parents=True, exist_ok=True)
    commit, files = plan_files(job)
    emit("plan", commit=commit, files=files, total=sum(f["size"] or 0 for f in files))
    check_disk(local_dir, files)
    done = []
    for index, f in enumerate(files):
        emit("file", name=f["name"], index=index, size=f["size"] or 0)
        digest = fetch_file(job, local_dir, commit, f)
        size = (local_dir / f["name"]).stat().st_size
        done.append({"path": f["name"], "size": size, "sha256": digest})
        emit("file_done", name=f["name"], index=index, size=f["size"] or 0, sha256=digest)
    emit("done", commit=commit, files=done)


def main() -> int:
    job = json.loads(sys.stdin.read())
    try:
        run(job)
    except Exception as exc:  # every failure leaves as one classified event
        err = classify(exc)
        emit("error", kind=err.kind, detail=err.detail, **err.extra)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
