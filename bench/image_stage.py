"""Illustrator measurements through the app's own ``load_illustrator`` / ``draw``.

Each draw is split with the app's per-step progress reports: time to the end of the first
step (prompt encoding + one UNet step), the UNet step itself (between steps, from the
multi-step draws) and everything after the last step (the VAE or TAESD decode and the
conversion to a picture). Correctness artifacts: one small picture and one UNet output on
fixed inputs, compared with the PyTorch fp32 reference by the parent process.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import median, peak_rss_mb, rss_mb, stopwatch, timed
from inference.core.params import ImageParams
from inference.core.progress import Progress

PROMPT = "a cat sitting on a laptop keyboard in a dark room, cinematic photo"
SEED = 7
# Every timed draw gets a scene text of its own, as every new poster does: the illustrator
# keeps the text encoder's output for a text it has drawn (inference/image/prompt_embeddings.py),
# so drawing PROMPT again would leave the encoder out of the time.
_TAKES = itertools.count(1)


def _draw(ill: Any, side: int, steps: int) -> dict[str, Any]:
    params = ImageParams(width=side, height=side, steps=steps, guidance=0.0, seed=SEED)
    prompt = f"{PROMPT}, take {next(_TAKES)}"
    _, split = timed(lambda clock: ill.draw(prompt, params, clock.progress()))
    return {
        "size": side,
        "steps": steps,
        "total_s": split["total_s"],
        "cpu_s": split["cpu_s"],
        "first_step_s": split.get("first_step_s"),
        "step_s": split.get("step_s"),
        "decode_s": split.get("after_last_step_s"),
    }


def _cell(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        k: median([r[k] for r in runs])
        for k in ("total_s", "cpu_s", "first_step_s", "step_s", "decode_s")
    }


def measure_illustrator(task: dict[str, Any]) -> dict[str, Any]:
    from inference.image.illustrator import load_illustrator

    with stopwatch() as load:
        ill = load_illustrator(task["folder"], task["backend"], task["threads"])
    rss_loaded = rss_mb()
    cells: dict[str, Any] = {}
    warmups: dict[str, float] = {}
    for side in task["sizes"]:
        # first draw at a size: buffers and kernels for the new shapes (reported, not timed)
        warmups[str(side)] = _draw(ill, side, 1)["total_s"]
        for steps in task["steps"]:
            runs = [_draw(ill, side, steps) for _ in range(task["repeats"])]
            cells[f"{side}x{steps}"] = {**_cell(runs), "runs": runs}
    encode_s = _encode_time(ill, task["repeats"])
    for side in task["sizes"]:
        # the UNet step from multi-step draws (the time between two step reports)
        step = median([cells[f"{side}x{s}"]["step_s"] for s in task["steps"] if s > 1])
        for s in task["steps"]:
            cells[f"{side}x{s}"].update(unet_step_s=step, encode_s=encode_s)
    if task.get("artifacts"):
        _artifacts(ill, task, Path(task["artifacts"]))
    return {
        "load_s": load["s"],
        "rss_after_load_mb": rss_loaded,
        "decoder": ill.decoder,
        "warmup_s": warmups,
        "cells": cells,
        "peak_rss_mb": peak_rss_mb(),
    }


def _encode_time(ill: Any, repeats: int) -> float | None:
    """The text encoder alone, through the pipeline's own ``encode_prompt``."""
    import torch

    encode = getattr(ill.pipe, "encode_prompt", None)
    if encode is None:
        return None
    times = []
    with torch.no_grad():
        encode(PROMPT, "cpu", 1, False)  # warm-up
        for _ in range(max(1, repeats)):
            with stopwatch() as t:
                encode(PROMPT, "cpu", 1, False)
            times.append(t["s"])
    return median(times)


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().float().numpy()
    return np.asarray(value, dtype=np.float32)


def _artifacts(ill: Any, task: dict[str, Any], path: Path) -> None:
    """The app's picture, the latents after one step (text encoder + UNet + scheduler, before
    any decoder: random weights often saturate the picture itself) and one UNet output."""
    import torch

    side = task["artifact_side"]
    params = ImageParams(width=side, height=side, steps=1, guidance=0.0, seed=SEED)
    image = np.asarray(ill.draw(PROMPT, params, Progress()).convert("RGB"), dtype=np.uint8)
    latents = ill.pipe(
        prompt=PROMPT,
        num_inference_steps=1,
        guidance_scale=0.0,
        width=side,
        height=side,
        generator=torch.Generator("cpu").manual_seed(SEED),
        output_type="latent",
    ).images
    g = torch.Generator("cpu").manual_seed(SEED)
    latent = side // 8
    sample = torch.randn(1, task["unet_channels"], latent, latent, generator=g)
    hidden = torch.randn(1, 77, task["cross_attention_dim"], generator=g)
    timestep = torch.tensor(500)
    unet = ill.pipe.unet
    with torch.no_grad():
        if ill.backend == "torch":
            out = unet(sample, timestep, encoder_hidden_states=hidden).sample
        else:
            out = unet(sample=sample, timestep=timestep, encoder_hidden_states=hidden).sample
    np.savez(path, image=image, latents=_as_array(latents), unet=_as_array(out))
