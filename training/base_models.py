"""Checks on a base model folder before training starts (fast, JSON-only, clear errors)."""

from __future__ import annotations

from pathlib import Path

from inference.errors import ModelError
from inference.i18n import tr
from inference.model_folders import FolderInfo, inspect_folder

DOMAIN = "training"


def check_base_folder(path: str | Path) -> FolderInfo:
    """A plain Hugging Face folder with PyTorch weights and a tokenizer: training needs the
    PyTorch weights (an ONNX-only export cannot be fine-tuned)."""
    info = inspect_folder(path)  # missing folder / no config.json: the core's own messages
    if not info.torch_weights:
        raise ModelError(tr("base.no_torch_weights", DOMAIN, path=str(info.path)))
    if not info.has_tokenizer:
        raise ModelError(tr("base.no_tokenizer", DOMAIN, path=str(info.path)))
    return info
