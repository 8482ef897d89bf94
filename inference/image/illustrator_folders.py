"""What a Stable Diffusion folder holds, checked before diffusers / onnxruntime are imported.

Two layouts are understood, both with ``model_index.json`` at the top:

* diffusers (PyTorch): ``unet/ vae/ text_encoder/`` with ``config.json`` and
  ``*.safetensors`` / ``*.bin`` weights, ``tokenizer/``, ``scheduler/``;
* Optimum ONNX export: ``unet/ vae_decoder/ text_encoder/`` with ``model.onnx`` and
  ``config.json``, ``tokenizer/``, ``scheduler/``.

Tiny VAE decoder convention (TAESD / ``AutoencoderTiny``), used instead of the full VAE
decoder when present — on two CPU cores it decodes a 512² picture in about a second against
half a minute for the full VAE (docs/performance.md):

* PyTorch: ``vae_tiny/`` — an ``AutoencoderTiny.save_pretrained`` folder (e.g. the files of
  ``madebyollin/taesd`` for SD 1.x/2.x, ``madebyollin/taesdxl`` for SDXL);
* ONNX: ``vae_decoder_tiny/model.onnx`` + ``config.json`` — the TAESD decoder exported by
  :mod:`export.illustrator` with the same input/output names as Optimum's ``vae_decoder``
  (``latent_sample`` → ``sample``), so it is passed to ``ORTStableDiffusionPipeline`` as its
  ``vae_decoder_session``; its ``config.json`` (``scaling_factor`` 1.0, ``block_out_channels``)
  gives the pipeline the right latent scale.

A folder whose own ``vae/`` is an ``AutoencoderTiny`` (SDXS: ``"vae": ["diffusers",
"AutoencoderTiny"]`` in model_index.json) is exported with that decoder in
``vae_decoder_tiny/`` and no ``vae_decoder/``: the ONNX layout then needs only the tiny one.

A safety checker is used when the folder has one: ``safety_checker/`` (PyTorch weights; the
exporter copies it next to the ONNX files, since Optimum has no ONNX safety checker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.jsonfiles import read_json_file
from inference.core.registry import family_members

DOMAIN = "image"
BACKENDS = family_members("diffusers")  # the weight kinds such a folder may hold
VAE_TINY_DIR = "vae_tiny"
VAE_DECODER_TINY_DIR = "vae_decoder_tiny"
SAFETY_CHECKER_DIR = "safety_checker"

# model_index.json entries that are not neural networks with weights of their own.
_NOT_MODELS = {"tokenizer", "tokenizer_2", "tokenizer_3", "scheduler", "feature_extractor"}
# Optional networks: loaded when present, never required.
_OPTIONAL = {"safety_checker", "image_encoder"}
_TORCH_WEIGHTS = ("*.safetensors", "*.bin")
_TOKENIZER_FILES = ("vocab.json", "tokenizer.json")


@dataclass
class SDFolder:
    path: Path
    index: dict[str, Any]
    torch_missing: list[str] = field(default_factory=list)  # parts the torch backend lacks
    onnx_missing: list[str] = field(default_factory=list)
    tiny_vae_torch: Path | None = None
    tiny_vae_onnx: Path | None = None  # the .onnx file
    safety_checker: Path | None = None

    @property
    def vae_is_tiny(self) -> bool:
        """``vae/`` itself is a TAESD (``AutoencoderTiny``), as in SDXS folders."""
        vae = self.index.get("vae")
        return isinstance(vae, list) and len(vae) == 2 and vae[1] == "AutoencoderTiny"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def class_name(self) -> str:
        return str(self.index.get("_class_name", ""))

    def backends(self) -> list[str]:
        """The backends this folder can run on, ``onnx`` first."""
        found = []
        if not self.onnx_missing:
            found.append("onnx")
        if not self.torch_missing:
            found.append("torch")
        return found


def _listed(index: dict[str, Any], key: str) -> bool:
    """model_index.json lists ``key`` as ``[library, class]``; ``[null, null]`` means absent."""
    value = index.get(key)
    return isinstance(value, list) and len(value) == 2 and value[0] is not None


def _has_torch_weights(folder: Path) -> bool:
    return (folder / "config.json").is_file() and any(
        w.is_file() for pattern in _TORCH_WEIGHTS for w in folder.glob(pattern)
    )


def _has_onnx(folder: Path) -> bool:
    return (folder / "model.onnx").is_file() and (folder / "config.json").is_file()


def _model_parts(index: dict[str, Any]) -> list[str]:
    return sorted(
        k for k in index if not k.startswith("_") and k not in _NOT_MODELS and _listed(index, k)
    )


def inspect_sd_folder(path: str | Path) -> SDFolder:
    """Read what ``path`` holds; raises a translated ModelError when it cannot be used."""
    path = Path(path).expanduser()
    if not str(path).strip() or not path.exists():
        raise ModelError(tr("folder.missing", DOMAIN, path=str(path)))
    if not path.is_dir():
        raise ModelError(tr("folder.not_dir", DOMAIN, path=str(path)))
    index_path = path / "model_index.json"
    if not index_path.is_file():
        raise ModelError(tr("folder.not_sd", DOMAIN, path=str(path)))
    index = read_json_file(index_path)
    if index is None:
        raise ModelError(tr("folder.bad_index", DOMAIN, path=str(index_path)))
    if not _listed(index, "unet"):
        kind = str(index.get("_class_name") or "?")
        raise ModelError(tr("folder.unsupported", DOMAIN, name=path.name, kind=kind))

    info = SDFolder(path=path, index=index)
    tiny_onnx = _has_onnx(path / VAE_DECODER_TINY_DIR)
    for part in _model_parts(index):
        if part == "vae":  # ONNX splits the VAE; text-to-image needs only the decoder
            onnx_part, onnx_folder = "vae_decoder", path / "vae_decoder"
            if tiny_onnx and not _has_onnx(onnx_folder):
                # The tiny decoder is used whenever present, so it alone is enough.
                onnx_folder = path / VAE_DECODER_TINY_DIR
        else:
            onnx_part, onnx_folder = part, path / part
        if part not in _OPTIONAL and not _has_onnx(onnx_folder):
            info.onnx_missing.append(onnx_part)
        if not _has_torch_weights(path / part):
            # A listed safety checker is part of the PyTorch pipeline: diffusers fails without it.
            info.torch_missing.append(part)

    if _has_torch_weights(path / VAE_TINY_DIR):
        info.tiny_vae_torch = path / VAE_TINY_DIR
    if tiny_onnx:
        info.tiny_vae_onnx = path / VAE_DECODER_TINY_DIR / "model.onnx"
    if _has_torch_weights(path / SAFETY_CHECKER_DIR):
        info.safety_checker = path / SAFETY_CHECKER_DIR
    return info


def require_usable(info: SDFolder) -> None:
    """Weights for at least one backend, a scheduler and a tokenizer."""
    if not info.backends():
        # Report the layout the user apparently has: ONNX if any .onnx file is there.
        onnx_like = any(info.path.glob("*/model.onnx"))
        missing = info.onnx_missing if onnx_like else info.torch_missing
        raise ModelError(tr("folder.incomplete", DOMAIN, name=info.name, parts=", ".join(missing)))
    if not (info.path / "scheduler" / "scheduler_config.json").is_file():
        raise ModelError(tr("folder.no_scheduler", DOMAIN, name=info.name))
    tokenizer = info.path / "tokenizer"
    if not any((tokenizer / f).is_file() for f in _TOKENIZER_FILES):
        raise ModelError(tr("folder.no_tokenizer", DOMAIN, name=info.name))


def choose_backend(info: SDFolder, requested: str) -> tuple[str, list[str]]:
    """The backend to use and translated warnings: a folder that holds only the other kind of
    weights falls back to it rather than failing, and the user is told why."""
    if requested not in BACKENDS:
        choices = ", ".join(BACKENDS)
        raise ModelError(tr("backend.unknown", DOMAIN, backend=requested, choices=choices))
    available = info.backends()
    if requested in available:
        return requested, []
    actual = available[0]
    warning = tr("backend.fallback", DOMAIN, name=info.name, requested=requested, actual=actual)
    return actual, [warning]


def describe_load_error(info: SDFolder, backend: str, exc: BaseException) -> ModelError:
    """A library failure while loading (truncated weights, broken ONNX graph) as a user error."""
    text = str(exc).strip()
    detail = text.splitlines()[0][:300] if text else type(exc).__name__
    return ModelError(tr("folder.broken", DOMAIN, name=info.name, backend=backend, err=detail))
