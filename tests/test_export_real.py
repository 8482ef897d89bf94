"""The default export of a real generator stays faithful, and its rows stop at the joke's
end. Needs DEMOTIVATOR_REAL_GENERATOR (a real instruct model's folder with PyTorch weights);
skipped otherwise, and slow (several minutes: a real export and parity)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inference.core.params import GenerationParams
from inference.core.progress import Progress

FOLDER = os.environ.get("DEMOTIVATOR_REAL_GENERATOR", "")
pytestmark = [
    pytest.mark.skipif(not FOLDER, reason="DEMOTIVATOR_REAL_GENERATOR is not set"),
    pytest.mark.slow,
]


def test_default_export_is_faithful_and_rows_stop(tmp_path: Path) -> None:
    from export.cli import export_model
    from export.text_parity import GREEDY_MIN, TOP1_MIN
    from inference.text.generator import load_generator

    if not any(Path(FOLDER).glob("*.safetensors")):
        pytest.skip("the real folder has no PyTorch weights to export")
    report = export_model("generator", Path(FOLDER), tmp_path / "onnx", "auto", Progress())
    judged = report["verdict"]
    assert judged["faithful"], judged
    assert judged["greedy"] >= GREEDY_MIN and judged["top1"] >= TOP1_MIN
    gen = load_generator(tmp_path / "onnx", "onnx")
    rows = gen.raw_batch("Приходит мужик к врачу", 8, GenerationParams(max_new_tokens=48, seed=1),
                         Progress())  # fmt: skip
    assert sum(r["finished"] for r in rows) >= 6  # real endings end well before 48 tokens
