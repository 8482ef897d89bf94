"""Checks on a base model folder before training starts, and loading it with every library
failure turned into one clear line (the trainers must never end in a traceback because a
folder is of the wrong kind, of an unknown architecture or damaged)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.text.model_folders import FolderInfo, describe_load_error, inspect_folder

DOMAIN = "training"
T = TypeVar("T")


def _auto_mappings() -> tuple[dict[str, str], dict[str, str]]:
    """transformers' own tables: model type -> class name, for causal LMs and for sequence
    classification (what AutoModelFor… can build)."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES,
    )

    return dict(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES), dict(
        MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES
    )


def _kind(info: FolderInfo) -> str:
    kind = info.model_type or "?"
    return kind + (f" / {', '.join(info.architectures)}" if info.architectures else "")


def check_base_folder(path: str | Path, task: str) -> FolderInfo:
    """A plain Hugging Face folder with PyTorch weights and a tokenizer (an ONNX-only export
    cannot be fine-tuned) whose architecture suits ``task``: ``causal-lm`` (the generator:
    any causal LM transformers knows, e.g. Qwen2ForCausalLM, GPT2LMHeadModel) or
    ``sequence-classification`` (the ranker: a BERT-like encoder; a text generator's folder
    is refused, it is almost always a swapped ``--base``)."""
    info = inspect_folder(path)  # missing folder / no config.json: the core's own messages
    if not info.torch_weights:
        raise ModelError(tr("base.no_torch_weights", DOMAIN, path=str(info.path)))
    if not info.has_tokenizer:
        raise ModelError(tr("base.no_tokenizer", DOMAIN, path=str(info.path)))
    causal, classify = _auto_mappings()
    causal_classes = set(causal.values())
    if task == "causal-lm":
        known = info.model_type in causal
        # the folder's own head must generate (BertForMaskedLM is a "bert" but no writer)
        if not known or (
            info.architectures and not any(a in causal_classes for a in info.architectures)
        ):
            raise ModelError(tr("base.not_causal", DOMAIN, path=str(info.path), kind=_kind(info)))
    else:
        generator_only = bool(info.architectures) and all(
            a in causal_classes for a in info.architectures
        )
        if info.model_type not in classify or generator_only:
            raise ModelError(tr("base.not_encoder", DOMAIN, path=str(info.path), kind=_kind(info)))
    return info


def load_or_explain(info: FolderInfo, load: Callable[[], T]) -> T:
    """``load()`` (a from_pretrained call); truncated weights, a broken tokenizer file or a
    shape mismatch become the core's "damaged folder" message instead of a traceback."""
    try:
        return load()
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any library failure means an unusable folder
        raise describe_load_error(info, "torch", exc) from exc


def load_pretrained(cls: Any, info: FolderInfo, **kwargs: Any) -> Any:
    """``cls.from_pretrained(folder, local_files_only=True, **kwargs)`` with clear errors."""
    return load_or_explain(
        info, lambda: cls.from_pretrained(info.path, local_files_only=True, **kwargs)
    )


def usable_length(requested: int, tokenizer: Any, config: Any) -> int:
    """``--max-length`` capped by what the model takes (its position embeddings, the
    tokenizer's real limit): a longer input would crash a small base mid-training."""
    from inference.text.text_backends import model_max_length

    return min(requested, model_max_length(tokenizer, config, fallback=requested))
