"""Steps every export shares: checking the output folder, quiet Optimum calls, copying the
files a runtime needs besides the graph, and int8 quantization."""

from __future__ import annotations

import shutil
from pathlib import Path

from inference.core.errors import OutputError
from inference.core.i18n import tr
from inference.core.quiet import quiet_export

DOMAIN = "text"

# Everything a folder needs next to the weights: tokenizer, chat template, generation
# defaults (kept for reference; the app never uses them), scheduler and licence files.
SUPPORT_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "chat_template.jinja",
    "chat_template.json",
    "generation_config.json",
    "LICENSE",
    "LICENSE.txt",
    "LICENSE.md",
    "NOTICE",
    "README.md",
)
QUANTIZE_CHOICES = ("none", "int8")  # the illustrator's
TEXT_QUANTIZE_CHOICES = ("none", "int8", "int4", "int8wo")  # generator and ranker
# What "auto" means per kind: the fastest variant that stays faithful on real weights
# (docs/performance.md). Generator: int8 weight-only — dynamic int8 looked best on random
# weights but breaks a real model (greedy agreement 0.03, top-1 0.58), int4 loses top-1
# too; int8wo keeps both at ~1.0. The ranker and the UNet gain little from int8 and drift.
AUTO_QUANTIZATION = {"generator": "int8wo", "ranker": "none", "illustrator": "none"}


def resolve_quantization(kind: str, quantize: str) -> str:
    return AUTO_QUANTIZATION.get(kind, "none") if quantize == "auto" else quantize


def prepare_output_dir(dst: Path) -> bool:
    """Make sure ``dst`` is an empty, writable folder; returns True if it was created (so a
    failed export can remove it again). Never overwrites anything."""
    dst = Path(dst)
    if dst.exists():
        if not dst.is_dir():
            raise OutputError(tr("export.dst_not_dir", DOMAIN, path=str(dst)))
        if any(dst.iterdir()):
            raise OutputError(tr("export.dst_not_empty", DOMAIN, path=str(dst)))
        created = False
    else:
        try:
            dst.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(tr("export.dst_unwritable", DOMAIN, path=str(dst), err=exc)) from exc
        created = True
    probe = dst / ".write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(tr("export.dst_unwritable", DOMAIN, path=str(dst), err=exc)) from exc
    return created


def clean_failed_output(dst: Path, created: bool) -> None:
    """Undo a half-written export: the folder was empty (or absent) before we started."""
    if created:
        shutil.rmtree(dst, ignore_errors=True)
    elif dst.is_dir():
        for child in dst.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def copy_support_files(src: Path, dst: Path) -> list[str]:
    """Copy the support files the exporter did not write itself; returns the names copied."""
    copied = []
    for name in SUPPORT_FILES:
        if (src / name).is_file() and not (dst / name).exists():
            shutil.copy2(src / name, dst / name)
            copied.append(name)
    return copied


# The name export.text (and other exporters) import; the one implementation lives in inference.
quiet_libraries = quiet_export


def quantize_int8(onnx_path: Path) -> Path:
    """Dynamic int8 quantization of the weight MatMuls, in place.

    Why this choice: dynamic (no calibration data needed, so it works on any folder offline),
    MatMul only with a constant weight input (``MatMulConstBOnly``: the Linear layers, which
    hold nearly all parameters; attention's activation×activation MatMuls stay float), weights
    int8 per channel (keeps the error of small models low), embeddings (Gather) untouched.
    Activations are quantized on the fly per call. On AVX2-only CPUs this speeds up prefill
    but can be slower for token-by-token decode than fp32 (shared/DESIGN.md) — it mainly
    quarters the weight size.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx_path = Path(onnx_path)
    data_files = _external_data_files(onnx_path)
    external = bool(data_files) or onnx_path.stat().st_size > 1_800_000_000  # protobuf's 2 GB cap
    tmp = onnx_path.with_name(onnx_path.stem + ".int8.onnx")
    quantize_dynamic(
        onnx_path,
        tmp,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        weight_type=QuantType.QInt8,
        use_external_data_format=external,
        extra_options={"MatMulConstBOnly": True},
    )
    # The quantized graph takes the standard name the loaders look for; its own data file
    # (if any) keeps the name the graph refers to.
    for old in [onnx_path, *data_files]:
        old.unlink(missing_ok=True)
    tmp.replace(onnx_path)
    return onnx_path


def _external_data_files(onnx_path: Path) -> list[Path]:
    import onnx
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    model = onnx.load(str(onnx_path), load_external_data=False)
    names = {ExternalDataInfo(t).location for t in model.graph.initializer if uses_external_data(t)}
    return [onnx_path.parent / name for name in sorted(names)]
