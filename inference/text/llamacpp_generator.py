"""``llamacpp`` generator backend: a GGUF file run in-process by llama.cpp's own server engine
(the ``xllamacpp`` binding: prebuilt CPU wheels, continuous batching, thread-safe).

One request asks for N choices: llama.cpp evaluates the shared prompt once and copies its KV
cache into the other slots (a unified cache, so the prompt is stored once). The chat template
comes from the GGUF; requests, streaming, cancel and the candidate clean-up are shared with
the server backend (:mod:`inference.text.chat_generator`). The engine also listens on a random
127.0.0.1 port (xllamacpp always does); nothing of ours uses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.runtime_env import default_threads
from inference.models.gguf_header import NotGguf, describe, read_metadata
from inference.text.chat_generator import (
    MAX_CHOICES,
    Ask,
    ChatApiGenerator,
    View,
    chat_body,
)

DOMAIN = "llm"
BACKEND = "llamacpp"
# One unified cache for every slot of a run: the few-shot prompts of its groups and up to 16
# rows of 256 new tokens (positions count per row, so a model's own context length only
# limits one row).
CONTEXT_TOKENS = 8192


def gguf_info(path: str | Path) -> dict[str, Any]:
    """Header facts of a GGUF, or a translated ModelError (missing / not a GGUF / damaged)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelError(tr("gguf.missing", DOMAIN, path=str(path)))
    try:
        return describe(read_metadata(path))
    except (NotGguf, OSError, UnicodeDecodeError) as exc:
        raise ModelError(tr("gguf.not_gguf", DOMAIN, path=str(path), err=str(exc))) from exc


def _engine_params(path: Path, threads: int, context: int) -> Any:
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(path)
    params.verbosity = -1  # llama.cpp's logs are not for end users
    params.warmup = False  # the first real request warms up as well; loading stays quick
    params.n_parallel = MAX_CHOICES
    params.kv_unified = True  # one cache: the shared prompt is stored once
    params.n_ctx = context
    params.cache_ram_mib = 0  # no extra host-RAM prompt cache (the slots keep theirs)
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    return params


class LlamaCppGenerator(ChatApiGenerator):
    """A GGUF model on llama.cpp, in this process."""

    def __init__(self, path: str | Path, backend: str = BACKEND, threads: int = 0) -> None:
        super().__init__()
        self.path = Path(path).expanduser()
        self.info = gguf_info(self.path)
        self.backend = BACKEND
        self.name = self.path.stem
        self.threads = threads if threads and threads > 0 else default_threads()
        try:
            import xllamacpp as xlc
        except ImportError as exc:
            raise ModelError(tr("gguf.no_binding", DOMAIN, err=str(exc))) from exc
        try:
            self._engine: Any = xlc.Server(_engine_params(self.path, self.threads, CONTEXT_TOKENS))
        except RuntimeError as exc:  # unsupported architecture, damaged tensors, no memory
            raise ModelError(
                tr("gguf.load_failed", DOMAIN, path=str(self.path), arch=self.info["architecture"])
            ) from exc
        # One token through the engine: proves the file runs, and the engine's loop is
        # surely waiting before anything may destroy it (xllamacpp hangs in ~Server when
        # it is dropped right after construction).
        answer = self._engine.handle_completions({"prompt": "1", "max_tokens": 1})
        if not isinstance(answer, dict) or "error" in answer:
            self._engine = None
            raise ModelError(
                tr("gguf.load_failed", DOMAIN, path=str(self.path), arch=self.info["architecture"])
            )

    @property
    def has_chat_template(self) -> bool:
        return bool(self.info["chat_template"])

    def _stream(self, ask: Ask, view: View) -> None:
        if self._engine is None:
            raise ModelError(tr("gguf.closed", DOMAIN))
        body = chat_body(ask, ask.params.seed)
        failure: list[dict[str, Any]] = []

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, str | bytes):
                chunk = json.loads(chunk)
            if "error" in chunk or "code" in chunk:
                failure.append(chunk.get("error", chunk))
                return True
            return view(chunk)

        # thread-safe: the groups of one run are requests side by side in the slots
        if ask.messages is not None:
            self._engine.handle_chat_completions(body, on_chunk)
        else:
            self._engine.handle_completions(body, on_chunk)
        if failure:
            message = failure[0].get("message", "") if isinstance(failure[0], dict) else ""
            raise ModelError(tr("gguf.request_failed", DOMAIN, err=str(message)[:300]))

    def close(self) -> None:
        """Stop llama.cpp's loop and free the model."""
        self._engine = None


def load_llamacpp_generator(
    path: str | Path, backend: str = BACKEND, threads: int = 0
) -> LlamaCppGenerator:
    return LlamaCppGenerator(path, backend, threads)
