"""Tiny Stable Diffusion folders, built once per test session (real architectures, random
weights, no hub): ``tiny_sd_dir`` (diffusers layout with ``vae_tiny/``) and
``tiny_sd_onnx_dir`` (its ONNX export made by the project's own exporter); ``tiny_sdxs_dir``
(SDXS layout: ``vae/`` is the tiny VAE) and ``tiny_sdxs_onnx_dir`` (its export through the
``demotivator export`` command line)."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="session")
def tiny_sdxs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_sd import build_tiny_sdxs

    return build_tiny_sdxs(tmp_path_factory.mktemp("sdxs") / "tiny-sdxs")


@pytest.fixture(scope="session")
def tiny_sdxs_export(tiny_sdxs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``demotivator export SRC DST --kind illustrator`` run once: its exit code, the report
    it printed and the destination folder."""
    import contextlib
    import io

    from demotivator.cli import main

    dst = tmp_path_factory.mktemp("sdxs-onnx") / "tiny-sdxs-onnx"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["export", str(tiny_sdxs_dir), str(dst), "--kind", "illustrator", "--quiet"])
    return {"code": code, "report": json.loads(out.getvalue() or "null"), "dst": dst}


@pytest.fixture(scope="session")
def tiny_sdxs_onnx_dir(tiny_sdxs_export: dict) -> Path:
    assert tiny_sdxs_export["code"] == 0
    return tiny_sdxs_export["dst"]
