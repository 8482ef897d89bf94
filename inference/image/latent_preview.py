"""A low-cost look at a picture while it is being drawn: the 4-channel latents of a Stable
Diffusion-family model mapped straight to RGB by a fixed linear projection (the factors
ComfyUI and others use for SD 1.x latents). No decoder runs: a 64×64 latent costs well
under a millisecond, so a preview can follow every diffusion step."""

from __future__ import annotations

from typing import Any

from PIL import Image

# latent channel -> (R, G, B) contribution, SD 1.x/2.x VAE latents
LATENT_RGB = (
    (0.3512, 0.2297, 0.3227),
    (0.3250, 0.4974, 0.2350),
    (-0.2829, 0.1762, 0.2721),
    (-0.2120, -0.2616, -0.7177),
)


def latents_preview(latents: Any) -> Image.Image | None:
    """An RGB picture of the first latent in a batch (torch tensor or numpy array shaped
    (batch, 4, h, w)); None for latents of another shape."""
    import numpy as np  # only while drawing: the window starts without numpy

    if hasattr(latents, "detach"):
        latents = latents.detach().float().cpu().numpy()
    array = np.asarray(latents, dtype=np.float32)
    if array.ndim != 4 or array.shape[1] != 4:
        return None
    rgb = np.einsum("chw,cr->hwr", array[0], np.asarray(LATENT_RGB, dtype=np.float32))
    rgb = np.clip((rgb + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")
