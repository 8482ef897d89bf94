"""A local Hugging Face Hub look-alike for download tests: a real HTTP server on 127.0.0.1
(stdlib ``ThreadingHTTPServer`` in a thread) serving enough of the Hub's HTTP API for
``huggingface_hub`` 0.36 to download a repo the test builds from a folder:

* ``GET /api/models/{owner}/{name}/revision/{rev}`` — model info with ``sha`` and ``siblings``
  (``size``, ``blobId``, ``lfs.sha256`` for LFS files);
* ``HEAD|GET /{owner}/{name}/resolve/{rev}/{path}`` — ``X-Repo-Commit``, ``ETag``
  (git blob id, or ``X-Linked-Etag``/``X-Linked-Size`` + a 302 to ``/cdn/<sha256>`` for LFS
  files, like the real Hub's CDN redirect), ``Content-Length``;
* ``GET /cdn/<sha256>`` with ``Range`` support (206 + ``Content-Range``) for resumes;
* errors with the Hub's ``X-Error-Code`` header (RepoNotFound, RevisionNotFound,
  EntryNotFound, GatedRepo).

Faults are injected per test through :class:`Faults`: drop the connection after N bytes,
stall mid-body, throttle, serve corrupted bytes, answer with given status codes first, list
hostile file names (``..``, absolute paths) like an attacker's server.
Every request is logged (method, path, Range) so tests can assert what the client did.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

LFS_SUFFIXES = (".safetensors", ".bin", ".onnx", ".onnx_data", ".pt")
CHUNK = 64 * 1024


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


@dataclass
class RepoFile:
    data: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def blob_id(self) -> str:
        return git_blob_id(self.data)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.blob_id


@dataclass
class Repo:
    repo_id: str
    commit: str
    files: dict[str, RepoFile]
    gated: bool = False

    @classmethod
    def from_folder(cls, repo_id: str, folder: Path, extra: dict[str, bytes] | None = None) -> Repo:
        files = {}
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                files[name] = RepoFile(path.read_bytes(), name.endswith(LFS_SUFFIXES))
        for name, data in (extra or {}).items():
            files[name] = RepoFile(data, name.endswith(LFS_SUFFIXES) or len(data) > 10_000_000)
        commit = hashlib.sha1(repo_id.encode() + b"".join(f.etag.encode() for f in files.values()))
        return cls(repo_id, commit.hexdigest(), files)

    def file_by_sha256(self, sha: str) -> RepoFile | None:
        return next((f for f in self.files.values() if f.lfs and f.sha256 == sha), None)


@dataclass
class Faults:
    """What the server does wrong, consumed as requests arrive (thread-safe via the lock)."""

    # path in repo -> statuses to answer (one per request) before behaving (e.g. [500, 500]);
    # the key "info" is the model-info call.
    statuses: dict[str, list[int]] = field(default_factory=dict)
    drop_after: dict[str, int] = field(default_factory=dict)  # once: close after N body bytes
    # once: answer without Content-Length and close cleanly after N bytes (the client sees a
    # short file, not a broken connection)
    cut_after: dict[str, int] = field(default_factory=dict)
    stall_after: dict[str, tuple[int, float]] = field(default_factory=dict)  # once: N bytes, sleep
    corrupt: dict[str, int] = field(default_factory=dict)  # path -> times to serve bad bytes
    throttle_bps: int = 0  # body bytes per second, 0 = full speed
    claimed_sizes: dict[str, int] = field(default_factory=dict)  # model info lies about sizes
    # A minimal mirror's model info: file names only (no sizes, hashes or LFS data), no commit.
    bare_listing: bool = False
    # A hostile Hub: these names are added to every listing ("tokenizer/../../PWN.txt"), and
    # any file request the repo cannot answer gets ``hostile_payload`` (clients normalise
    # "..", so the server cannot know which name was meant).
    hostile_names: list[str] = field(default_factory=list)
    hostile_payload: bytes = b"PWNED by a hostile hub\n"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self, key: str) -> int | None:
        with self.lock:
            queue = self.statuses.get(key)
            return queue.pop(0) if queue else None

    def drop(self, name: str) -> int | None:
        with self.lock:
            return self.drop_after.pop(name, None)

    def cut(self, name: str) -> int | None:
        with self.lock:
            return self.cut_after.pop(name, None)

    def stall(self, name: str) -> tuple[int, float] | None:
        with self.lock:
            return self.stall_after.pop(name, None)

    def corrupted(self, name: str) -> bool:
        with self.lock:
            left = self.corrupt.get(name, 0)
            if left > 0:
                self.corrupt[name] = left - 1
            return left > 0


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # dropped connections are deliberate here; no tracebacks on stderr


class HubServer:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.faults = Faults()
        self.log: list[tuple[str, str, str]] = []  # (method, path, Range header)
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, repo: Repo) -> Repo:
        self.repos[repo.repo_id] = repo
        return repo

    def requests_for(self, suffix: str, method: str = "GET") -> list[tuple[str, str, str]]:
        return [r for r in self.log if r[0] == method and r[1].endswith(suffix)]

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    """A running server with huggingface_hub pointed at it, the shipped catalogue, and no
    token or offline switch of the user's in the way (conftest sets HF_HUB_OFFLINE=1)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    for name in ("DEMOTIVATOR_CATALOG", "HF_TOKEN", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HF_HUB_ENABLE_HF_TRANSFER", raising=False)
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def _handler_for(hub: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the request log above is the record; stderr stays quiet

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._route(head=True)

        def do_GET(self) -> None:  # noqa: N802
            self._route(head=False)

        # --- routing ---------------------------------------------------------------
        def _route(self, head: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            hub.log.append((self.command, path, self.headers.get("Range", "")))
            parts = path.strip("/").split("/")
            if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "revision":
                return self._info("/".join(parts[2:4]), parts[5])
            if len(parts) >= 5 and parts[2] == "resolve":
                return self._resolve("/".join(parts[:2]), parts[3], "/".join(parts[4:]), head)
            if len(parts) == 2 and parts[0] == "cdn":
                return self._cdn(parts[1], head)
            if hub.faults.hostile_names and hub.repos:  # "…/resolve/…/../../x" normalised
                return self._hostile(next(iter(hub.repos.values())), head)
            return self._error(404, "EntryNotFound")

        def _repo(self, repo_id: str, rev: str) -> Repo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._error(404, "RepoNotFound")
                return None
            if repo.gated:
                self._error(401, "GatedRepo")
                return None
            if rev not in (repo.commit, "main"):
                self._error(404, "RevisionNotFound", commit=None)
                return None
            return repo

        def _info(self, repo_id: str, rev: str) -> None:
            status = hub.faults.status("info")
            if status:
                return self._error(status, "")
            repo = self._repo(repo_id, rev)
            if repo is None:
                return
            siblings = []
            for name, f in repo.files.items():
                size = hub.faults.claimed_sizes.get(name, len(f.data))
                sib = {"rfilename": name, "size": size, "blobId": f.blob_id}
                if f.lfs:
                    sib["lfs"] = {"sha256": f.sha256, "size": size, "pointerSize": 134}
                siblings.append({"rfilename": name} if hub.faults.bare_listing else sib)
            for name in hub.faults.hostile_names:
                bad = RepoFile(hub.faults.hostile_payload, lfs=False)
                siblings.append({"rfilename": name, "size": len(bad.data), "blobId": bad.blob_id})
            info = {"id": repo_id, "sha": repo.commit, "siblings": siblings}
            if hub.faults.bare_listing:
                del info["sha"]
            body = json.dumps(info | {"private": False, "gated": False}).encode()
            self._send(200, {"Content-Type": "application/json"}, body, head=False)

        def _resolve(self, repo_id: str, rev: str, name: str, head: bool) -> None:
            status = hub.faults.status(name)
            if status:
                return self._error(status, "")
            repo = self._repo(repo_id, rev)
            if repo is None:
                return
            f = repo.files.get(name)
            if f is None and hub.faults.hostile_names:
                return self._hostile(repo, head)
            if f is None:
                return self._error(404, "EntryNotFound", commit=repo.commit)
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{f.etag}"'}
            if f.lfs:  # the real Hub redirects LFS files to its CDN
                headers |= {
                    "X-Linked-Etag": f'"{f.sha256}"',
                    "X-Linked-Size": str(len(f.data)),
                    "Location": f"{hub.url}/cdn/{f.sha256}?name={name}",
                }
                return self._send(302, headers, b"", head=True)
            self._body(f, name, headers, head)

        def _hostile(self, repo: Repo, head: bool) -> None:
            f = RepoFile(hub.faults.hostile_payload, lfs=False)
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{f.etag}"'}
            self._body(f, "hostile", headers, head)

        def _cdn(self, sha: str, head: bool) -> None:
            repo_file = next(
                (f for r in hub.repos.values() if (f := r.file_by_sha256(sha)) is not None), None
            )
            if repo_file is None:
                return self._error(404, "")
            query = urlsplit(self.path).query
            name = unquote(query.split("name=", 1)[1]) if "name=" in query else sha
            self._body(repo_file, name, {"ETag": f'"{sha}"'}, head)

        # --- responses ---------------------------------------------------------------
        def _body(self, f: RepoFile, name: str, headers: dict[str, str], head: bool) -> None:
            data = f.data
            if not head and hub.faults.corrupted(name):
                data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]  # same size, bad bytes
            start, status = 0, 200
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes="):
                first, _, last = rng[6:].partition("-")
                start = int(first or 0)
                end = int(last) if last else len(data) - 1
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                data, status = data[start : end + 1], 206
            headers |= {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
            if head:
                return self._send(status, headers, data, head=True)
            drop, stall = hub.faults.drop(name), hub.faults.stall(name)
            cut = hub.faults.cut(name)
            if cut is not None:
                return self._send_cut(status, headers, data[:cut])
            self._send(status, headers, data, head=False, drop_at=drop, stall=stall)

        def _send_cut(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def _error(self, status: int, code: str, commit: str | None = None) -> None:
            headers = {"Content-Type": "application/json"}
            if code:
                headers["X-Error-Code"] = code
            if commit:
                headers["X-Repo-Commit"] = commit
            body = json.dumps({"error": code or f"status {status}"}).encode()
            self._send(status, headers, body, head=self.command == "HEAD")

        def _send(
            self,
            status: int,
            headers: dict[str, str],
            body: bytes,
            head: bool,
            drop_at: int | None = None,
            stall: tuple[int, float] | None = None,
        ) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if head:
                return
            sent = 0
            while sent < len(body):
                if drop_at is not None and sent >= drop_at:
                    self.close_connection = True
                    self.connection.shutdown(2)  # the client sees a truncated body
                    return
                if stall is not None and sent >= stall[0]:
                    time.sleep(stall[1])
                    stall = None
                piece = body[sent : sent + CHUNK]
                if drop_at is not None:
                    piece = piece[: max(1, drop_at - sent)]
                self.wfile.write(piece)
                sent += len(piece)
                if hub.faults.throttle_bps:
                    time.sleep(len(piece) / hub.faults.throttle_bps)

    return Handler
