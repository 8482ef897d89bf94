"""Image parity of an exported illustrator: the PyTorch source and the ONNX export draw the
same prompt with the same seed and steps through the app's own Illustrator code, and one UNet
step is compared on identical inputs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from export.parity import max_abs_diff, mean_abs_diff
from inference.core.params import ImageParams
from inference.core.progress import Progress
from inference.image.illustrator import SDIllustrator, load_illustrator

PARITY_PROMPT = "a cat sitting on a laptop keyboard in a dark room, cinematic photo"
PARITY_SEED = 0
PARITY_STEPS = 2
# Small but real: enough latent pixels for every UNet level, cheap even for SD-sized models.
PARITY_SIDE = 128


def image_diff(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """Mean and max |Δ| of two pictures, in 0–255 pixel units."""
    x, y = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
    return mean_abs_diff(x, y), max_abs_diff(x, y)


def unet_step_diff(torch_ill: SDIllustrator, onnx_ill: SDIllustrator, side: int) -> float | None:
    """Max |Δ| of one UNet noise prediction on identical random inputs; None for UNets that
    need extra conditioning (SDXL's added embeddings, LCM's guidance embedding)."""
    import torch

    config = torch_ill.pipe.unet.config
    if config.get("addition_embed_type") or config.get("time_cond_proj_dim"):
        return None
    latent = side // torch_ill.pipe.vae_scale_factor
    g = torch.Generator("cpu").manual_seed(PARITY_SEED)
    sample = torch.randn(1, config["in_channels"], latent, latent, generator=g)
    hidden = torch.randn(1, 77, config["cross_attention_dim"], generator=g)
    timestep = torch.tensor(500)
    with torch.no_grad():
        ref = torch_ill.pipe.unet(sample, timestep, encoder_hidden_states=hidden).sample
    out = onnx_ill.pipe.unet(sample=sample, timestep=timestep, encoder_hidden_states=hidden)
    return max_abs_diff(ref, out.sample)


def measure_parity(src: Path, dst: Path, threads: int = 0) -> dict[str, Any]:
    """Draw with both backends and compare; the numbers go into ``parity.json``."""
    started = time.perf_counter()
    torch_ill = load_illustrator(src, "torch", threads)
    onnx_ill = load_illustrator(dst, "onnx", threads)
    for ill in (torch_ill, onnx_ill):
        # Compare the networks, not the content filter: a flagged parity picture would
        # otherwise abort the export. Both are private loads, dropped after this call.
        ill.pipe.safety_checker = None
    width, height = onnx_ill.round_size(PARITY_SIDE, PARITY_SIDE)
    params = ImageParams(
        width=width, height=height, steps=PARITY_STEPS, guidance=0.0, seed=PARITY_SEED
    )
    ref = torch_ill.draw(PARITY_PROMPT, params, Progress())
    got = onnx_ill.draw(PARITY_PROMPT, params, Progress())
    mean, peak = image_diff(ref, got)
    return {
        "image_mean_abs_diff": mean,
        "image_max_abs_diff": peak,
        "image_units": "pixel values 0-255",
        "unet_max_abs_diff": unet_step_diff(torch_ill, onnx_ill, width),
        "decoder": onnx_ill.decoder,
        "prompt": PARITY_PROMPT,
        "seed": PARITY_SEED,
        "steps": PARITY_STEPS,
        "size": [width, height],
        "parity_seconds": round(time.perf_counter() - started, 2),
    }
