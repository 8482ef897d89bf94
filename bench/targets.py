"""The speed targets of the issue, checked against a benchmark report.

Each target names the model shape it is about; a run that did not measure that shape (the
tiny test suite, ``--quick``) reports it as not measured (``met: null``), never as met.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.whole_poster import REAL_LABEL, TARGETS

GENERATOR_LIMITS = {"qwen2.5-0.5b-instruct": 4.0, "qwen2.5-1.5b-instruct": 10.0}
# other illustrators in the whole pipeline (SDXS, the default, is judged by the whole-poster
# targets below)
POSTER_LIMITS = {"sd-turbo": 25.0}
GUI_LIMIT_S = 1.5
SPEEDUP_MIN = 2.0


def find_row(stages: dict[str, Any], role: str, model: str, variant: str) -> dict[str, Any] | None:
    for row in stages.get(role) or []:
        if row.get("model") == model and row.get("variant") == variant and row.get("ok"):
            return row
    return None


class Targets:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(
        self, tid: str, what: str, limit: str, value: Any, ok: Callable[[Any], bool], note: str = ""
    ) -> None:
        met = None if value is None else bool(ok(value))
        self.items.append(
            {"id": tid, "target": what, "limit": limit, "measured": value, "met": met, "note": note}
        )


def _pipeline_for(stages: dict[str, Any], illustrator: str) -> dict[str, Any] | None:
    for run in stages.get("pipeline") or []:
        drawn_by = str((run.get("models") or {}).get("illustrator", ""))
        if run.get("ok") and run.get("label") != "torch-fp32" and drawn_by.startswith(illustrator):
            return run
    return None


def _largest_multistep(cells: dict[str, Any]) -> str | None:
    def key(cell: str) -> tuple[int, int]:
        size, steps = cell.split("x")
        return int(size), int(steps)

    return max((c for c in cells if key(c)[1] > 1), key=key, default=None)


def _speed_targets(t: Targets, stages: dict[str, Any], defaults: dict[str, str]) -> None:
    gen = defaults["generator"]
    for model, limit in GENERATOR_LIMITS.items():
        row = find_row(stages, "generator", model, gen) or {}
        t.add(
            f"generator-{model}",
            f"generator 8×48 tokens, {model}, {gen}",
            f"≤ {limit:g} s",
            row.get("total_s"),
            lambda v, lim=limit: v <= lim,
        )
        t.add(
            f"generator-speedup-{model}",
            f"{gen} vs torch-fp32, {model}",
            f"≥ {SPEEDUP_MIN:g}×",
            (row.get("speedup") or {}).get("total"),
            lambda v: v >= SPEEDUP_MIN,
        )
    ill = defaults["illustrator"]
    for row in stages.get("illustrator") or []:
        if row.get("variant") != ill or not row.get("ok"):
            continue
        cell = _largest_multistep(row.get("cells") or {})
        ratio = (row.get("speedup") or {}).get(cell, {}).get("unet_step") if cell else None
        t.add(
            f"unet-speedup-{row['model']}",
            f"UNet step {ill} vs torch-fp32, {row['model']} {cell}",
            f"≥ {SPEEDUP_MIN:g}×",
            ratio,
            lambda v: v >= SPEEDUP_MIN,
        )


def _app_targets(t: Targets, stages: dict[str, Any]) -> None:
    for model, limit in POSTER_LIMITS.items():
        run = _pipeline_for(stages, model)
        value = run["second_poster"]["total_s"] if run else None
        note = f"first poster incl. loading {run['first_poster']['total_s']:.1f} s" if run else ""
        t.add(
            f"poster-{model}",
            f"whole poster 512², {model} + TAESD, models loaded",
            f"≤ {limit:g} s",
            value,
            lambda v, lim=limit: v <= lim,
            note,
        )
    gui = stages.get("gui") or {}
    t.add(
        "gui-first-window",
        "GUI first window",
        f"≤ {GUI_LIMIT_S:g} s",
        gui.get("first_window_s") if gui.get("ok") else None,
        lambda v: v <= GUI_LIMIT_S,
        gui.get("method", ""),
    )
    runs = stages.get("pipeline") or []
    run = next((r for r in runs if r.get("label") == "default" and r.get("ok")), None) or {}
    first, second = (run.get(k, {}).get("total_s") for k in ("first_poster", "second_poster"))
    note = f"first {first:.1f} s, second {second:.1f} s" if run else ""
    t.add(
        "models-stay-loaded",
        "second poster pays no load time",
        "same model objects",
        run.get("models_reused"),
        bool,
        note,
    )


def _whole_poster_targets(t: Targets, rows: list[dict[str, Any]]) -> None:
    """The issue's three whole-poster targets for the default models, and again with the
    real generator when that row ran (only rows of the targets' shape are judged)."""
    for label, suffix in (("default", ""), (REAL_LABEL, "-real-generator")):
        row = next((r for r in rows if r.get("label") == label), None)
        if row is None or (suffix and not row.get("ok")):
            continue
        for tid, what, limit, _ in TARGETS:
            cell = (row.get("targets") or {}).get(tid) or {}
            applies = cell.get("applies", False)
            unit = "MB" if tid == "peak" else "s"
            t.add(
                f"whole-poster-{tid}{suffix}",
                f"{what} ({'real generator' if suffix else 'default models'})",
                f"≤ {limit:g} {unit}",
                cell.get("measured") if applies else None,
                lambda v, lim=limit: v <= lim,
                "" if applies or not row.get("ok") else "not the target models",
            )


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    stages, settings = report.get("stages", {}), report["settings"]
    t = Targets()
    _speed_targets(t, stages, settings["default_variants"])
    _app_targets(t, stages)
    _whole_poster_targets(t, report.get("whole_poster") or [])
    policy = report.get("machine", {}).get("env", {}).get("OMP_WAIT_POLICY") or "unset"
    t.add(
        "threads",
        "threads and spin-waiting",
        "OMP_WAIT_POLICY=PASSIVE, threads = cores",
        f"threads={settings['threads']}, OMP_WAIT_POLICY={policy}",
        lambda v: policy == "PASSIVE",
    )
    return t.items
