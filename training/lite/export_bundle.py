"""Export the trained lite models with the project's exporter and install them in the bundle.

Each model is exported by :mod:`export.text` (Optimum, merged decoder with KV cache for the
generator, parity report) into a staging folder next to the destination, timed through the
app's own loaders on the CPU, then swapped in — a failed export never leaves a half bundle.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from inference.core.params import GenerationParams
from inference.core.progress import Progress

TIMING_PROMPT = "Заходит как-то программист в бар"
TIMING_CANDIDATES = 8
TIMING_NEW_TOKENS = 40
TIMING_REPEATS = 3


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def export_variant(kind: str, src: Path, dst: Path, quantize: str) -> dict[str, Any]:
    """A fresh export of ``src`` into ``dst`` (emptied first); returns the parity report."""
    from export.text import export_generator, export_ranker

    shutil.rmtree(dst, ignore_errors=True)
    exporter = export_generator if kind == "generator" else export_ranker
    return exporter(Path(src), Path(dst), quantize=quantize)


def install(src: Path, dst: Path, extra: dict[str, str] | None = None) -> None:
    """Copy an exported folder to ``dst`` through a staging folder, then swap it in, with
    ``extra`` text files (name -> content) added."""
    dst = Path(dst)
    staging, old = dst.with_name(dst.name + ".staging"), dst.with_name(dst.name + ".old")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(src, staging)
    for name, content in (extra or {}).items():
        (staging / name).write_text(content, encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        dst.rename(old)
    staging.rename(dst)
    shutil.rmtree(old, ignore_errors=True)


def time_generator(folder: Path, threads: int = 2) -> dict[str, Any]:
    """Seconds for 8 candidates × up to 40 new tokens through ``inference.text.generator``
    (ONNX Runtime, ``threads`` threads), median of a few runs after a warm-up."""
    from inference.text.generator import load_generator

    started = time.perf_counter()
    generator = load_generator(folder, backend="onnx", threads=threads)
    load_s = time.perf_counter() - started
    params = GenerationParams(max_new_tokens=TIMING_NEW_TOKENS, seed=0)
    generator.raw_batch(TIMING_PROMPT, TIMING_CANDIDATES, params, Progress())  # warm-up
    runs, tokens = [], []
    for i in range(TIMING_REPEATS):
        params = GenerationParams(max_new_tokens=TIMING_NEW_TOKENS, seed=i + 1)
        started = time.perf_counter()
        rows = generator.raw_batch(TIMING_PROMPT, TIMING_CANDIDATES, params, Progress())
        runs.append(time.perf_counter() - started)
        tokens.append(max(r["steps"] for r in rows))
    return {
        "candidates": TIMING_CANDIDATES,
        "max_new_tokens": TIMING_NEW_TOKENS,
        "threads": threads,
        "load_s": round(load_s, 3),
        "median_s": round(statistics.median(runs), 3),
        "runs_s": [round(r, 3) for r in runs],
        "decode_steps": tokens,
    }


def time_ranker(folder: Path, texts: list[str], threads: int = 2) -> dict[str, Any]:
    from inference.text.ranker import load_ranker

    ranker = load_ranker(folder, backend="onnx", threads=threads)
    ranker.score(texts)  # warm-up
    runs = []
    for _ in range(TIMING_REPEATS):
        started = time.perf_counter()
        ranker.score(texts)
        runs.append(time.perf_counter() - started)
    return {"texts": len(texts), "threads": threads, "median_s": round(statistics.median(runs), 4)}
