"""Tiny Stable Diffusion folders, built once per test session (real architectures, random
weights, no hub): ``tiny_sd_dir`` (diffusers layout with ``vae_tiny/``) and
``tiny_sd_onnx_dir`` (its ONNX export made by the project's own exporter)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_sd_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Imported here, not at the top: this module is a conftest plugin, and tiny_sd pulls in
    # torch/transformers (~15 s) that a test run which never asks for the model must not pay.
    from tests.tiny_sd import build_tiny_sd

    return build_tiny_sd(tmp_path_factory.mktemp("sd") / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_sd_onnx_dir(tiny_sd_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from export.illustrator import export_illustrator

    dst = tmp_path_factory.mktemp("sd-onnx") / "tiny-sd-onnx"
    export_illustrator(tiny_sd_dir, dst)
    return dst
