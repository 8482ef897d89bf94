"""The «whole poster» table (issue 18): every pipeline run of the benchmark as one row — the
first poster in a fresh process and how much of it was loading, the poster with the models
loaded and its stages, the peak memory and what it consists of, and the issue's targets as
met / not met with the number. :func:`poster_rows` is pure: numbers in, verdicts out.
"""

from __future__ import annotations

from typing import Any

# Random weights never stop, so the random-weight rows cap the endings at the length real
# endings have: docs/performance.md, «Rows stop when the joke ends» — real Qwen2.5-Coder-0.5B
# (int8 weight-only), 12 beginnings × 8 candidates: median 16 generated tokens per row (the
# kept ending: 16 too). `demotivator bench --ending-tokens N` overrides it.
ENDING_TOKENS_REAL_MEDIAN = 16
# A real HF generator folder: the «real generator» row exports it as the app installs it.
REAL_GENERATOR_ENV = "DEMOTIVATOR_REAL_GENERATOR"
REAL_LABEL = "real generator"

# The targets, on a 2-core AVX2 machine with the default models.
POSTER_LOADED_LIMIT_S = 15.0
FIRST_POSTER_LIMIT_S = 25.0
RSS_LIMIT_MB = 4096.0
# The targets are about SDXS at 512² (1 step + TAESD); rows drawn by another model or at
# another size (the tests' tiny models) are reported as «not the target shape», never met.
TARGET_ILLUSTRATORS = ("sdxs-512-0.9",)
TARGET_SIZE = 512

STAGES = (  # column name, key in the pipeline's timings
    ("generate", "generate"),
    ("rank", "rank"),
    ("scene", "visual_prompt"),
    ("draw", "draw"),
    ("compose", "compose"),
)
TARGETS = (  # id, what, limit, how to read the measured number from a row
    ("loaded", "whole poster, models loaded", POSTER_LOADED_LIMIT_S, "loaded_s"),
    ("first", "first poster in a fresh process", FIRST_POSTER_LIMIT_S, "first_s"),
    ("peak", "peak memory", RSS_LIMIT_MB, "peak_rss_mb"),
)


def is_target_shape(illustrator: str, size: int) -> bool:
    return illustrator in TARGET_ILLUSTRATORS and size == TARGET_SIZE


def _target(measured: float | None, limit: float, applies: bool) -> dict[str, Any]:
    met = None if measured is None or not applies else measured <= limit
    return {"limit": limit, "measured": measured, "met": met, "applies": applies}


def _memory(run: dict[str, Any]) -> dict[str, Any]:
    """The peak as: the process before any model, what each model's load added (measured
    around the load itself), the rest (what the runs hold at the peak: KV caches, arenas,
    activations, the picture)."""
    before = run.get("rss_before_models_mb")
    if before is None:
        return {}
    parts: dict[str, float] = {"process": before}
    loads = run.get("loads") or []
    for load in loads:
        # a load beside the run (the app's prefetch) also counts what the run held then
        name = f"{load['role']} (beside the text)" if load.get("background") else load["role"]
        parts[name] = round(load["rss_mb"] - load["rss_before_mb"], 1)
    peak = run.get("peak_rss_mb")
    if peak is not None and not any(load.get("background") for load in loads):
        parts["running"] = round(peak - sum(parts.values()), 1)
    return parts


def load_seconds(loads: list[dict[str, Any]]) -> float | None:
    """Seconds during which some model was loading (overlapping loads counted once)."""
    spans = sorted((load["start_s"], load["end_s"]) for load in loads if "start_s" in load)
    if not spans:
        return sum(load["s"] for load in loads) or None
    total, (start, end) = 0.0, spans[0]
    for s, e in spans[1:]:
        if s > end:
            total, start, end = total + end - start, s, e
        else:
            end = max(end, e)
    return round(total + end - start, 4) or None


def poster_row(run: dict[str, Any]) -> dict[str, Any]:
    """One row of the table from one pipeline run (``bench.pipeline_stage`` result plus the
    runner's label, models, caps and whether the run is of the targets' shape)."""
    row: dict[str, Any] = {
        "label": run.get("label", ""),
        "models": run.get("models") or {},
        "ending_tokens": run.get("ending_tokens"),
        "ending_cap": run.get("ending_cap", ""),
        "scene_tokens": run.get("scene_tokens"),
        "fresh_process": run.get("fresh_process"),
    }
    if not run.get("ok"):
        return {**row, "ok": False, "skipped": bool(run.get("skipped")), "error": run.get("error")}
    first, loaded = run.get("first_poster") or {}, run.get("second_poster") or {}
    load_s = load_seconds(run.get("loads") or [])
    first_s = first.get("total_s")
    row.update(
        ok=True,
        first_s=first_s,
        first_load_s=load_s,
        first_load_share=round(load_s / first_s, 3) if load_s and first_s else None,
        loaded_s=loaded.get("total_s"),
        stages_s={name: (loaded.get("stages_s") or {}).get(key) for name, key in STAGES},
        peak_rss_mb=run.get("peak_rss_mb"),
        memory_mb=_memory(run),
        models_reused=run.get("models_reused"),
    )
    shape = bool(run.get("target_shape"))
    fresh = run.get("fresh_process") is not False  # --in-process: no fresh first poster
    row["targets"] = {
        tid: _target(row[key], limit, shape and (fresh or tid != "first"))
        for tid, _, limit, key in TARGETS
    }
    return row


def poster_rows(runs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [poster_row(run) for run in runs or []]
