"""GGUF and LLM-server fixtures: the tiny Qwen2 test models written as GGUF files, loaded by
the real llama.cpp binding, and a real llama.cpp server (xllamacpp's) on 127.0.0.1 serving
one of them. Import the fixtures into a test module by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_gguf import write_gguf_from_folder


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory, tiny_generator_dir: Path) -> Path:
    """The ChatML tiny generator as ``tiny-qwen.gguf`` (f32, chat template, EOS <|im_end|>)."""
    return write_gguf_from_folder(
        tiny_generator_dir, tmp_path_factory.mktemp("gguf") / "tiny-qwen.gguf"
    )


@pytest.fixture(scope="session")
def tiny_gguf_plain(
    tmp_path_factory: pytest.TempPathFactory, tiny_generator_plain_dir: Path
) -> Path:
    """The base (no chat template) tiny generator as a GGUF."""
    return write_gguf_from_folder(
        tiny_generator_plain_dir, tmp_path_factory.mktemp("gguf") / "tiny-qwen-base.gguf"
    )


@pytest.fixture(scope="session")
def llama_server(tiny_gguf: Path):
    """A real llama.cpp server (in this process, its own threads) on a free 127.0.0.1 port
    serving ``tiny_gguf``; yields its root URL (``http://127.0.0.1:PORT``)."""
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(tiny_gguf)
    params.verbosity = -1
    params.warmup = False
    params.n_parallel = 16
    params.kv_unified = True
    params.n_ctx = 4096
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xlc.Server(params)  # listens once the constructor returns
    # one token first: xllamacpp hangs when a Server is dropped right after construction
    server.handle_completions({"prompt": "1", "max_tokens": 1})
    yield server.listening_address
    del server
