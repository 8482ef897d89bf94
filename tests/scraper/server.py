"""A real HTTP server on 127.0.0.1 (stdlib, one thread per request) with fault injection.

Faults are queued per path and used up one per request, so "500 then success" is
``site.fault(path, Fault.status(500))``. ``hold_from(n)`` makes request number n and later
wait until ``release()`` — the resume test kills the scraper while it waits there.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DEFAULT_ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass(frozen=True)
class Fault:
    kind: str  # status | slow | truncate | cut_html | empty | redirect | endless | dribble
    status: int = 0
    retry_after: str | None = None
    seconds: float = 0.0

    @staticmethod
    def http(status: int, retry_after: str | None = None) -> Fault:
        return Fault("status", status=status, retry_after=retry_after)

    @staticmethod
    def slow(seconds: float) -> Fault:
        return Fault("slow", seconds=seconds)


@dataclass(frozen=True)
class Hit:
    path: str
    at: float  # time.monotonic()
    user_agent: str


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"


class FixtureSite:
    def __init__(self, routes: dict[str, bytes], robots: str | None = DEFAULT_ROBOTS) -> None:
        self.resources: dict[str, Resource] = {p: Resource(b) for p, b in routes.items()}
        if robots is not None:
            self.resources["/robots.txt"] = Resource(robots.encode(), "text/plain")
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._gate = threading.Event()
        self._gate.set()
        self._hold_from: int | None = None
        self.waiting = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # --- configuration -------------------------------------------------------------------
    def fault(self, path: str, *faults: Fault) -> None:
        self.faults[path].extend(faults)

    def hold_from(self, request_number: int) -> None:
        with self._lock:
            self._hold_from = request_number
            self._gate.clear()

    def release(self) -> None:
        with self._lock:
            self._hold_from = None
            self._gate.set()

    def hits_of(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site._handle(self)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._stopping.set()
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- serving -------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.hits.append(Hit(path, time.monotonic(), handler.headers.get("User-Agent", "")))
            held = self._hold_from is not None and len(self.hits) >= self._hold_from
            fault = self.faults[path].popleft() if self.faults[path] else None
            if held:
                self.waiting += 1
        if held:
            self._gate.wait(60)
            with self._lock:
                self.waiting -= 1
        # A route may name a query ("/day/?page=2"); otherwise the path alone decides.
        resource = self.resources.get(handler.path) or self.resources.get(path)
        try:
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "status":
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(handler, fault.status, b"<html>busy</html>", "text/html", extra)
            elif fault is not None and fault.kind == "redirect":
                self._send(handler, 302, b"", "text/html", {"Location": "/"})
            elif resource is None:
                self._send(handler, 404, b"<html>not found</html>", "text/html")
            elif fault is not None and fault.kind == "truncate":
                # Promise the whole body, send half, close: the client sees a cut body.
                body = resource.body
                self._send(
                    handler,
                    200,
                    body[: len(body) // 2],
                    resource.content_type,
                    {"Content-Length": str(len(body))},
                )
            elif fault is not None and fault.kind == "cut_html":
                self._send(
                    handler, 200, resource.body[: len(resource.body) // 2], resource.content_type
                )
            elif fault is not None and fault.kind == "endless":
                self._endless(handler)
            elif fault is not None and fault.kind == "dribble":
                self._dribble(handler, resource.body, resource.content_type, fault.seconds)
            elif fault is not None and fault.kind == "empty":
                self._send(handler, 200, b"", resource.content_type)
            else:
                self._send(handler, 200, resource.body, resource.content_type)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout) or was killed

    def _endless(self, handler: BaseHTTPRequestHandler) -> None:
        """A chunked page that never ends (until the client hangs up or the site stops)."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"x" * 65_536 + b"</p>\n"
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while not self._stopping.is_set():
            handler.wfile.write(frame)
        handler.close_connection = True

    def _dribble(
        self, handler: BaseHTTPRequestHandler, body: bytes, content_type: str, every: float
    ) -> None:
        """The whole body promised, then one byte per ``every`` seconds: every single read
        is quick, the page takes forever."""
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for i in range(len(body)):
            if self._stopping.wait(every):
                break
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
        handler.close_connection = True

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        headers.update(extra or {})
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
