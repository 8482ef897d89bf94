"""The lite build, step by step. Each step reads what the previous ones left in the work
folder and records its facts in ``WORK/build.json``, so a step can be re-run alone (e.g.
training on a GPU machine, exporting back on the laptop) and the model cards are written
from recorded numbers only.

    fetch           registries → WORK/cache (pinned versions, SHA-256, licences)
    corpus          scraper import → WORK/jokes.sqlite → prepared data WORK/data
    generator       BPE tokenizer + Qwen2 from scratch → WORK/generator
    generator-eval  held-out perplexity vs n-gram baselines, sample completions
    ranker-data     real-vs-degraded groups (uses the trained generator) → WORK/ranker-data
    ranker          WordPiece + BERT regressor → WORK/ranker (project's ranker trainer)
    ranker-eval     ROC-AUC on the test groups
    export          ONNX (int8 where chosen) → OUT/lite-generator, OUT/lite-ranker, timings
    cards           MODEL_CARD.md per model, OUT/LICENSES.md, OUT/README.md
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inference.core.progress import Progress
from training.lite.recipe import Recipe

STEPS = (
    "fetch",
    "corpus",
    "generator",
    "generator-eval",
    "ranker-data",
    "ranker",
    "ranker-eval",
    "export",
    "cards",
)
# not part of a full run: the training speed of the generator recipe on 2 CPU threads
EXTRA_STEPS = ("cpu-benchmark",)
# the order steps run in when several are named (the cards come last: they report them all)
ORDER = (*STEPS[:-1], *EXTRA_STEPS, STEPS[-1])
RANKER_TIMING_TEXTS = 8


@dataclass
class Build:
    work: Path
    out: Path
    recipe: Recipe = field(default_factory=Recipe)
    threads: int = 0
    show_progress: bool = True
    archives: dict[str, Path] = field(default_factory=dict)
    compare_quantization: bool = False
    progress: Progress = field(default_factory=Progress)

    # --- the work folder -----------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.work / name

    def state(self) -> dict[str, Any]:
        file = self.path("build.json")
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}

    def record(self, key: str, value: Any) -> None:
        state = self.state()
        state[key] = value
        self.work.mkdir(parents=True, exist_ok=True)
        text = json.dumps(state, ensure_ascii=False, indent=1, default=str) + "\n"
        self.path("build.json").write_text(text, encoding="utf-8")

    # --- steps ---------------------------------------------------------------------------
    def fetch(self) -> None:
        from training.lite.sources import fetch_all

        fetched = fetch_all(self.path("cache"), self.archives)
        self.record(
            "sources",
            {
                name: {**asdict(f.source), "archive": f.archive.name, "sha256": f.sha256}
                for name, f in fetched.items()
            },
        )

    def corpus(self) -> None:
        from training.lite.corpus import build_database, make_data_dir
        from training.lite.sources import fetch_all

        fetched = fetch_all(self.path("cache"), self.archives)  # cached: no download
        stats = build_database(fetched, self.path("jokes.sqlite"), self.work)
        report = make_data_dir(self.path("jokes.sqlite"), self.path("data"))
        self.record("corpus", {"import": stats, "prepared": report})

    def generator(self) -> None:
        from training.lite.generator_build import prepare_generator_base, train_lite_generator

        recipe = self.recipe.generator
        base = prepare_generator_base(self.path("data"), recipe, self.path("generator-base"))
        report = train_lite_generator(
            self.path("data"),
            base,
            self.path("generator"),
            recipe,
            self.threads,
            self.show_progress,
            self.progress,
        )
        report["training"]["host"] = _host()
        self.record("generator", report)

    def cpu_benchmark(self) -> None:
        from training.lite.generator_build import cpu_throughput, prepare_generator_base

        recipe = self.recipe.generator
        base = self.path("generator-base")
        if not (base / "config.json").is_file():
            prepare_generator_base(self.path("data"), recipe, base)
        result = cpu_throughput(self.path("data"), base, recipe, threads=self.threads or 2)
        result["host"] = {**_host(), "cpu": platform.processor() or platform.machine()}
        # the box may be shared: the load tells how far the number is from an idle machine
        result["load_average_1min"] = round(os.getloadavg()[0], 2)
        result["cpu_count"] = os.cpu_count()
        self.record("cpu_throughput", result)

    def generator_eval(self) -> None:
        from training.lite.generator_eval import perplexity_report, sample_completions

        model, data = self.path("generator"), self.path("data")
        self.record(
            "generator_eval",
            {
                "perplexity": perplexity_report(model, data, self.recipe.generator.max_length),
                "samples": sample_completions(model, data),
            },
        )

    def ranker_data(self) -> None:
        from training.lite.ranker_build import build_ranker_data

        report = build_ranker_data(
            self.path("data"),
            self.path("generator"),
            self.path("ranker-data"),
            self.recipe.ranker,
            self.recipe.generator,
        )
        self.record("ranker_data", report)

    def ranker(self) -> None:
        from training.lite.ranker_build import prepare_ranker_base, train_lite_ranker

        recipe = self.recipe.ranker
        base = prepare_ranker_base(self.path("data"), recipe, self.path("ranker-base"))
        metrics = train_lite_ranker(
            self.path("ranker-data"),
            base,
            self.path("ranker"),
            recipe,
            self.threads,
            self.show_progress,
        )
        metrics["training"]["host"] = _host()
        metrics["training"].pop("history", None)  # the full curve stays in WORK/ranker
        metrics["parameters"] = _parameters(self.path("ranker"))
        self.record("ranker", metrics)

    def ranker_eval(self) -> None:
        from training.lite.ranker_build import auc_report, gate_report

        report = auc_report(self.path("ranker"), self.path("ranker-data"))
        report["gate"] = gate_report(
            self.path("ranker"), self.path("ranker-data"), self.path("data")
        )
        self.record("ranker_eval", report)

    def export(self) -> None:
        from inference.text.ranker import GATE_FILE, SCALE_FILE
        from training.data_files import load_split
        from training.lite import export_bundle as eb
        from training.lite.generator_eval import perplexity_report, sample_completions
        from training.lite.ranker_build import auc_report

        result: dict[str, Any] = {}
        texts = [r["text"] for r in load_split(self.path("ranker-data"), "test")]
        # a kind not trained in this work folder (e.g. the ranker rebuilt alone) keeps the
        # bundle's current model
        kinds = [k for k in ("generator", "ranker") if (self.path(k) / "config.json").is_file()]
        for kind in kinds:
            chosen = getattr(self.recipe, kind).quantize
            variants = ("none", "int8") if self.compare_quantization else (chosen,)
            for q in variants:
                folder = self.path(f"export/{kind}-{q}")
                parity = eb.export_variant(kind, self.path(kind), folder, q)
                entry: dict[str, Any] = {"size_bytes": eb.folder_size(folder), "parity": parity}
                if kind == "generator":
                    entry["timing"] = eb.time_generator(folder)
                    entry["perplexity"] = perplexity_report(
                        folder, self.path("data"), self.recipe.generator.max_length, "onnx"
                    )
                else:
                    entry["timing"] = eb.time_ranker(folder, texts[:RANKER_TIMING_TEXTS])
                    entry["auc"] = auc_report(folder, self.path("ranker-data"), "onnx")
                result[f"{kind}-{q}"] = entry
            bundle = self.out / f"lite-{kind}"
            extra = {}
            if kind == "ranker":  # the gate's threshold and the score scale travel with it
                gate = dict(self.state()["ranker_eval"]["gate"])
                scale = {"reference": gate.pop("scale"), "split": "test", "of": "real endings"}
                extra[GATE_FILE] = json.dumps(gate, ensure_ascii=False, indent=1) + "\n"
                extra[SCALE_FILE] = json.dumps(scale, indent=1) + "\n"
            eb.install(self.path(f"export/{kind}-{chosen}"), bundle, extra)
            result[kind] = {"quantize": chosen, "size_bytes": eb.folder_size(bundle)}
        if "generator" in kinds:
            result["generator"]["samples_onnx"] = sample_completions(
                self.out / "lite-generator", self.path("data"), backend="onnx"
            )
        self.record("export", result)

    def cards(self) -> None:
        from training.lite.model_card import write_cards

        write_cards(self.state(), self.recipe, self.out, self.path("cache"))

    def run(self, steps: list[str]) -> None:
        for step in steps:
            self.progress.check()
            print(f"[lite] {step}", file=sys.stderr, flush=True)
            getattr(self, step.replace("-", "_"))()


def _host() -> dict[str, Any]:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"python": platform.python_version(), "torch": torch.__version__, "gpu": gpu}


def _parameters(folder: Path) -> int:
    """Stored weights (tied ones once), read from the safetensors header."""
    import math

    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        return sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())  # noqa: SIM118


def clean_work(work: Path) -> None:
    """Forget everything but the downloaded archives (a rebuild from scratch)."""
    for child in Path(work).iterdir() if Path(work).is_dir() else []:
        if child.name != "cache":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
