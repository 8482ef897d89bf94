"""The benchmark's GGUF row: the generator spec exported to a Q8_0 GGUF by export/gguf.py
and timed on llama.cpp through the same measurement as the ONNX rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.specs import CONFIGS_DIR

pytest.importorskip("xllamacpp")


@pytest.mark.slow
def test_llamacpp_variant_is_prepared_and_measured(tmp_path: Path) -> None:
    from bench.text_stages import measure_generator
    from bench.variants import GGUF_FILE, VARIANTS, prepare_task
    from inference.models.gguf_header import describe, read_metadata

    assert "llamacpp-q8_0" in VARIANTS["generator"]
    task = {
        "configs": str(CONFIGS_DIR / "tiny"),
        "spec": "tiny-qwen",
        "variant": "llamacpp-q8_0",
        "cache": str(tmp_path / "models"),
    }
    prepared = prepare_task(task)
    gguf = Path(prepared["folder"]) / GGUF_FILE
    assert describe(read_metadata(gguf))["quantization"] == "Q8_0"
    result = measure_generator(
        {
            "folder": prepared["folder"],
            "backend": "llamacpp",
            "threads": 1,
            "repeats": 1,
            "candidates": 4,
            "new_tokens": 8,
            "prompt_tokens": 16,
            "artifacts": str(tmp_path / "a.npz"),
        }
    )
    assert result["prompt_tokens"] == 16 and result["candidates"] == 4
    run = result["runs"][0]
    assert run["rows"] == 4 and 1 <= run["new_tokens"] <= 8 and run["total_s"] > 0
    assert not (tmp_path / "a.npz").exists()  # no logits to compare from llama.cpp
