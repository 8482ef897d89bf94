"""The tiny test Qwen2 as a GGUF for the llama.cpp tests: :func:`export.gguf.export_gguf` on
the folder :func:`tests.tiny_text_models.build_tiny_qwen` saved (f32, a few hundred KiB)."""

from __future__ import annotations

from pathlib import Path


def write_gguf_from_folder(src: Path, dst: Path, precision: str = "f32") -> Path:
    from export.gguf import export_gguf

    return export_gguf(src, dst, precision)
