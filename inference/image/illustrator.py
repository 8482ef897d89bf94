"""The Illustrator stage: Stable-Diffusion-family folders drawn with ONNX Runtime or PyTorch.

``onnx`` (the default) runs Optimum's ``ORTPipelineForText2Image``; ``torch`` runs diffusers'
``AutoPipelineForText2Image``. Both take the scheduler from the folder, use a tiny VAE
decoder (TAESD) when the folder provides one (conventions in
:mod:`inference.image.illustrator_folders`), report one progress step per denoising step and stop
within one step when the user cancels.
"""

from __future__ import annotations

import inspect
import math
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from inference.core.errors import Cancelled, ImageError
from inference.core.i18n import tr
from inference.core.params import ImageParams
from inference.core.progress import STAGE_DRAW, Progress
from inference.core.quiet import quiet_drawing
from inference.core.runtime_env import default_threads
from inference.image.illustrator_folders import (
    DOMAIN,
    SDFolder,
    choose_backend,
    describe_load_error,
    inspect_sd_folder,
    require_usable,
)
from inference.image.latent_preview import latents_preview
from inference.image.prompt_embeddings import PromptEmbeddings, cacheable


def check_safety(output: Any, name: str) -> None:
    """Raise ImageError when the folder's safety checker blanked a picture: the user is told,
    instead of getting a silent black image."""
    flags = getattr(output, "nsfw_content_detected", None)
    if flags is not None and any(bool(f) for f in flags):
        raise ImageError(tr("draw.nsfw", DOMAIN, name=name))


def _size_multiple(pipe: Any) -> int:
    """Sizes must be a multiple of the VAE scale times the UNet's total downsampling: an
    exported UNet cannot pad odd latent sizes as PyTorch's does (its Concat fails), so both
    backends use the same rule and draw the same size (64 px for SD 1.x/2.x)."""
    vae_scale = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    levels = len(getattr(pipe.unet.config, "block_out_channels", ()) or ()) or 1
    return vae_scale * 2 ** (levels - 1)


# CLIP's text encoder in every SD 1.x/2.x model takes 77 positions.
CLIP_POSITIONS = 77


def _cap_prompt_tokens(pipe: Any) -> None:
    """Keep each tokenizer within its text encoder's positions. A hand-built CLIP tokenizer
    may lack ``model_max_length``; transformers then uses ~1e30, and diffusers' padding to it
    overflows (a crash, not a message). The encoder cannot read more positions anyway."""
    for suffix in ("", "_2"):
        tokenizer = getattr(pipe, f"tokenizer{suffix}", None)
        if tokenizer is None:
            continue
        encoder = getattr(pipe, f"text_encoder{suffix}", None)
        config = getattr(encoder, "config", None)
        positions = getattr(config, "max_position_embeddings", None)
        if not isinstance(positions, int) and isinstance(config, dict):
            positions = config.get("max_position_embeddings")
        limit = positions if isinstance(positions, int) and positions > 0 else CLIP_POSITIONS
        if getattr(tokenizer, "model_max_length", limit) > limit:
            tokenizer.model_max_length = limit


class SDIllustrator:
    """One loaded Stable Diffusion pipeline (the ``Illustrator`` stage of inference.core.stages)."""

    needs_scene = True  # CLIP reads English: the pipeline writes a scene description first

    def __init__(
        self, pipe: Any, folder: SDFolder, backend: str, decoder: str, warnings: list[str]
    ) -> None:
        self.pipe = pipe
        _cap_prompt_tokens(pipe)
        self.path = folder.path
        self.name = folder.name
        self.backend = backend
        self.decoder = decoder  # "tiny" (TAESD) or "full" (the folder's VAE)
        self.has_safety_checker = getattr(pipe, "safety_checker", None) is not None
        self.warnings = warnings
        self.size_multiple = _size_multiple(pipe)
        self._accepts = set(inspect.signature(pipe.__call__).parameters)
        self._lock = threading.Lock()  # schedulers are stateful: one drawing at a time
        # a text drawn again (a redraw, the negative prompt) is not encoded again
        self._embeddings = PromptEmbeddings(pipe) if cacheable(pipe, self._accepts) else None

    def round_size(self, width: int, height: int) -> tuple[int, int]:
        """The size actually drawn: each side rounded to the nearest allowed multiple."""
        m = self.size_multiple
        # Half rounds up (not Python's round-half-to-even): 40 px with m=16 gives 48.
        w, h = (max(m, math.floor(int(v) / m + 0.5) * m) for v in (width, height))
        return w, h

    def _guidance_allowed(self) -> bool:
        """diffusers skips classifier-free guidance for UNets with a guidance embedding (LCM)."""
        config = getattr(getattr(self.pipe, "unet", None), "config", None)
        return getattr(config, "time_cond_proj_dim", None) is None

    def draw(
        self, visual_prompt: str, params: ImageParams, progress: Progress, joke: str = ""
    ) -> Image.Image:
        """``joke`` is not read: the scene description already says what to draw."""
        import torch

        if params.seed is None:
            raise ValueError("ImageParams.seed must be set by the caller (the pipeline draws one)")
        width, height = self.round_size(params.width, params.height)
        steps = max(1, int(params.steps))
        progress.stage(STAGE_DRAW, steps)
        progress.check()
        reported = 0

        def on_step_end(pipe: Any, i: int, t: Any, tensors: dict) -> dict:
            nonlocal reported
            # Second-order schedulers call back more often than ``steps``: map onto steps.
            calls = len(getattr(pipe.scheduler, "timesteps", ())) or steps
            target = min(steps, math.ceil((i + 1) * steps / calls))
            if target > reported:
                progress.advance(target - reported)
                reported = target
                if reported < steps and "latents" in tensors:  # the last step is the picture
                    preview = latents_preview(tensors["latents"])
                    if preview is not None:
                        progress.show_preview(preview)
            if progress.cancelled:
                # diffusers' own flag skips the remaining steps but still decodes the latents
                # (seconds with a full VAE); raising here stops at once.
                pipe._interrupt = True
                raise Cancelled()
            return tensors

        kwargs: dict[str, Any] = {
            "num_inference_steps": steps,
            "guidance_scale": float(params.guidance),  # <= 1: no classifier-free guidance
            "width": width,
            "height": height,
            "generator": torch.Generator("cpu").manual_seed(int(params.seed)),
            "callback_on_step_end": on_step_end,
            "output_type": "pil",
        }
        guided = params.guidance > 1 and self._guidance_allowed()
        negative = params.negative_prompt if guided and "negative_prompt" in self._accepts else None
        with self._lock, quiet_drawing():
            if self._embeddings is not None:
                kwargs.update(self._embeddings.pipeline_kwargs(visual_prompt, negative, guided))
            else:
                kwargs["prompt"] = visual_prompt
                if negative:
                    kwargs["negative_prompt"] = negative
            output = self.pipe(**kwargs)
        check_safety(output, self.name)
        progress.finish()  # the stage is this method's to open and close
        return output.images[0].convert("RGB")


def _load_onnx(folder: SDFolder, threads: int) -> tuple[Any, str]:
    import onnxruntime as ort
    from optimum.onnxruntime import ORTPipelineForText2Image

    from inference.core import ort_options

    options = ort_options.picture_session_options(threads)
    extra: dict[str, Any] = {}
    if folder.tiny_vae_onnx is not None:
        extra["vae_decoder_session"] = ort.InferenceSession(
            str(folder.tiny_vae_onnx), sess_options=options, providers=["CPUExecutionProvider"]
        )
    if folder.safety_checker is not None:
        # Optimum has no ONNX safety checker; it accepts the PyTorch module as is.
        from diffusers.pipelines.stable_diffusion.safety_checker import (
            StableDiffusionSafetyChecker,
        )

        extra["safety_checker"] = StableDiffusionSafetyChecker.from_pretrained(
            folder.safety_checker, local_files_only=True
        ).eval()
    pipe = ORTPipelineForText2Image.from_pretrained(
        folder.path, export=False, session_options=options, local_files_only=True, **extra
    )
    for name in ("unet", "vae_decoder", "text_encoder", "text_encoder_2"):
        session = getattr(getattr(pipe, name, None), "session", None)
        if session is not None:
            ort_options.release_after_each_run(session)  # memory back between posters
    return pipe, "tiny" if folder.tiny_vae_onnx is not None else "full"


def _load_torch(folder: SDFolder, threads: int) -> tuple[Any, str]:
    import torch
    from diffusers import AutoencoderTiny, AutoPipelineForText2Image

    torch.set_num_threads(threads)
    extra: dict[str, Any] = {}
    if folder.tiny_vae_torch is not None:
        # Passing the tiny VAE as ``vae`` also spares loading the full one.
        extra["vae"] = AutoencoderTiny.from_pretrained(
            folder.tiny_vae_torch, torch_dtype=torch.float32, local_files_only=True
        )
    pipe = AutoPipelineForText2Image.from_pretrained(
        folder.path, torch_dtype=torch.float32, local_files_only=True, **extra
    )
    # An SDXS-style folder's own vae/ is already the tiny decoder.
    tiny = folder.tiny_vae_torch is not None or folder.vae_is_tiny
    return pipe, "tiny" if tiny else "full"


def load_illustrator(path: str | Path, backend: str = "onnx", threads: int = 0) -> SDIllustrator:
    """Load the SD folder ``path``; raises a translated ModelError when it cannot be used.

    If the folder holds only the other backend's weights, that backend is used and a
    translated note is left in ``illustrator.warnings``.
    """
    folder = inspect_sd_folder(path)
    require_usable(folder)
    actual, warnings = choose_backend(folder, backend)
    threads = threads or default_threads()
    loader = _load_onnx if actual == "onnx" else _load_torch
    try:
        with quiet_drawing():
            pipe, decoder = loader(folder, threads)
    except Exception as exc:  # truncated weights, broken graphs: a user error, not a crash
        raise describe_load_error(folder, actual, exc) from exc
    pipe.set_progress_bar_config(disable=True)
    return SDIllustrator(pipe, folder, actual, decoder, warnings)
