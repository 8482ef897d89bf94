"""The «real generator» row's model: the Hugging Face folder ``DEMOTIVATOR_REAL_GENERATOR``
names, exported the way the app installs a generator by default — ``demotivator export``'s
own code with ``--quantize auto`` (:func:`export.cli.export_model`), parity report and
verdict included. The export is cached like every built variant, under the benchmark cache,
and made again when the folder's files or the export code change.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from bench.build import cached
from bench.specs import DOMAIN
from bench.whole_poster import REAL_GENERATOR_ENV
from inference.core.i18n import tr

VERDICT_KEYS = ("quantize", "quantization", "verdict", "export_seconds")


def real_generator_source() -> str:
    return os.environ.get(REAL_GENERATOR_ENV, "").strip()


def not_configured_reason() -> str:
    return tr("bench.real_not_set", DOMAIN, env=REAL_GENERATOR_ENV)


def source_fingerprint(folder: Path) -> str:
    """Changes when the folder moves or any file in it changes (size or time)."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


def real_label(source: Path, variant: str, export: dict[str, Any]) -> str:
    """E.g. «realw/hf onnx-int8wo (LM head fp32, app default; real weights, faithful: greedy
    1.00, top-1 0.96)» — the export's own parity verdict."""
    from bench.report import fmt
    from bench.variants import variant_label

    name = "/".join(source.resolve().parts[-2:])
    judged = export.get("verdict") or {}
    verdict = ""
    if judged:
        word = "faithful" if judged.get("faithful") else "NOT faithful"
        greedy, top1 = (judged.get(k) for k in ("greedy", "top1"))
        verdict = f", {word}: greedy {fmt(greedy)}, top-1 {fmt(top1)}"
    label = variant_label(variant, export, app_default=True)
    return f"{name} {label.removesuffix(')')}; real weights{verdict})"


def prepare_real_generator(task: dict[str, Any]) -> dict[str, Any]:
    """Worker entry: export (or find cached) the real generator; a missing or unusable
    folder raises the app's own error, which the row then shows as its reason."""
    from bench.measure import peak_rss_mb
    from bench.variants import export_code_fingerprint
    from export.cli import export_model
    from export.common import resolve_quantization
    from inference.core.progress import Progress
    from inference.text.model_folders import inspect_folder

    source = Path(task["source"]).expanduser()
    inspect_folder(source)  # «no such folder» / «not a model folder» before anything else
    quantize = resolve_quantization("generator", "auto")
    home = Path(task["cache"]) / f"real-{source.name}-{source_fingerprint(source)}"
    folder = home / f"onnx-{quantize}"

    def make(dst: Path) -> dict[str, Any]:
        report = export_model("generator", source, dst, "auto", Progress())
        return {"export": {k: report[k] for k in VERDICT_KEYS if k in report}}

    info = cached(folder, make, recipe=f"auto={quantize}/{export_code_fingerprint()}")
    return {
        "folder": str(folder),
        "label": real_label(source, f"onnx-{quantize}", info.get("export") or {}),
        "source": str(source),
        "prepare": info,
        "peak_rss_mb": peak_rss_mb(),
    }
