"""The ONNX pieces of an illustrator export that Optimum's ``main_export`` does not make.

* The tiny VAE decoder (TAESD): ``main_export`` exports only the folder's own VAE.
* Folders whose own ``vae/`` is a TAESD (SDXS): ``main_export`` stops on it, since its VAE
  configs expect an ``AutoencoderKL``. :func:`export_without_vae` exports every other network
  with Optimum's per-model machinery instead, and the caller adds the tiny decoder.

The tiny decoder is exported with Optimum's own ``export()`` and a VAE-decoder ONNX config,
so it gets the same input/output names (``latent_sample`` → ``sample``), dynamic axes and
opset as the ``vae_decoder`` Optimum writes, and ``ORTStableDiffusionPipeline`` can use it as
its ``vae_decoder_session`` (see :mod:`inference.image.illustrator_folders` for the convention).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from inference.image.illustrator_folders import VAE_DECODER_TINY_DIR

ONNX_NAME = "model.onnx"
_VAE_PARTS = ("vae_encoder", "vae_decoder")


def export_without_vae(src: Path, dst: Path) -> list[str]:
    """Export the text encoder(s) and the UNet (or transformer) of the diffusers folder ``src``
    to ``dst/<part>/model.onnx`` exactly as ``main_export`` would (same sub-model preparation,
    same ONNX configs and default opsets), plus each part's config and ``model_index.json``;
    the VAE is skipped. Returns the exported part names.

    Why not ``main_export`` with a stand-in ``AutoencoderKL`` dropped afterwards: that builds,
    traces and deletes two throw-away networks, and the stand-in's config would have to be
    invented. Skipping the VAE keeps every exported graph Optimum's own.
    """
    import torch
    from diffusers import DiffusionPipeline
    from optimum.exporters.onnx import export_models
    from optimum.exporters.tasks import TasksManager
    from optimum.exporters.utils import _get_submodels_for_export_diffusion

    pipe = DiffusionPipeline.from_pretrained(src, torch_dtype=torch.float32, local_files_only=True)
    # Optimum's own preparation (export_model_type, SDXL hidden states, the UNet's
    # projection/aesthetics attributes); its VAE wrappers are dropped unused. A private
    # helper, but optimum is pinned in pyproject.toml and the tests cover this path.
    parts: dict[str, Any] = {
        name: model
        for name, model in _get_submodels_for_export_diffusion(pipe).items()
        if name not in _VAE_PARTS
    }
    models_and_configs = {}
    for name, model in parts.items():
        # The tasks get_diffusion_models_for_export gives each kind of part.
        task = "feature-extraction" if name.startswith("text_encoder") else "semantic-segmentation"
        constructor = TasksManager.get_exporter_config_constructor(
            model=model, exporter="onnx", library_name="diffusers", task=task
        )
        config = constructor(model.config, int_dtype="int64", float_dtype="fp32")
        models_and_configs[name] = (model.eval(), config)
        if hasattr(model, "save_config"):  # diffusers parts; transformers text encoders below
            model.save_config(dst / name)
        else:
            model.config.save_pretrained(dst / name)
    with torch.no_grad():
        export_models(
            models_and_onnx_configs=models_and_configs,
            output_dir=dst,
            output_names=[f"{name}/{ONNX_NAME}" for name in models_and_configs],
            device="cpu",
        )
    pipe.save_config(dst)  # model_index.json, as main_export writes it
    return list(models_and_configs)


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
