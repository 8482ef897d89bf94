"""Random-weight model folders with the real architectures and sizes, built once and cached.

A folder is exactly what a user's downloaded model looks like to the app (plain Hugging
Face / diffusers layout, ``save_pretrained`` output), so the app's own loaders and
exporters run on it unchanged. Weights are random (fixed seed): speed and memory are those
of the real model, the text and pictures are noise.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.specs import ModelSpec

SEED = 1234
MARKER = ".bench-complete.json"  # written last: a folder without it is a broken build


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_marker(folder: Path, info: dict[str, Any]) -> None:
    (Path(folder) / MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")


def folder_size_mb(folder: Path) -> float:
    files = [f for f in Path(folder).rglob("*") if f.is_file() and not f.is_symlink()]
    return round(sum(f.stat().st_size for f in files) / 2**20, 1)


def cached(folder: Path, make, recipe: str | None = None) -> dict[str, Any]:
    """Run ``make(folder)`` unless ``folder`` already holds a complete result; returns the
    marker (seconds it took, size, whatever ``make`` returned). ``recipe`` names how the
    result is made (e.g. a fingerprint of the export code): a folder made another way is
    made again instead of being reused."""
    folder = Path(folder)
    marker = read_marker(folder)
    if marker is not None and (recipe is None or marker.get("recipe") == recipe):
        return {**marker, "cached": True}
    if folder.exists():
        shutil.rmtree(folder)  # half-built by an interrupted run
    folder.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    extra = make(folder) or {}
    info = {"seconds": round(time.perf_counter() - started, 2), **extra}
    info["size_mb"] = folder_size_mb(folder)
    if recipe is not None:
        info["recipe"] = recipe
    write_marker(folder, info)
    return {**info, "cached": False}


def _torch_dtype(name: str | None):
    import torch

    return {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(name or "", torch.float32)


def build_generator(spec: ModelSpec, dst: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig

    from bench.vocab import qwen_tokenizer

    cfg = dict(spec.data["config"])
    model_type, dtype = cfg.pop("model_type"), cfg.pop("torch_dtype", None)
    tokenizer = qwen_tokenizer(cfg["vocab_size"], bool(spec.data.get("chat_template")))
    tokenizer.save_pretrained(dst)
    config = AutoConfig.for_model(
        model_type,
        **cfg,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(SEED)
    # Built directly in the checkpoint dtype (bf16 for Qwen2.5, like the real files): half
    # the memory of an fp32 build, and loaders meet the same conversion as with real weights.
    model = AutoModelForCausalLM.from_config(config, dtype=_torch_dtype(dtype)).eval()
    model.save_pretrained(dst, safe_serialization=True)
    GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    ).save_pretrained(dst)
    return {"parameters": sum(p.numel() for p in model.parameters())}


def build_ranker(spec: ModelSpec, dst: Path) -> dict[str, Any]:
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from bench.vocab import bert_tokenizer

    cfg = dict(spec.data["config"])
    model_type = cfg.pop("model_type")
    tokenizer = bert_tokenizer(cfg["vocab_size"], cfg.get("max_position_embeddings", 512))
    tokenizer.save_pretrained(dst)
    config = AutoConfig.for_model(model_type, **cfg)
    torch.manual_seed(SEED)
    model = AutoModelForSequenceClassification.from_config(config).eval()
    model.save_pretrained(dst, safe_serialization=True)
    return {"parameters": sum(p.numel() for p in model.parameters())}


def build_illustrator(spec: ModelSpec, dst: Path) -> dict[str, Any]:
    """A Stable Diffusion folder (UNet, CLIP text encoder, full VAE) plus ``vae_tiny/``
    (TAESD), the app's convention for a tiny decoder."""
    import tempfile

    import torch
    from diffusers import (
        AutoencoderKL,
        AutoencoderTiny,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from bench.vocab import clip_tokenizer

    data = spec.data
    torch.manual_seed(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = clip_tokenizer(Path(tmp), data["text_encoder"]["vocab_size"])
        text_config = CLIPTextConfig(
            **data["text_encoder"],
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        unet = UNet2DConditionModel(**data["unet"]).eval()
        pipe = StableDiffusionPipeline(
            vae=AutoencoderKL(**data["vae"]).eval(),
            text_encoder=CLIPTextModel(text_config).eval(),
            tokenizer=tokenizer,
            unet=unet,
            scheduler=EulerDiscreteScheduler(**data["scheduler"]),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
        pipe.save_pretrained(dst, safe_serialization=True)
    AutoencoderTiny(**data["vae_tiny"]).eval().save_pretrained(
        dst / "vae_tiny", safe_serialization=True
    )
    return {
        "parameters": {
            "unet": sum(p.numel() for p in unet.parameters()),
            "text_encoder": sum(p.numel() for p in pipe.text_encoder.parameters()),
            "vae": sum(p.numel() for p in pipe.vae.parameters()),
        }
    }


BUILDERS = {
    "generator": build_generator,
    "ranker": build_ranker,
    "illustrator": build_illustrator,
}


def build(spec: ModelSpec, dst: Path) -> dict[str, Any]:
    """The PyTorch folder of ``spec`` in ``dst`` (cached); returns its marker."""
    return cached(dst, lambda folder: BUILDERS[spec.role](spec, folder))
