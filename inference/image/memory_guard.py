"""Memory guard for drawing: estimate what a draw needs before running it, and refuse with
one translated line when the machine does not have it (issue 18, lever 4).

A Stable Diffusion draw costs the illustrator's weights (when not loaded yet) plus the
larger of one UNet step's and one decode's activations at the requested size (the picture
sessions give their arena back after each run:
:func:`inference.core.ort_options.release_after_each_run`). ONNX Runtime materialises every
attention matrix (batch × heads × tokens² floats), so a 512² draw of a model with attention
at full latent resolution needs about a gigabyte where PyTorch's fused attention needs a
fraction of it. The estimate is deliberately simple (shapes from the folder's configs,
factors measured on tiny SD models, see docs/performance.md) and errs on the generous side.

"Available memory" is the kernel's ``MemAvailable``; ``DEMOTIVATOR_AVAILABLE_MEMORY_MB``
overrides it (tests, or a user who wants to reserve memory for other programs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from inference.core.errors import ImageError
from inference.core.i18n import tr

ENV_AVAILABLE_MB = "DEMOTIVATOR_AVAILABLE_MEMORY_MB"
DOMAIN = "memory"
MB = 1024 * 1024
FLOAT = 4  # bytes; every illustrator runs in fp32 on CPU
OVERHEAD = 256 * MB  # scheduler, tokenizer, PIL images, Python objects of one draw
# Live feature maps of one UNet step, in units of (batch × first-level channels × latent
# pixels) floats; and of the decoder, in units of (channels × output pixels) floats.
UNET_MAPS = 24
DECODER_MAPS = {"tiny": (64, 2), "full": (128, 8)}  # (channels, live maps)
# ONNX Runtime keeps the attention scores and their softmax; PyTorch's CPU
# scaled_dot_product_attention works in blocks and keeps neither.
ATTENTION_COPIES = {"onnx": 2, "torch": 0}
WEIGHT_SUFFIXES = {
    "onnx": (".onnx", ".onnx_data", ".onnx.data", ".data"),
    "torch": (".safetensors", ".bin"),
}
SKIPPED_PARTS = ("vae_encoder", "safety_checker", "feature_extractor")  # not used to draw


@dataclass(frozen=True)
class DrawEstimate:
    weights: int  # bytes still to load (0 when the illustrator is loaded)
    unet: int
    decoder: int
    backend: str

    @property
    def total(self) -> int:
        # the UNet's activations are given back before the decoder runs
        return self.weights + max(self.unet, self.decoder) + OVERHEAD


def available_bytes() -> int | None:
    """Memory the draw may use: the override in the environment, else MemAvailable; None
    when unknown (then nothing is refused)."""
    raw = os.environ.get(ENV_AVAILABLE_MB, "").strip()
    if raw:
        try:
            return max(0, int(float(raw) * MB))
        except ValueError:
            pass  # a malformed override is ignored, like an unset one
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def unet_config(folder: Path) -> dict[str, Any]:
    """The UNet's config (the torch folder's; an ONNX export keeps one next to the graph)."""
    return _read_json(folder / "unet" / "config.json")


def weight_bytes(folder: Path, backend: str) -> int:
    """Bytes of the weight files the backend loads (the VAE encoder and safety checker are
    not counted: text-to-image does not run them)."""
    suffixes = WEIGHT_SUFFIXES.get(backend, WEIGHT_SUFFIXES["onnx"])
    total = 0
    for path in Path(folder).rglob("*"):
        skipped = any(part in SKIPPED_PARTS for part in path.relative_to(folder).parts)
        if path.name.endswith(suffixes) and not skipped and path.is_file():
            total += path.stat().st_size
    return total


def _heads(config: dict[str, Any]) -> int:
    # SD 1.x/2.x configs name the number of heads "attention_head_dim" (diffusers' legacy)
    value = config.get("num_attention_heads") or config.get("attention_head_dim") or 8
    if isinstance(value, list):
        value = max(value)
    return max(1, int(value))


def unet_activation_bytes(
    config: dict[str, Any], width: int, height: int, guidance: float, backend: str
) -> int:
    """One UNet step's activations at ``width`` × ``height``: feature maps plus, for ONNX
    Runtime, the attention matrices of the highest-resolution attention level."""
    batch = 2 if guidance > 1 else 1  # classifier-free guidance runs two rows
    channels = list(config.get("block_out_channels") or [320, 640, 1280, 1280])
    pixels = max(1, width // 8) * max(1, height // 8)
    maps = batch * channels[0] * pixels * FLOAT * UNET_MAPS
    kinds = list(config.get("down_block_types") or ["CrossAttnDownBlock2D"])
    level = next((i for i, kind in enumerate(kinds) if "Attn" in kind), len(kinds) - 1)
    tokens = pixels // 4**level
    attention = batch * _heads(config) * tokens * tokens * FLOAT
    return maps + attention * ATTENTION_COPIES.get(backend, 3)


def decoder_activation_bytes(width: int, height: int, decoder: str) -> int:
    channels, maps = DECODER_MAPS.get(decoder, DECODER_MAPS["full"])
    return channels * width * height * FLOAT * maps


@dataclass(frozen=True)
class DrawPlan:
    """What a draw will run: the folder, the backend and decoder its loader uses, the size."""

    folder: Path
    backend: str
    width: int
    height: int
    guidance: float = 0.0
    decoder: str = "tiny"  # "tiny" (TAESD) or "full"
    loaded: bool = True  # the illustrator is already in memory: its weights are paid


def estimate_draw(plan: DrawPlan) -> DrawEstimate:
    folder, backend = Path(plan.folder), plan.backend
    unet = unet_config(folder)
    return DrawEstimate(
        weights=0 if plan.loaded else weight_bytes(folder, backend),
        unet=unet_activation_bytes(unet, plan.width, plan.height, plan.guidance, backend),
        decoder=decoder_activation_bytes(plan.width, plan.height, plan.decoder),
        backend=backend,
    )


def largest_fitting_side(plan: DrawPlan, limit: int, multiple: int = 64) -> int | None:
    """The largest square side up to the plan's (a multiple of ``multiple``) whose draw fits
    in ``limit`` bytes; None when not even the smallest does."""
    side = (max(plan.width, plan.height) // multiple) * multiple
    while side >= multiple:
        if estimate_draw(replace(plan, width=side, height=side)).total <= limit:
            return side
        side -= multiple
    return None


def check_draw_fits(plan: DrawPlan, available: int | None = None) -> DrawEstimate:
    """Raise a one-line translated ImageError when the draw would not fit in ``available``
    bytes (default: :func:`available_bytes`); the line names what is needed, what there
    is and the largest size that would fit."""
    estimate = estimate_draw(plan)
    limit = available_bytes() if available is None else available
    if limit is None or estimate.total <= limit:
        return estimate
    side = largest_fitting_side(plan, limit)
    key = "draw.too_big" if side is not None else "draw.too_big_any"
    sizes = {"width": plan.width, "height": plan.height, "side": side or 0}
    raise ImageError(tr(key, DOMAIN, need=_mb(estimate.total), have=_mb(limit), **sizes))


def check_sd_draw(
    path: str | Path,
    backend: str,
    width: int,
    height: int,
    guidance: float,
    loaded: bool,
    available: int | None = None,
) -> DrawEstimate | None:
    """:func:`check_draw_fits` for a Stable Diffusion folder, with the backend and decoder
    its loader will really use; None when ``path`` is no SD folder (others judge it)."""
    from inference.core.errors import ModelError
    from inference.image.illustrator_folders import choose_backend, inspect_sd_folder

    try:
        folder = inspect_sd_folder(path)
        actual, _ = choose_backend(folder, backend)
    except ModelError:
        return None  # the loader says what is wrong with the folder, in its own words
    tiny = actual == "onnx" and folder.tiny_vae_onnx is not None
    tiny = tiny or (actual == "torch" and folder.tiny_vae_torch is not None) or folder.vae_is_tiny
    decoder = "tiny" if tiny else "full"
    plan = DrawPlan(folder.path, actual, width, height, guidance, decoder, loaded)
    return check_draw_fits(plan, available)


def _mb(value: int) -> int:
    return round(value / MB)
