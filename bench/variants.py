"""The variants of one model the benchmark compares: PyTorch fp32 (the reference) and every
ONNX export the project supports, made with the project's own ``export/`` code.

The fp32 ONNX folder is exported once with the real exporter (which also writes its parity
report); quantized variants start from a copy of it (support files hard-linked) and apply
the exporter's own quantization step (text models: :func:`export.text.quantize_graph`, so
``onnx-int8wo`` is exactly what ``demotivator export`` makes — int8 weight-only with the LM
head in fp32; the UNet: :func:`export.illustrator_onnx.quantize_unet_int8`). A quantized
variant is made again whenever the export code changed since it was cached. Illustrator
variants come with the tiny decoder (TAESD) or, through a folder of symlinks that leaves
the tiny decoder out, with the full VAE decoder. :func:`app_default_variant` asks the export
code which variant the app installs by default.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.build import build, cached
from bench.specs import ModelSpec
from inference.image.illustrator_folders import VAE_DECODER_TINY_DIR, VAE_TINY_DIR

REFERENCE = "torch-fp32"
GGUF_FILE = "model.gguf"  # in a llamacpp-* variant folder
# Everything the benchmark knows how to make, per role; --quick measures the first few.
VARIANTS: dict[str, tuple[str, ...]] = {
    "generator": (
        "torch-fp32",
        "onnx-fp32",
        "onnx-int4",
        "onnx-int8",
        "onnx-int8wo",
        "llamacpp-q8_0",  # the same weights as a GGUF on llama.cpp (export/gguf.py)
    ),
    "ranker": ("torch-fp32", "onnx-fp32", "onnx-int8"),
    # the full VAE is timed with ONNX only: the decoder comparison needs one backend, and a
    # PyTorch full-VAE decode of 512² takes minutes on two cores
    "illustrator": ("torch-fp32+taesd", "onnx-fp32+taesd", "onnx-fp32+vae", "onnx-int8+taesd"),
}
QUICK_COUNT = {"generator": 3, "ranker": 2, "illustrator": 3}


@dataclass
class Variant:
    spec: ModelSpec
    name: str  # e.g. "onnx-int4", "torch-fp32+taesd"
    folder: Path
    prepare: dict[str, Any] = field(default_factory=dict)  # marker of the build/export


def variant_names(role: str, quick: bool) -> tuple[str, ...]:
    names = VARIANTS[role]
    return names[: QUICK_COUNT[role]] if quick else names


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link support files; really copy graphs and their weight files, which the
    quantizers rewrite (onnx refuses to read external data that has several hard links)."""
    name = Path(src).name
    if ".onnx" in name or name.endswith("_data"):
        shutil.copy2(src, dst)
        return
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def _link_copy(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, copy_function=_link_or_copy)


def _view_without(src: Path, dst: Path, leave_out: str) -> None:
    """A folder of symlinks to everything in ``src`` except ``leave_out``."""
    dst.mkdir(parents=True)
    for child in src.iterdir():
        if child.name != leave_out:
            os.symlink(child.resolve(), dst / child.name)


def _export_fp32(spec: ModelSpec, torch_dir: Path, dst: Path) -> dict[str, Any]:
    from export.common import quiet_libraries

    dst.parent.mkdir(parents=True, exist_ok=True)
    with quiet_libraries():
        if spec.role == "illustrator":
            from export.illustrator import export_illustrator

            report = export_illustrator(torch_dir, dst)
        else:
            from export.text import export_generator, export_ranker

            exporter = export_generator if spec.role == "generator" else export_ranker
            report = exporter(torch_dir, dst)
    keep = (
        "max_abs_logits_diff",
        "greedy_token_agreement",
        "image_mean_abs_diff",
        "export_seconds",
    )
    return {"parity": {k: report[k] for k in keep if k in report}}


def app_default_variant(role: str) -> str:
    """The variant the app installs by default for ``role``: the export code's own
    ``--quantize auto`` (export.common), never a copy of its settings."""
    from export.common import resolve_quantization

    precision = resolve_quantization(role, "auto")
    base = f"onnx-{'fp32' if precision == 'none' else precision}"
    return f"{base}+taesd" if role == "illustrator" else base


def variant_label(
    name: str, prepare: dict[str, Any] | None = None, app_default: bool = False
) -> str:
    """``name`` with what a reader must know to compare rows: the LM head's precision (from
    the quantizer's own report) and whether it is what the app installs by default."""
    quantization = (prepare or {}).get("quantization") or {}
    notes = []
    if "lm_head_quantized" in quantization:
        head = f"int{quantization.get('bits')}" if quantization["lm_head_quantized"] else "fp32"
        notes.append(f"LM head {head}")
    if app_default:
        notes.append("app default")
    return f"{name} ({', '.join(notes)})" if notes else name


def export_code_fingerprint() -> str:
    """Changes whenever any module of the project's export code changes (cache recipe)."""
    import export

    digest = hashlib.sha256()
    for path in sorted(Path(export.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _quantize(spec: ModelSpec, precision: str, fp32_dir: Path, dst: Path) -> dict[str, Any]:
    _link_copy(fp32_dir, dst)
    (dst / "parity.json").unlink(missing_ok=True)  # it describes the fp32 graph
    if spec.role != "illustrator":
        from export.text import quantize_graph

        return {"quantization": quantize_graph(dst / "model.onnx", precision)}
    from export.common import quiet_libraries
    from export.illustrator_onnx import quantize_unet_int8

    with quiet_libraries():
        quantize_unet_int8(dst)
    return {"quantization": {"method": "dynamic int8"}}


class VariantStore:
    """Builds and caches every folder under ``root/<model>-<fingerprint>/``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def model_dir(self, spec: ModelSpec) -> Path:
        return self.root / f"{spec.name}-{spec.fingerprint}"

    def torch_dir(self, spec: ModelSpec) -> tuple[Path, dict[str, Any]]:
        folder = self.model_dir(spec) / "torch-fp32"
        return folder, build(spec, folder)

    def onnx_dir(self, spec: ModelSpec, precision: str) -> tuple[Path, dict[str, Any]]:
        folder = self.model_dir(spec) / f"onnx-{precision}"
        torch_dir, _ = self.torch_dir(spec)
        if precision == "fp32":
            return folder, cached(folder, lambda d: _export_fp32(spec, torch_dir, d))
        fp32_dir, _ = self.onnx_dir(spec, "fp32")
        make = lambda d: _quantize(spec, precision, fp32_dir, d)  # noqa: E731
        return folder, cached(folder, make, recipe=f"{precision}/{export_code_fingerprint()}")

    def gguf_dir(self, spec: ModelSpec, precision: str) -> tuple[Path, dict[str, Any]]:
        """``model.gguf`` beside the torch folder's tokenizer files (the benchmark's exact
        prompt is cut with them)."""
        folder = self.model_dir(spec) / f"llamacpp-{precision}"
        torch_dir, _ = self.torch_dir(spec)

        def make(dst: Path) -> dict[str, Any]:
            from export.gguf import export_gguf

            dst.mkdir(parents=True)
            for child in torch_dir.iterdir():
                if child.name.startswith(("tokenizer", "vocab", "merges", "special_", "chat_")):
                    _link_or_copy(str(child), str(dst / child.name))
            export_gguf(torch_dir, dst / GGUF_FILE, precision)
            return {"quantization": {"gguf": precision}}

        return folder, cached(folder, make)

    def variant(self, spec: ModelSpec, name: str) -> Variant:
        base, _, decoder = name.partition("+")
        backend, precision = base.split("-", 1)
        if backend == "torch":
            folder, info = self.torch_dir(spec)
        elif backend == "llamacpp":
            folder, info = self.gguf_dir(spec, precision)
        else:
            folder, info = self.onnx_dir(spec, precision)
        if decoder == "vae":
            # the same weights, seen without the tiny decoder: the app then uses the full VAE
            leave_out = VAE_TINY_DIR if backend == "torch" else VAE_DECODER_TINY_DIR
            view = self.model_dir(spec) / f"{base}+vae"
            if not view.is_dir():
                _view_without(folder, view, leave_out)
            folder = view
        return Variant(spec, name, folder, info)


def prepare_task(task: dict[str, Any]) -> dict[str, Any]:
    """Worker entry: build / export / quantize one variant (in its own process, so the
    parent never holds a multi-GB export in memory)."""
    from bench.measure import peak_rss_mb
    from bench.specs import load_specs

    spec = load_specs(Path(task["configs"]))[task["spec"]]
    variant = VariantStore(Path(task["cache"])).variant(spec, task["variant"])
    return {"folder": str(variant.folder), "prepare": variant.prepare, "peak_rss_mb": peak_rss_mb()}
