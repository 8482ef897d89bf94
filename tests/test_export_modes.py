"""Exported folders have one file mode (issue 15): ONNX writes external weight data 0600,
every other file 0644 — a weight-only quantized export must not keep its weights private
while its graph is readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from export.cli import export_model
from inference.core.progress import Progress


def test_an_int8_weight_only_export_has_plain_modes(tmp_path: Path, tiny_generator_dir) -> None:
    previous = os.umask(0o022)
    try:
        dst = tmp_path / "gen-int8wo"
        export_model("generator", tiny_generator_dir, dst, "int8wo", Progress())
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in dst.rglob("*") if p.is_file()}
    assert "model.onnx_data" in modes  # the weights are in their own file
    assert set(modes.values()) == {0o644}, {n: oct(m) for n, m in modes.items()}
