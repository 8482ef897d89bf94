"""The tiny VAE decoder (TAESD) of an illustrator export: Optimum's ``main_export`` exports
only the folder's own VAE.

The tiny decoder is exported with Optimum's own ``export()`` and a VAE-decoder ONNX config,
so it gets the same input/output names (``latent_sample`` → ``sample``), dynamic axes and
opset as the ``vae_decoder`` Optimum writes, and ``ORTStableDiffusionPipeline`` can use it as
its ``vae_decoder_session`` (see :mod:`inference.illustrator_folders` for the convention).
"""

from __future__ import annotations

import copy
from pathlib import Path

from inference.illustrator_folders import VAE_DECODER_TINY_DIR

ONNX_NAME = "model.onnx"


def export_tiny_vae_decoder(vae_tiny_dir: Path, dst: Path) -> Path:
    """Export ``vae_tiny_dir`` (AutoencoderTiny) to ``dst/vae_decoder_tiny/model.onnx``."""
    import torch
    from diffusers import AutoencoderTiny
    from optimum.exporters.onnx import export
    from optimum.exporters.onnx.model_configs import VaeDecoderOnnxConfig

    class TinyVaeDecoderOnnxConfig(VaeDecoderOnnxConfig):
        # AutoencoderTiny has no ``up_block_types``; its decoder upsamples once per block
        # after the first, like AutoencoderKL's.
        @property
        def outputs(self) -> dict[str, dict[int, str]]:
            factor = 2 ** (len(self._normalized_config.block_out_channels) - 1)
            axes = {0: "batch_size", 2: f"latent_height * {factor}", 3: f"latent_width * {factor}"}
            return {"sample": axes}

    vae = AutoencoderTiny.from_pretrained(
        vae_tiny_dir, torch_dtype=torch.float32, local_files_only=True
    ).eval()
    decoder = copy.deepcopy(vae)
    decoder.forward = lambda latent_sample: decoder.decode(x=latent_sample)
    out_dir = dst / VAE_DECODER_TINY_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    config = TinyVaeDecoderOnnxConfig(vae.config, task="semantic-segmentation")
    with torch.no_grad():
        export(model=decoder, config=config, output=out_dir / ONNX_NAME)
    # ORTVaeDecoder reads scaling_factor (1.0 for TAESD) and block_out_channels from here.
    vae.save_config(out_dir)
    return out_dir / ONNX_NAME
