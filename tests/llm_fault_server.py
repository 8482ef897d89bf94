"""A small local HTTP server for the LLM-server fault cases only (the happy path is tested
against a real llama.cpp server): refused connections are a closed port; this one answers
``GET /v1/models`` and, on ``POST /v1/chat/completions``, does what ``mode`` says:

* ``"500"`` — HTTP 500 with an OpenAI-style error body;
* ``"garbage"`` — 200 and a stream line that is not JSON;
* ``"silent"`` — accepts the request and never answers (read timeouts);
* ``"stall"`` — streams one token, then waits until the client hangs up;
* ``"no_n"`` — ignores ``n`` (like ollama and LM Studio): one choice per request;
* ``"ollama"`` — ollama's native protocol (``/api/tags``, ``/api/chat`` as JSON lines), to
  check that the client speaks it (there is no ollama binary to test against here).

Every request body is kept in ``requests``; every request's Authorization header in ``auth``;
``hung_up`` is set when a stalled client closed the connection."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultServer:
    def __init__(self, mode: str = "500") -> None:
        self.mode = mode
        self.requests: list[dict] = []
        self.auth: list[str] = []
        self.received = threading.Event()
        self.hung_up = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet test output
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                owner.auth.append(self.headers.get("Authorization", ""))
                if owner.mode == "ollama" and self.path == "/api/tags":
                    data = {"models": [{"name": "qwen3:0.6b"}, {"name": "llama3:8b"}]}
                    self._send(200, json.dumps(data).encode())
                elif self.path.endswith("/models"):
                    data = {"data": [{"id": "fault-model"}, {"id": "other-model"}]}
                    self._send(200, json.dumps(data).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.requests.append(body)
                owner.auth.append(self.headers.get("Authorization", ""))
                owner.received.set()
                mode = owner.mode
                if mode == "500":
                    self._send(500, b'{"error": {"message": "boom: out of memory"}}')
                elif mode == "silent":
                    owner.release.wait(30)
                elif mode == "garbage":
                    self._send(200, b"data: {not json\n\n", "text/event-stream")
                elif mode in ("stall", "no_n"):
                    self._stream(body, stall=mode == "stall")
                elif mode == "ollama":
                    self._ollama(body)

            def _ollama(self, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Connection", "close")
                self.end_headers()
                seed = body.get("options", {}).get("seed", 0)
                for word in (f"Ответ{seed}", " и", " точка."):
                    line = {"message": {"role": "assistant", "content": word}, "done": False}
                    self.wfile.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                end = {"message": {"content": ""}, "done": True, "done_reason": "stop"}
                self.wfile.write(json.dumps(end).encode() + b"\n")

            def _stream(self, body: dict, stall: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                seed = body.get("seed", 0)
                words = [f" слово{seed}", " и", f" ещё{seed}."]
                for word in words[:1] if stall else words:
                    chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                if stall:
                    # wait for the client to hang up: reading returns b"" once it closes
                    self.connection.settimeout(30)
                    try:
                        while self.connection.recv(1):
                            pass
                    except OSError:
                        pass
                    owner.hung_up.set()
                    return
                done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
