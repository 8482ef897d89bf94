"""``server`` generator backend: a local LLM server the user already runs.

Any OpenAI-compatible endpoint (``/v1/chat/completions``: llama.cpp's server, LM Studio,
vLLM, ollama's ``/v1``) or ollama's native API (``/api/chat``). N candidates come from one
request with ``n`` where the server honours it (llama.cpp's does); a server that answers
with fewer choices (ollama, LM Studio) is remembered and gets N parallel requests with seeds
``seed + i`` instead. Answers are streamed for per-token progress; Stop closes the sockets.
The scene description for the picture is asked of the same server and model.

The API key comes from the settings or ``DEMOTIVATOR_API_KEY``; it travels only in the
``Authorization`` header — names, warnings, errors and sidecars carry :func:`public_url`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.text.chat_generator import Ask, ChatApiGenerator, View, chat_body
from inference.text.http_stream import READ_TIMEOUT_S, Request, ServerError, public_url, sse_events

DOMAIN = "llm"
BACKEND = "server"
API_KEY_ENV = "DEMOTIVATOR_API_KEY"
OPENAI, OLLAMA = "openai", "ollama"
_SUFFIXES = ("/chat/completions", "/completions", "/models", "/api/tags", "/api/chat", "/api")
_POLL_S = 0.05  # how often the waiting thread looks at the Stop flag


@dataclass(frozen=True)
class Endpoint:
    base: str  # ".../v1" for the OpenAI API, the server root for ollama's
    api: str  # OPENAI or OLLAMA


def is_server_url(text: str | Path) -> bool:
    return str(text).strip().lower().startswith(("http://", "https://"))


def api_key_from(setting: str = "") -> str:
    return setting or os.environ.get(API_KEY_ENV, "")


def _unreachable(url: str, exc: ServerError) -> ModelError:
    """One line: «not responding» for sockets and timeouts, «answered with an error» for an
    HTTP error or a broken answer."""
    key = "server.unreachable" if exc.status is None and not exc.answered else "server.failed"
    return ModelError(tr(key, DOMAIN, url=public_url(url), err=str(exc)))


def find_endpoint(url: str, api_key: str = "", read_timeout: float = 30.0) -> Endpoint:
    """Which API ``url`` speaks: a path with ``/v1`` is OpenAI's; a bare server root is
    asked ollama's ``/api/tags`` first (its native API honours top_k, repeat_penalty and
    think=false), then ``/v1/models``."""
    url = url.strip().rstrip("/")
    for suffix in _SUFFIXES:
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    path = urlsplit(url).path
    if "/v1" in path:
        return Endpoint(url, OPENAI)
    if path:  # some other prefix: only the OpenAI layout makes sense below it
        return Endpoint(url, OPENAI)
    try:
        data = Request(f"{url}/api/tags", api_key=api_key, read_timeout=read_timeout).json()
        if isinstance(data, dict) and isinstance(data.get("models"), list):
            return Endpoint(url, OLLAMA)
    except ServerError as exc:
        if not exc.answered:  # nothing answers at all: say so now
            raise _unreachable(url, exc) from exc
    return Endpoint(f"{url}/v1", OPENAI)


def list_models(endpoint: Endpoint, api_key: str = "", read_timeout: float = 30.0) -> list[str]:
    """The model names the server offers, in its order."""
    path = "/api/tags" if endpoint.api == OLLAMA else "/models"
    try:
        data = Request(endpoint.base + path, api_key=api_key, read_timeout=read_timeout).json()
    except ServerError as exc:
        raise _unreachable(endpoint.base, exc) from exc
    items = (
        data.get("models" if endpoint.api == OLLAMA else "data") if isinstance(data, dict) else None
    )
    if not isinstance(items, list):
        raise ModelError(tr("server.bad_answer", DOMAIN, url=public_url(endpoint.base)))
    key = "name" if endpoint.api == OLLAMA else "id"
    return [str(m[key]) for m in items if isinstance(m, dict) and m.get(key)]


def check_server(url: str, api_key: str = "") -> tuple[Endpoint, list[str]]:
    """What the «Проверить» button and ``models verify`` ask: the API and its models."""
    endpoint = find_endpoint(url, api_key_from(api_key))
    return endpoint, list_models(endpoint, api_key_from(api_key))


class ServerGenerator(ChatApiGenerator):
    """Generation on a running local LLM server."""

    def __init__(
        self,
        url: str | Path,
        backend: str = BACKEND,
        threads: int = 0,  # the server has its own; kept for the loader signature
        model: str = "",
        api_key: str = "",
        read_timeout: float = READ_TIMEOUT_S,
    ) -> None:
        super().__init__()
        self.backend = BACKEND
        self.url = str(url).strip()
        self._api_key = api_key_from(api_key)
        self.read_timeout = read_timeout
        self.endpoint = find_endpoint(self.url, self._api_key, read_timeout)
        models = list_models(self.endpoint, self._api_key, read_timeout)
        if model and models and model not in models:
            raise ModelError(
                tr("server.no_such_model", DOMAIN, url=public_url(self.url), model=model,
                   models=", ".join(models[:10]))
            )  # fmt: skip
        if not model and not models:
            raise ModelError(tr("server.no_models", DOMAIN, url=public_url(self.url)))
        self.model_id = model or models[0]
        # llama.cpp's server names its model by the file's path: the file name says enough
        shown = Path(self.model_id).name if self.model_id.endswith(".gguf") else self.model_id
        self.name = f"{shown} @ {public_url(self.endpoint.base)}"
        self.supports_n: bool | None = None if self.endpoint.api == OPENAI else False

    def __repr__(self) -> str:  # never the key
        return f"ServerGenerator({self.name!r})"

    # --- one request -----------------------------------------------------------------------
    def _request(self, ask: Ask, n: int, seed: int | None) -> Request:
        params = ask.params
        if self.endpoint.api == OLLAMA:
            options = {
                "temperature": max(0.0, params.temperature), "top_p": params.top_p,
                "top_k": params.top_k, "repeat_penalty": params.repetition_penalty,
                "num_predict": params.max_new_tokens,
            }  # fmt: skip
            if seed is not None:
                options["seed"] = seed
            body: dict[str, Any] = {"model": self.model_id, "stream": True, "options": options,
                                    "think": False, "logprobs": True}  # fmt: skip
            if ask.messages is not None:
                body["messages"] = ask.messages
                path = "/api/chat"
            else:
                body.update(prompt=ask.plain, raw=True)
                path = "/api/generate"
        else:
            body = chat_body(ask, seed, self.model_id, n)
            path = "/chat/completions" if ask.messages is not None else "/completions"
        return Request(self.endpoint.base + path, body, self._api_key, self.read_timeout)

    def _feed(self, request: Request, view: View) -> None:
        """Read one streamed answer into ``view``; close it early once the view says stop."""
        for event in sse_events(request.lines()):
            if "error" in event:
                error = event["error"]
                message = error.get("message", error) if isinstance(error, dict) else error
                raise ServerError(" ".join(str(message).split())[:200], answered=True)
            stop = _ollama_event(event, view) if self.endpoint.api == OLLAMA else view(event)
            if stop:
                request.abort()
                return

    # --- N choices ---------------------------------------------------------------------------
    def _stream(self, ask: Ask, view: View) -> None:
        n, seed = ask.n, ask.params.seed
        start = 0
        if self.supports_n is not False:
            self._parallel([self._request(ask, n, seed)], [view])
            got = view.received()
            if n > 1 and self.supports_n is None and not view.stopping:
                self.supports_n = got >= n
            if got >= n or view.stopping:
                return
            start = got
        seeds = [None if seed is None else (seed + i) % 2**32 for i in range(n)]
        requests = [self._request(ask, 1, seeds[i]) for i in range(start, n)]
        self._parallel(requests, [view.part(i, 1) for i in range(start, n)])

    def _parallel(self, requests: list[Request], views: list[View]) -> None:
        """Run the requests on their own threads; this thread watches the Stop flag and
        closes every socket when it is set."""
        errors: list[ServerError] = []

        def run(request: Request, view: View) -> None:
            try:
                self._feed(request, view)
            except ServerError as exc:
                errors.append(exc)
                for other in requests:
                    other.abort()

        threads = [
            threading.Thread(target=run, args=(r, v), daemon=True, name="llm-server")
            for r, v in zip(requests, views, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(_POLL_S)
                if views[0].stopping:
                    for request in requests:
                        request.abort()
        if errors and not views[0].progress.cancelled:
            raise _unreachable(self.url, errors[0])


def _ollama_event(event: dict[str, Any], view: View) -> bool:
    message = event.get("message")
    text = message.get("content", "") if isinstance(message, dict) else event.get("response", "")
    logprobs = [
        (str(t.get("token", "")), float(t["logprob"]))
        for t in event.get("logprobs") or []
        if isinstance(t, dict) and isinstance(t.get("logprob"), int | float)
    ]
    finish = (event.get("done_reason") or "stop") if event.get("done") else None
    return view.add(0, text or "", logprobs, finish)


def load_server_generator(
    url: str | Path, backend: str = BACKEND, threads: int = 0, model: str = "", api_key: str = ""
) -> ServerGenerator:
    return ServerGenerator(url, backend, threads, model=model, api_key=api_key)
