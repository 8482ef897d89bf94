"""Parity between a PyTorch folder and its ONNX export, written as ``parity.json``.

Shared by the text and image exports. Field names used in every report:
``kind``, ``quantize``, ``max_abs_logits_diff`` (text), ``greedy_tokens_identical`` and
``greedy_token_agreement`` (generator), ``image_mean_abs_diff`` (illustrator), ``versions``.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from inference.core.jsonfiles import read_json_file, write_json_file

PARITY_FILE = "parity.json"
_VERSIONED = (
    "torch",
    "transformers",
    "optimum",
    "optimum-onnx",
    "onnxruntime",
    "onnx",
    "diffusers",
)


def to_numpy(x: Any) -> np.ndarray:
    """torch tensors (any device/dtype), numpy arrays and lists as float64 numpy."""
    if hasattr(x, "detach"):
        x = x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def max_abs_diff(a: Any, b: Any) -> float:
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def mean_abs_diff(a: Any, b: Any) -> float:
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    return float(np.mean(np.abs(a - b))) if a.size else 0.0


def token_agreement(a: Sequence[int], b: Sequence[int]) -> tuple[bool, float]:
    """(identical, share of positions that agree over the longer sequence)."""
    a, b = list(a), list(b)
    longest = max(len(a), len(b))
    if longest == 0:
        return True, 1.0
    same = sum(x == y for x, y in zip(a, b, strict=False))
    return a == b, same / longest


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def write_parity(dst: Path, report: dict[str, Any]) -> Path:
    """Write ``report`` (plus library versions) as ``dst/parity.json``; returns the path."""
    report = {**report, "versions": report.get("versions") or library_versions()}
    return write_json_file(Path(dst) / PARITY_FILE, report)


def read_parity(folder: Path) -> dict[str, Any] | None:
    """The parity report of an exported folder, or None if it has none / it is unreadable."""
    return read_json_file(Path(folder) / PARITY_FILE)
