"""Runs a whole benchmark: prepare every variant, measure each stage side by side, compare
with the PyTorch fp32 reference, then the composer, the whole pipeline and the GUI start.

Every build, export and measurement runs in its own process (unless ``in_process``), so
this process never imports torch and each number comes from a clean process.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.correctness import COMPARERS
from bench.real_generator import not_configured_reason, real_generator_source
from bench.specs import ModelSpec, Suite
from bench.variants import app_default_variant, variant_label, variant_names
from bench.whole_poster import ENDING_TOKENS_REAL_MEDIAN, REAL_LABEL, is_target_shape
from bench.worker import run_in_subprocess, run_task
from inference.text.visual_prompt import SCENE_MAX_NEW_TOKENS

# what the app installs by default: the export code's own «auto» per role
DEFAULT_VARIANTS = {
    role: app_default_variant(role) for role in ("generator", "ranker", "illustrator")
}
REFERENCE_VARIANTS = {
    "generator": "torch-fp32",
    "ranker": "torch-fp32",
    "illustrator": "torch-fp32+taesd",
}


@dataclass
class RunOptions:
    configs: Path
    cache: Path
    quick: bool = False
    threads: int = 0
    repeats: int | None = None  # None: per-stage defaults below
    in_process: bool = False
    skip: set[str] = field(default_factory=set)
    defaults: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VARIANTS))
    timeout_s: float = 3600.0
    sizes: tuple[int, ...] = (256, 512)
    steps: tuple[int, ...] = (1, 4)
    candidates: int = 8
    new_tokens: int = 48
    ending_tokens: int = ENDING_TOKENS_REAL_MEDIAN  # the whole poster's random-weight endings
    prompt_tokens: int = 20
    gui_repeats: int = 3
    keep_artifacts: bool = False
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)

    def repeats_for(self, stage: str) -> int:
        if self.repeats:
            return self.repeats
        quick = {"generator": 1, "ranker": 3, "illustrator": 1, "composer": 5}
        full = {"generator": 3, "ranker": 10, "illustrator": 2, "composer": 20}
        return (quick if self.quick else full)[stage]


class BenchRun:
    def __init__(self, options: RunOptions) -> None:
        self.o = options
        self.scratch = options.cache / "runs" / time.strftime("%Y%m%d-%H%M%S")
        self.folders: dict[tuple[str, str], dict[str, Any]] = {}  # (model, variant) -> prepared

    # --- plumbing ------------------------------------------------------------------------
    def task(self, task: dict[str, Any]) -> dict[str, Any]:
        task = {"threads": self.o.threads, **task}
        if self.o.in_process:
            return run_task(task)
        return run_in_subprocess(task, self.scratch, self.o.timeout_s)

    def prepare(self, spec: ModelSpec, variant: str) -> dict[str, Any]:
        key = (spec.name, variant)
        if key not in self.folders:
            self.o.say(f"  prepare {spec.name} {variant}")
            self.folders[key] = self.task(
                {
                    "kind": "prepare",
                    "label": f"{spec.name}-{variant}",
                    "configs": str(spec.path.parent if spec.path else self.o.configs),
                    "spec": spec.name,
                    "variant": variant,
                    "cache": str(self.o.cache / "models"),
                }
            )
        return self.folders[key]

    def stage_task(self, spec: ModelSpec, variant: str, folder: str) -> dict[str, Any]:
        role = spec.role
        backend = variant.split("-", 1)[0]
        task: dict[str, Any] = {
            "kind": role,
            "label": f"{spec.name}-{variant}",
            "folder": folder,
            "backend": backend,
            "repeats": self.o.repeats_for(role),
            "artifacts": str(self.scratch / f"{spec.name}-{variant}.npz".replace("+", "_")),
        }
        if role == "generator":
            task.update(
                candidates=self.o.candidates,
                new_tokens=self.o.new_tokens,
                prompt_tokens=self.o.prompt_tokens,
            )
        elif role == "ranker":
            task.update(texts=self.o.candidates)
        else:
            unet = spec.data["unet"]
            task.update(
                sizes=list(self.o.sizes),
                steps=list(self.o.steps),
                artifact_side=min(self.o.sizes),
                unet_channels=unet.get("in_channels", 4),
                cross_attention_dim=unet["cross_attention_dim"],
            )
        return task

    # --- one model, all its variants ---------------------------------------------------
    def measure_model(self, spec: ModelSpec) -> list[dict[str, Any]]:
        rows = []
        for variant in variant_names(spec.role, self.o.quick):
            prepared = self.prepare(spec, variant)
            row: dict[str, Any] = {
                "model": spec.name,
                "variant": variant,
                "prepare": prepared.get("prepare"),
                "folder": prepared.get("folder"),
            }
            if not prepared.get("ok"):
                row.update(ok=False, error=prepared.get("error"), stage="prepare")
                rows.append(row)
                continue
            self.o.say(f"  measure {spec.name} {variant}")
            task = self.stage_task(spec, variant, prepared["folder"])
            result = self.task(task)
            rows.append({**row, **result, "artifacts": task["artifacts"]})
        self._compare(spec.role, rows)
        return rows

    def _reference_for(self, role: str, variant: str, rows: list[dict[str, Any]]) -> dict | None:
        by_name = {r["variant"]: r for r in rows if r.get("ok")}
        if role != "illustrator":
            return by_name.get("torch-fp32")
        decoder = variant.partition("+")[2]
        return by_name.get(f"torch-fp32+{decoder}") or by_name.get("torch-fp32+taesd")

    def _compare(self, role: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            ref = self._reference_for(role, row["variant"], rows)
            if not row.get("ok") or ref is None:
                continue
            row["reference"] = ref["variant"]
            row["speedup"] = speedups(role, ref, row)
            if ref is not row:
                found = COMPARERS[role](ref["artifacts"], row["artifacts"])
                if (
                    found
                    and role == "illustrator"
                    and ref["variant"].partition("+")[2] != row["variant"].partition("+")[2]
                ):
                    # another decoder: only the UNet is comparable
                    found = {k: v for k, v in found.items() if k.startswith(("unet", "latents"))}
                row["correctness"] = found

    # --- composer, pipeline, GUI -------------------------------------------------------------
    def pipeline_task(
        self,
        label: str,
        picks: dict[str, tuple[ModelSpec, str]],
        real: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One whole-poster run; ``real``: a prepared real generator replaces the picked
        one (its rows stop by themselves, so its endings get the app's own cap)."""
        folders, backends, models = {}, {}, {}
        for role, (spec, variant) in picks.items():
            if role == "generator" and real is not None:
                continue
            prepared = self.prepare(spec, variant)
            if not prepared.get("ok"):
                return {
                    "label": label,
                    "ok": False,
                    "error": f"{spec.name} {variant}: {prepared.get('error')}",
                }
            folders[role], backends[role] = prepared["folder"], variant.split("-", 1)[0]
            models[role] = f"{spec.name} {variant_label(variant, prepared.get('prepare'))}"
        tokens: int | None = self.o.ending_tokens
        cap = "real median"
        if real is not None:
            folders["generator"], backends["generator"] = real["folder"], "onnx"
            models = {"generator": real["label"], **models}
            tokens, cap = None, "app's cap, rows stop"
        illustrator = picks["illustrator"][0]
        size = max(self.o.sizes)
        self.o.say(f"  pipeline {label}")
        result = self.task(
            {
                "kind": "pipeline",
                "label": label.replace(" ", "-"),
                "folders": folders,
                "backends": backends,
                "candidates": self.o.candidates,
                "new_tokens": tokens,
                "size": size,
                "steps": int(illustrator.data.get("steps", 1)),
            }
        )
        return {
            "label": label,
            "models": models,
            "ending_tokens": tokens,
            "ending_cap": cap,
            "scene_tokens": SCENE_MAX_NEW_TOKENS,
            "size": size,
            "target_shape": is_target_shape(illustrator.name, size),
            "fresh_process": not self.o.in_process,
            **result,
        }

    def real_generator_run(self, picks: dict[str, tuple[ModelSpec, str]]) -> dict[str, Any]:
        """The default row again with the real generator of DEMOTIVATOR_REAL_GENERATOR,
        exported as the app installs it; unset or unusable: a row that says why."""
        source = real_generator_source()
        if not source:
            return {
                "label": REAL_LABEL,
                "ok": False,
                "skipped": True,
                "error": not_configured_reason(),
            }
        self.o.say(f"  prepare real generator {source}")
        real = self.task(
            {
                "kind": "prepare_real",
                "label": "real-generator",
                "source": source,
                "cache": str(self.o.cache / "models"),
            }
        )
        if not real.get("ok"):
            error = f"{source}: {real.get('error')}"
            return {"label": REAL_LABEL, "ok": False, "skipped": True, "error": error}
        run = self.pipeline_task(REAL_LABEL, picks, real)
        run["export"] = (real.get("prepare") or {}).get("export")
        return run

    def pipelines(self, suite: Suite) -> list[dict[str, Any]]:
        d = suite.defaults
        if not all(role in d for role in ("generator", "illustrator")):
            return []
        picks = {role: (spec, self.o.defaults[role]) for role, spec in d.items()}
        runs = [self.pipeline_task("default", picks), self.real_generator_run(picks)]
        if not self.o.quick:
            for spec in suite.specs.get("illustrator", []):
                if spec.name != d["illustrator"].name:
                    runs.append(
                        self.pipeline_task(
                            f"default+{spec.name}",
                            {**picks, "illustrator": (spec, self.o.defaults["illustrator"])},
                        )
                    )
            reference = {role: (spec, REFERENCE_VARIANTS[role]) for role, spec in d.items()}
            runs.append(self.pipeline_task("torch-fp32", reference))
        return runs

    # --- everything ----------------------------------------------------------------------
    def run(self, suite: Suite) -> dict[str, Any]:
        self.scratch.mkdir(parents=True, exist_ok=True)
        stages: dict[str, Any] = {}
        try:
            for role in ("generator", "ranker", "illustrator"):
                if role in self.o.skip:
                    continue
                stages[role] = []
                for spec in suite.specs.get(role, []):
                    self.o.say(f"{role}: {spec.name}")
                    stages[role].extend(self.measure_model(spec))
            if not self.o.quick and "experiments" not in self.o.skip:
                from bench.experiments import run_experiments

                self.o.say("settings experiments")
                stages["experiments"] = run_experiments(self, suite, stages)
            if "composer" not in self.o.skip:
                self.o.say("composer")
                stages["composer"] = self.task(
                    {
                        "kind": "composer",
                        "label": "composer",
                        "repeats": self.o.repeats_for("composer"),
                    }
                )
            if "pipeline" not in self.o.skip:
                stages["pipeline"] = self.pipelines(suite)
            if "gui" not in self.o.skip:
                from bench.gui import measure_first_window

                self.o.say("gui first window")
                stages["gui"] = measure_first_window(self.o.gui_repeats)
        finally:
            if not self.o.keep_artifacts:
                shutil.rmtree(self.scratch, ignore_errors=True)
        return stages


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def speedups(role: str, ref: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Reference time / variant time (above 1 = faster than PyTorch fp32)."""
    if role == "generator":
        keys = ("total_s", "prefill_s", "decode_s")
        return {k.removesuffix("_s"): _ratio(ref.get(k), row.get(k)) for k in keys}
    if role == "ranker":
        return {"total": _ratio(ref.get("total_s"), row.get("total_s"))}
    # with another decoder only the UNet step compares like with like
    same_decoder = ref["variant"].partition("+")[2] == row["variant"].partition("+")[2]
    out: dict[str, Any] = {}
    for cell, values in (row.get("cells") or {}).items():
        theirs = (ref.get("cells") or {}).get(cell, {})
        total = _ratio(theirs.get("total_s"), values.get("total_s")) if same_decoder else None
        out[cell] = {
            "total": total,
            "unet_step": _ratio(theirs.get("unet_step_s"), values.get("unet_step_s")),
        }
    return out
