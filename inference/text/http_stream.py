"""A small HTTP client for local LLM servers: JSON requests, streamed answers read line by
line, and an ``abort()`` that closes the socket from another thread (the Stop button), so a
cancelled run never waits for the server's next token.

Plain ``http.client`` rather than requests: we own the socket, there is no proxy lookup for
a server on this machine, and nothing here ever logs a header (the API key rides in one).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 300.0  # a big model on a CPU may think long before its first token


class ServerError(Exception):
    """The server could not be reached, timed out or answered with an error; ``str()`` is
    one line for the user (no headers, no API key)."""

    def __init__(self, message: str, status: int | None = None, answered: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.answered = answered or status is not None  # the server said something wrong


def public_url(url: str) -> str:
    """``url`` without user:password@ (what may be shown, logged or saved)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else exc.strerror
    return str(exc) or type(exc).__name__


class Request:
    """One request; iterate :meth:`lines` for the body, call :meth:`abort` from any thread."""

    def __init__(
        self,
        url: str,
        body: dict[str, Any] | None = None,
        api_key: str = "",
        read_timeout: float = READ_TIMEOUT_S,
    ) -> None:
        self.url = url
        self.body = body
        self.api_key = api_key
        self.read_timeout = read_timeout
        self._conn: http.client.HTTPConnection | None = None
        self._aborted = threading.Event()
        self._lock = threading.Lock()

    @property
    def aborted(self) -> bool:
        return self._aborted.is_set()

    def abort(self) -> None:
        self._aborted.set()
        with self._lock:
            conn = self._conn
        sock = getattr(conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # unblocks a recv() in the reading thread at once
                sock.shutdown(socket.SHUT_RDWR)

    def _open(self) -> http.client.HTTPResponse:
        parts = urlsplit(self.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname or "127.0.0.1", parts.port, timeout=CONNECT_TIMEOUT_S)
        with self._lock:
            self._conn = conn
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {"Accept": "application/json, text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None
        if self.body is not None:
            data = json.dumps(self.body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        conn.connect()
        if self._aborted.is_set():
            raise ServerError("cancelled")
        conn.sock.settimeout(self.read_timeout)
        conn.request("POST" if data is not None else "GET", path, body=data, headers=headers)
        return conn.getresponse()

    def lines(self) -> Iterator[bytes]:
        """The body's lines (without line ends). Raises :class:`ServerError`."""
        try:
            response = self._open()
            if response.status >= 400:
                detail = response.read(2000).decode("utf-8", errors="replace")
                raise ServerError(_error_text(response.status, detail), response.status)
            for line in response:
                yield line.rstrip(b"\r\n")
        except ServerError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            if self._aborted.is_set():
                return
            raise ServerError(_describe(exc)) from exc
        finally:
            self.close()

    def json(self) -> Any:
        """The whole body as JSON (a GET of a model list)."""
        raw = b"\n".join(self.lines())
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ServerError(f"not JSON: {raw[:80]!r}", answered=True) from exc

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _error_text(status: int, detail: str) -> str:
    """``HTTP 500: <the server's own message>`` on one line."""
    message = detail.strip()
    try:
        data = json.loads(detail)
        error = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(error, dict):
            message = str(error.get("message") or error)
        elif error:
            message = str(error)
    except (json.JSONDecodeError, AttributeError):
        pass
    message = " ".join(message.split())[:200]
    return f"HTTP {status}" + (f": {message}" if message else "")


def sse_events(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """JSON objects of a server-sent-events stream (``data: {…}``; ends at ``[DONE]``).
    A body that is plain JSON lines (ollama) is read the same way."""
    for line in lines:
        if not line or line.startswith(b":"):
            continue
        if line.startswith(b"data:"):
            line = line[5:].strip()
            if line == b"[DONE]":
                return
        elif line.startswith((b"event:", b"id:", b"retry:")):
            continue
        try:
            event = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ServerError(f"malformed stream: {line[:80]!r}", answered=True) from exc
        if not isinstance(event, dict):
            raise ServerError(f"malformed stream: {line[:80]!r}", answered=True)
        yield event
