"""``demotivator export SRC DST --kind illustrator``: a diffusers SD folder → Optimum ONNX.

Steps: Optimum's ``main_export(task="text-to-image")`` (UNet, VAE encoder/decoder, text
encoder(s), plus tokenizer, scheduler and feature-extractor configs and model_index.json) —
or, when the folder's own ``vae/`` is a TAESD (SDXS), Optimum's per-model export of
everything but the VAE (:func:`export.illustrator_onnx.export_without_vae`); the tiny VAE
decoder (from ``vae_tiny/``, else from such a ``vae/``); the PyTorch safety checker copied
as is (Optimum has no ONNX one); optional dynamic int8 UNet; then a parity report
(``parity.json``) comparing the export with the PyTorch source. The result loads in the
``onnx`` backend of :func:`inference.image.illustrator.load_illustrator` with no further step.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from export import common
from export.parity import write_parity
from inference.core.errors import Cancelled, DemotivatorError, InputError, ModelError, OutputError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.core.quiet import DRAW_LOGGERS, EXPORT_LOGGERS, quiet_libraries
from inference.image.illustrator_folders import (
    DOMAIN,
    SAFETY_CHECKER_DIR,
    SDFolder,
    inspect_sd_folder,
    require_usable,
)

QUANTIZATIONS = common.QUANTIZE_CHOICES
STAGE_EXPORT = "export"
# Small files main_export writes itself; copied from the source when missing (defensive:
# older Optimum releases skipped some of them).
_CONFIG_DIRS = ("scheduler", "tokenizer", "tokenizer_2", "feature_extractor")


def _check_source(src: Path) -> SDFolder:
    info = inspect_sd_folder(src)
    require_usable(info)
    if info.torch_missing:
        raise ModelError(tr("export.not_torch", DOMAIN, path=str(src)))
    return info


def _check_destination(src: Path, dst: Path) -> None:
    """Writing into the source folder (or below it) would mix the two layouts."""
    src_r, dst_r = src.resolve(), dst.resolve()
    if dst_r == src_r or src_r in dst_r.parents:
        raise OutputError(tr("export.same_folder", DOMAIN, path=str(dst)))


def _copy_extras(src: Path, dst: Path) -> None:
    for name in _CONFIG_DIRS:
        if (src / name).is_dir() and not (dst / name).exists():
            shutil.copytree(src / name, dst / name)
    if (src / SAFETY_CHECKER_DIR).is_dir():
        shutil.copytree(src / SAFETY_CHECKER_DIR, dst / SAFETY_CHECKER_DIR, dirs_exist_ok=True)


def _main_export(src: Path, dst: Path) -> None:
    from optimum.exporters.onnx import main_export

    # Validation is skipped: our own parity check below compares whole pictures.
    main_export(
        str(src),
        output=dst,
        task="text-to-image",
        device="cpu",
        do_validation=False,
        local_files_only=True,
    )


def _dir_size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 2)


def export_illustrator(
    src: Path, dst: Path, quantize: str = "none", progress: Progress | None = None
) -> dict[str, Any]:
    """Export the SD folder ``src`` to ONNX in ``dst``; returns the report saved as
    ``dst/parity.json``. Raises DemotivatorError subclasses for user errors; ``dst`` is left
    as it was (absent or empty) if the export fails or is cancelled.

    ``quantize="int8"``: dynamic int8 of the UNet's weight MatMuls (``common.quantize_int8``;
    convolutions stay fp32). Measured on the 2-core AVX2 box, shared with other jobs
    (SD-1.5-shaped UNet at half width, 220 M parameters, 256², 2 threads, best of 10 UNet
    calls): ONNX fp32 2.62 s, ONNX int8 2.57 s, PyTorch 3.22 s — int8 gives no real
    speed-up; the folder shrinks by ~23 % (896 → 691 MB) and pictures drift (mean |Δ|
    5.7/255 against PyTorch, vs 0.0001 for fp32). An option for smaller files, not for
    speed: few-step models and TAESD are the speed levers.
    """
    from export.illustrator_onnx import export_tiny_vae_decoder, export_without_vae
    from export.illustrator_parity import measure_parity

    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    progress = progress or Progress()
    if quantize not in QUANTIZATIONS:
        choices = ", ".join(QUANTIZATIONS)
        raise InputError(tr("export.bad_quantize", DOMAIN, value=quantize, choices=choices))
    info = _check_source(src)
    _check_destination(src, dst)
    created = common.prepare_output_dir(dst)  # new or empty and writable, else OutputError
    # vae_tiny/ is what the torch backend draws with when present, so it wins over vae/.
    tiny_vae_src = info.tiny_vae_torch or (src / "vae" if info.vae_is_tiny else None)
    has_tiny_vae = tiny_vae_src is not None

    def step(key: str) -> None:
        progress.check()
        progress.stage(STAGE_EXPORT, None, tr(key, DOMAIN))

    timings: dict[str, float] = {}
    try:
        with quiet_libraries((*DRAW_LOGGERS, *EXPORT_LOGGERS), hide_diffusers_bars=True):
            t0 = time.perf_counter()
            step("export.step.onnx")
            if info.vae_is_tiny:  # main_export's VAE configs need an AutoencoderKL
                export_without_vae(src, dst)
            else:
                _main_export(src, dst)
            _copy_extras(src, dst)
            timings["export_seconds"] = round(time.perf_counter() - t0, 2)
            if tiny_vae_src is not None:
                step("export.step.tiny_vae")
                export_tiny_vae_decoder(tiny_vae_src, dst)
            if quantize == "int8":
                t0 = time.perf_counter()
                step("export.step.quantize")
                common.quantize_int8(dst / "unet" / "model.onnx")
                timings["quantize_seconds"] = round(time.perf_counter() - t0, 2)
        step("export.step.parity")
        parity = measure_parity(src, dst)
        progress.finish()
    except (Cancelled, DemotivatorError):
        common.clean_failed_output(dst, created)
        raise
    except Exception as exc:  # an exporter failure is reported, not dumped as a traceback
        common.clean_failed_output(dst, created)
        err = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise ModelError(tr("export.failed", DOMAIN, name=src.name, err=err)) from exc

    report: dict[str, Any] = {
        "kind": "illustrator",
        "source": str(src),
        "quantize": quantize,
        "tiny_vae": has_tiny_vae,
        **timings,
        **parity,
        "size_mb": _dir_size_mb(dst),
    }
    path = write_parity(dst, report)  # adds library versions
    return json.loads(path.read_text(encoding="utf-8"))
