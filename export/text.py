"""ONNX export of generator and ranker folders with Optimum, plus a parity report.

The result is a plain folder the ``onnx`` backend loads with no further step: ``model.onnx``
(for the generator one merged decoder with KV cache: the same graph serves the prompt and
each new token), ``config.json``, tokenizer files, chat template, generation config, and
``parity.json`` comparing it with the PyTorch original on fixed inputs.

Optimum's own post-export validation is switched off: it fails the whole export on an
absolute tolerance that int8 or slightly different kernels can miss, while our report
measures the same thing and records it for the user to judge.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from export.bounded import check_memory, run_isolated
from export.common import (
    DOMAIN,
    TEXT_QUANTIZE_CHOICES,
    clean_failed_output,
    copy_support_files,
    prepare_output_dir,
    quantize_int8,
    quiet_libraries,
)
from export.parity import max_abs_diff, write_parity
from inference.core.errors import Cancelled, DemotivatorError, InputError, ModelError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.text.model_folders import FolderInfo, inspect_folder

STAGE_EXPORT = "export"
PARITY_TEXTS = [
    "Приходит мужик в библиотеку и просит книгу о паранойе. — Она у вас за спиной!",
    "Лучше поздно, чем в понедельник.",
    "Оптимист верит, что понедельник закончится. Пессимист знает, что наступит следующий.",
    "Кот",
]
# From this float32 size on, a graph no longer fits one protobuf (2 GiB): see _export.
LARGE_MODEL_BYTES = 1_500_000_000
GENERATOR_TASK = "text-generation-with-past"
RANKER_TASK = "text-classification"


def _check_source(src: Path, kind: str) -> FolderInfo:
    info = inspect_folder(src)
    if not info.torch_weights:
        raise ModelError(tr("export.src_no_torch", DOMAIN, path=str(src)))
    if kind == "generator":
        from inference.text.generator import check_generator_folder

        check_generator_folder(info)
    else:
        from inference.text.ranker import check_ranker_folder

        check_ranker_folder(info)
    return info


def weights_bytes_fp32(src: Path) -> int:
    """Float32 size of the folder's weights (bf16/fp16 checkpoints count double)."""
    import json

    total = 0
    for path in Path(src).glob("*.safetensors"):
        try:
            with path.open("rb") as handle:  # the header says each tensor's dtype and shape
                header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
        except (OSError, ValueError):  # damaged: the export itself reports it
            total += path.stat().st_size
            continue
        for name, tensor in header.items():
            if name != "__metadata__":
                count = 1
                for dim in tensor["shape"]:
                    count *= dim
                total += count * 4
    for path in Path(src).glob("*.bin"):
        total += path.stat().st_size
    return total


def quantize_graph(onnx_path: Path, quantize: str) -> dict[str, Any]:
    """Quantize an exported text graph in place the way ``demotivator export`` does (the
    benchmark calls this too, so it measures what the app ships). int8: dynamic int8
    MatMuls; int4/int8wo: weight-only blocks (MatMulNBits) — what makes decoding on a CPU
    fast. int4 includes the LM head and embeddings (smallest); int8wo, the
    generators' default, keeps the LM head fp32: on real weights that is what makes it
    faithful (greedy 1.00 instead of 0.72; docs/performance.md)."""
    if quantize == "int8":
        with quiet_libraries():
            quantize_int8(onnx_path)
        return {"method": "dynamic int8"}
    from export.quantize_nbits import NBITS_CHOICES, quantize_nbits

    head = quantize != "int8wo"
    return {
        "method": "weight-only",
        **quantize_nbits(onnx_path, bits=NBITS_CHOICES[quantize], include_lm_head=head),
    }


def _optimum_export(src: Path, dst: Path, task: str, weights_fp32: int) -> None:
    """The fp32 graph on disk (run in a child process by :func:`_export`). A generator's
    graph is exported without its weights, which are then read one at a time
    (export.lazy_export); a ranker, or a generator whose checkpoint names its tensors
    otherwise, goes through Optimum's export with the whole model in memory."""
    from optimum.exporters.onnx import main_export

    if task == GENERATOR_TASK:
        from export.lazy_export import export_lazily

        with quiet_libraries():
            if export_lazily(src, dst, task):
                return
        check_memory(weights_fp32, whole_model=True)
    # Optimum's post-processing only de-duplicates a tied embedding, by re-serialising
    # the whole graph in one protobuf: above 2 GiB (Qwen2.5-1.5B in fp32) that fails
    # and needs about 22 GB of RAM, so large models keep both copies on disk instead.
    large = weights_fp32 >= LARGE_MODEL_BYTES
    with quiet_libraries():
        main_export(
            str(src), output=dst, task=task, do_validation=False, device="cpu",
            no_post_process=large,
        )  # fmt: skip


def _export(
    src: Path, dst: Path, kind: str, task: str, quantize: str, progress: Progress | None, parity
) -> dict[str, Any]:
    if quantize not in TEXT_QUANTIZE_CHOICES:
        choices = ", ".join(TEXT_QUANTIZE_CHOICES)
        raise InputError(tr("export.bad_quantize", DOMAIN, value=quantize, choices=choices))
    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    _check_source(src, kind)
    progress = progress or Progress()
    weights = weights_bytes_fp32(src)
    check_memory(weights, whole_model=kind != "generator")  # before anything is written
    created = prepare_output_dir(dst)
    steps = ["export", "copy", *(["quantize"] if quantize != "none" else []), "parity"]
    progress.stage(STAGE_EXPORT, total=len(steps), message=tr("export.step_export", DOMAIN))

    def step_done(next_step: str) -> None:
        progress.check()
        progress.message = tr(f"export.step_{next_step}", DOMAIN)
        progress.advance()

    started = time.perf_counter()
    try:
        progress.check()
        # Each heavy step in a child process of its own: the next one starts with the memory
        # the previous one used given back (export.bounded), so the peak is one step's.
        run_isolated(_optimum_export, src, dst, task, weights, progress=progress)
        export_s = time.perf_counter() - started
        step_done("copy")
        copied = copy_support_files(src, dst)
        quantization: dict[str, Any] = {}
        if quantize != "none":
            step_done("quantize")
            quantization = run_isolated(
                quantize_graph, dst / "model.onnx", quantize, progress=progress
            )
        step_done("parity")
        report = {
            "kind": kind,
            "task": task,
            "source": str(src),
            "quantize": quantize,
            "onnx_file": "model.onnx",
            "copied_files": copied,
            "export_seconds": round(export_s, 3),
            **({"quantization": quantization} if quantization else {}),
            **parity(src, dst),
        }
        write_parity(dst, report)
    except (DemotivatorError, Cancelled):
        clean_failed_output(dst, created)
        raise
    except Exception as exc:  # exporter failures: unsupported op, out of memory, disk full…
        clean_failed_output(dst, created)
        raise ModelError(
            tr("export.failed", DOMAIN, src=str(src), err=str(exc).strip()[:300])
        ) from exc
    except BaseException:  # KeyboardInterrupt: leave no half export behind either
        clean_failed_output(dst, created)
        raise
    progress.finish()
    return report


def generator_parity(src: Path, dst: Path) -> dict[str, Any]:
    """Greedy agreement, teacher-forced top-1 and KL: the PyTorch original vs the ONNX export
    loaded through the app's own onnx backend (export.text_parity), with a verdict. Each
    generator answers in a child process of its own, one after the other, so the peak is the
    larger of the two models instead of their sum."""
    from export import text_parity

    seen = run_isolated(_observe, src, "torch", None)
    return text_parity.compare(seen, run_isolated(_observe, dst, "onnx", seen["inputs"]))


def _observe(folder: Path, backend: str, inputs: dict[str, Any] | None) -> dict[str, Any]:
    from export import text_parity
    from inference.text.generator import load_generator

    generator = load_generator(folder, backend)
    if generator.backend != backend:
        raise ModelError(tr("export.not_loadable", DOMAIN, path=str(folder)))
    return text_parity.observe(generator, inputs)


def ranker_parity(src: Path, dst: Path) -> dict[str, Any]:
    """Scores (the single logit) of a few fixed texts, PyTorch vs ONNX."""
    from inference.text.ranker import load_ranker

    reference, exported = load_ranker(src, "torch"), load_ranker(dst, "onnx")
    if exported.backend != "onnx":
        raise ModelError(tr("export.not_loadable", DOMAIN, path=str(dst)))
    ref_scores, onnx_scores = reference.score(PARITY_TEXTS), exported.score(PARITY_TEXTS)
    return {
        "texts": PARITY_TEXTS,
        "max_abs_logits_diff": max_abs_diff(ref_scores, onnx_scores),
        "scores_torch": ref_scores,
        "scores_onnx": onnx_scores,
    }


def export_generator(
    src: Path, dst: Path, quantize: str = "none", progress: Progress | None = None
) -> dict[str, Any]:
    """Export a Qwen2-family folder to ``dst`` (must be empty or absent); returns the parity
    report that is also written to ``dst/parity.json``."""
    return _export(src, dst, "generator", GENERATOR_TASK, quantize, progress, generator_parity)


def export_ranker(
    src: Path, dst: Path, quantize: str = "none", progress: Progress | None = None
) -> dict[str, Any]:
    """Export a sequence-regression folder to ``dst``; returns the parity report."""
    return _export(src, dst, "ranker", RANKER_TASK, quantize, progress, ranker_parity)
