"""``demotivator bench`` runs end to end on test-sized models and writes a well-formed report.

The benchmark is a tool: no timing is asserted here, only that every stage ran through the
app's real code, that the report has the shape docs and tools rely on, and that the
correctness checks compare what they claim to compare.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.build import build, cached
from bench.cli import main
from bench.report import render_markdown
from bench.runner import BenchRun, RunOptions
from bench.specs import CONFIGS_DIR, load_specs, load_suite
from bench.targets import evaluate
from bench.variants import app_default_variant
from bench.whole_poster import (
    ENDING_TOKENS_REAL_MEDIAN,
    REAL_GENERATOR_ENV,
    REAL_LABEL,
    poster_row,
)
from bench.worker import run_in_subprocess
from export.common import AUTO_QUANTIZATION
from inference.core.settings import Settings
from inference.text.visual_prompt import SCENE_MAX_NEW_TOKENS

TINY = CONFIGS_DIR / "tiny"


def _positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("bench")
    out, md = root / "bench.json", root / "bench.md"
    args = ["--quick", "--configs", str(TINY), "--cache", str(root / "cache"), "--in-process"]
    with pytest.MonkeyPatch.context() as env:
        env.delenv(REAL_GENERATOR_ENV, raising=False)
        assert main([*args, "--json", str(out), "--markdown", str(md)]) == 0
    return json.loads(out.read_text(encoding="utf-8")), md


@pytest.mark.slow
def test_report_header(tiny_report):
    report, _ = tiny_report
    assert report["schema"] == "demotivator-bench/1" and report["mode"] == "quick"
    machine = report["machine"]
    assert machine["logical_cpus"] >= 1 and machine["ram_gb"] > 0 and machine["cpu"]
    assert machine["env"]["OMP_WAIT_POLICY"] == "PASSIVE"
    assert report["settings"]["threads"] >= 1
    assert {m["role"] for m in report["models"]} == {"generator", "ranker", "illustrator"}
    assert "load_average" in report["load_before"]


@pytest.mark.slow
def test_generator_rows(tiny_report):
    rows = tiny_report[0]["stages"]["generator"]
    assert [r["variant"] for r in rows] == ["torch-fp32", "onnx-fp32", "onnx-int4"]
    for row in rows:
        assert row["ok"], row.get("error")
        assert row["prompt_tokens"] == 20 and row["candidates"] == 8
        assert 1 < row["new_tokens"] <= 48
        for key in ("load_s", "prefill_s", "decode_s", "total_s", "peak_rss_mb"):
            assert _positive(row[key]), key
        assert row["prefill_s"] + row["decode_s"] <= row["total_s"]
    reference, fp32, int4 = rows
    assert reference["speedup"]["total"] == 1.0 and "correctness" not in reference
    # an fp32 export must agree with PyTorch; int4 must at least produce comparable numbers
    assert fp32["correctness"]["teacher_forced_top1_agreement"] == 1.0
    assert fp32["correctness"]["rel_logits_err"] < 1e-3
    assert 0.0 <= int4["correctness"]["greedy_token_agreement"] <= 1.0
    assert int4["correctness"]["rel_logits_err"] > fp32["correctness"]["rel_logits_err"]
    quantization = int4["prepare"]["quantization"]
    assert quantization["lm_head_quantized"] is True
    assert quantization["embeddings_quantized"] is True


@pytest.mark.slow
def test_ranker_and_illustrator_rows(tiny_report):
    stages = tiny_report[0]["stages"]
    ranker = {r["variant"]: r for r in stages["ranker"]}
    assert ranker["onnx-fp32"]["correctness"]["same_ranking"] is True
    assert ranker["onnx-fp32"]["correctness"]["max_abs_score_diff"] < 1e-3

    suite = load_suite(TINY, quick=True)
    cells = {f"{size}x{steps}" for size in suite.sizes for steps in suite.steps}
    images = {r["variant"]: r for r in stages["illustrator"]}
    assert list(images) == ["torch-fp32+taesd", "onnx-fp32+taesd", "onnx-fp32+vae"]
    assert images["onnx-fp32+taesd"]["decoder"] == "tiny"
    assert images["onnx-fp32+vae"]["decoder"] == "full"
    for row in images.values():
        assert row["ok"], row.get("error")
        assert set(row["cells"]) == cells
        for cell in row["cells"].values():
            assert _positive(cell["total_s"]) and _positive(cell["unet_step_s"])
    same = images["onnx-fp32+taesd"]["correctness"]
    assert same["image_mean_abs_diff"] < 2.0 and same["unet_rel_err"] < 1e-3
    assert same["latents_rel_err"] < 1e-3 and same["image_std_reference"] >= 0
    # against the TAESD reference only what comes before the decoder is comparable
    assert set(images["onnx-fp32+vae"]["correctness"]) == {
        "latents_rel_err",
        "unet_max_abs_diff",
        "unet_rel_err",
    }
    assert images["onnx-fp32+vae"]["speedup"]["64x1"]["total"] is None


@pytest.mark.slow
def test_pipeline_gui_targets_and_markdown(tiny_report):
    report, md = tiny_report
    stages = report["stages"]
    assert stages["composer"]["ok"] and _positive(stages["composer"]["total_s"])
    run, real = stages["pipeline"]
    assert run["ok"], run.get("error")
    assert run["models_reused"] is True
    assert set(run["second_poster"]["stages_s"]) >= {"generate", "rank", "draw", "compose"}
    assert "ok" in stages["gui"]
    if stages["gui"]["ok"]:
        assert _positive(stages["gui"]["first_window_s"])
    targets = {t["id"]: t for t in report["targets"]}
    # real-model targets are never claimed by a run on tiny models
    for tid in (
        "generator-qwen2.5-0.5b-instruct",
        "poster-sd-turbo",
        "whole-poster-loaded",
        "whole-poster-first",
        "whole-poster-peak",
    ):
        assert targets[tid]["met"] is None and targets[tid]["measured"] is None
    assert targets["models-stay-loaded"]["met"] is True
    text = md.read_text(encoding="utf-8")
    assert "| model | variant |" in text and "### Targets" in text
    # unset: the real row says why, everything else ran
    assert real["label"] == REAL_LABEL and real["ok"] is False and real["skipped"] is True
    assert REAL_GENERATOR_ENV in real["error"]
    assert "whole-poster-loaded-real-generator" not in targets


@pytest.mark.slow
def test_whole_poster_table(tiny_report):
    report, md = tiny_report
    assert report["settings"]["whole_poster_ending_tokens"] == ENDING_TOKENS_REAL_MEDIAN == 16
    run = report["stages"]["pipeline"][0]
    # the endings really were capped, the scene used the app's own cap
    assert run["ending_tokens"] == 16 and run["scene_tokens"] == SCENE_MAX_NEW_TOKENS
    # what the app ships: the export's own default, int8 weight-only with an fp32 LM head
    assert app_default_variant("generator") == f"onnx-{AUTO_QUANTIZATION['generator']}"
    assert run["models"]["generator"] == "tiny-qwen onnx-int8wo (LM head fp32)"
    roles = [load["role"] for load in run["loads"]]
    assert roles[0] == "generator" and {"illustrator", "ranker"} <= set(roles[1:])
    # the app starts the picture model's load with the run (noted once, by who loaded it)
    (illustrator,) = [load for load in run["loads"] if load["role"] == "illustrator"]
    default, real = report["whole_poster"]
    assert default["ok"] and real["ok"] is False and real["skipped"]
    assert 0 < default["first_load_s"] < default["first_s"]
    assert 0 < default["first_load_share"] < 1
    assert set(default["stages_s"]) == {"generate", "rank", "scene", "draw", "compose"}
    if illustrator["background"]:  # loaded beside the text: no made-up remainder
        assert "illustrator (beside the text)" in default["memory_mb"]
        assert "running" not in default["memory_mb"]
    else:
        assert math.isclose(sum(default["memory_mb"].values()), default["peak_rss_mb"], abs_tol=1)
    assert {t["met"] for t in default["targets"].values()} == {None}  # tiny models
    text = md.read_text(encoding="utf-8")
    assert "### Whole poster" in text and "capped at 16 tokens" in text
    assert "| default | tiny-qwen onnx-int8wo (LM head fp32)" in text
    real_line = next(line for line in text.splitlines() if line.startswith("| real generator |"))
    assert "skipped: " in real_line and REAL_GENERATOR_ENV in real_line


def _run(loaded: float, first: float, peak: float, shape: bool = True) -> dict:
    return {
        "label": "default",
        "ok": True,
        "target_shape": shape,
        "ending_tokens": 16,
        "rss_before_models_mb": 300.0,
        "loads": [  # between the two loads the endings were written (+200 MB)
            {"role": "generator", "s": 4.0, "rss_before_mb": 300.0, "rss_mb": 2000.0},
            {"role": "illustrator", "s": 6.0, "rss_before_mb": 2200.0, "rss_mb": 3200.0},
        ],
        "first_poster": {"total_s": first, "stages_s": {}},
        "second_poster": {
            "total_s": loaded,
            "stages_s": {"generate": 3.0, "visual_prompt": 1.0, "draw": 5.0},
        },
        "peak_rss_mb": peak,
    }


def test_a_load_beside_the_run_counts_once_and_keeps_its_memory_apart():
    """The app loads the picture model while the endings are written: the load share is
    the time some model was loading (overlaps once), and that load's memory is not split
    from what the run held meanwhile (so no «running» remainder is made up)."""
    run = _run(loaded=12.5, first=30.0, peak=4200.0)
    run["loads"] = [
        {"role": "generator", "s": 4.0, "start_s": 0.0, "end_s": 4.0, "background": False,
         "rss_before_mb": 300.0, "rss_mb": 2000.0},
        {"role": "illustrator", "s": 9.0, "start_s": 4.5, "end_s": 13.5, "background": True,
         "rss_before_mb": 2000.0, "rss_mb": 3900.0},
        {"role": "ranker", "s": 1.0, "start_s": 12.0, "end_s": 13.0, "background": False,
         "rss_before_mb": 3800.0, "rss_mb": 3850.0},
    ]  # fmt: skip
    row = poster_row(run)
    assert row["first_load_s"] == 13.0  # 4 + (13.5 - 4.5), the ranker's second inside
    assert row["memory_mb"] == {
        "process": 300.0,
        "generator": 1700.0,
        "illustrator (beside the text)": 1900.0,
        "ranker": 50.0,
    }


def test_whole_poster_targets_from_the_numbers():
    row = poster_row(_run(loaded=12.5, first=30.0, peak=4200.0))
    assert row["first_load_s"] == 10.0 and row["first_load_share"] == pytest.approx(1 / 3, 1e-2)
    assert row["stages_s"]["scene"] == 1.0 and row["stages_s"]["rank"] is None
    assert row["memory_mb"] == {
        "process": 300.0,
        "generator": 1700.0,
        "illustrator": 1000.0,
        "running": 1200.0,
    }
    verdicts = {tid: (t["measured"], t["met"]) for tid, t in row["targets"].items()}
    assert verdicts == {"loaded": (12.5, True), "first": (30.0, False), "peak": (4200.0, False)}
    # another shape (tiny test models, another picture size): reported, never judged
    other = poster_row(_run(loaded=1.0, first=2.0, peak=500.0, shape=False))
    assert {t["met"] for t in other["targets"].values()} == {None}
    in_process = poster_row({**_run(loaded=1.0, first=2.0, peak=500.0), "fresh_process": False})
    assert {k: t["met"] for k, t in in_process["targets"].items()} == {
        "loaded": True,
        "first": None,
        "peak": True,
    }
    skipped = poster_row({"label": REAL_LABEL, "ok": False, "skipped": True, "error": "why"})
    assert skipped["ok"] is False and skipped["error"] == "why"
    # the targets table reads the same verdicts
    report = {
        "settings": {"default_variants": {"generator": "g", "illustrator": "i"}, "threads": 2},
        "stages": {},
        "whole_poster": [row],
    }
    found = {t["id"]: t["met"] for t in evaluate(report)}
    assert found["whole-poster-loaded"] is True and found["whole-poster-first"] is False
    assert found["whole-poster-peak"] is False
    texts = render_markdown({**report, "targets": evaluate(report)})
    assert "met (12.50)" in texts and "NOT met (30.00)" in texts and "NOT met (4200)" in texts


def test_cached_rebuilds_what_another_recipe_made(tmp_path):
    made = []

    def make(folder: Path) -> dict:
        folder.mkdir()
        made.append(folder)
        return {}

    cached(tmp_path / "v", make, recipe="a")
    assert cached(tmp_path / "v", make, recipe="a")["cached"] is True
    assert cached(tmp_path / "v", make, recipe="b")["cached"] is False
    assert len(made) == 2


def test_real_row_says_why_when_the_folder_is_unusable(tmp_path, monkeypatch):
    run = BenchRun(RunOptions(configs=TINY, cache=tmp_path / "cache", in_process=True))
    monkeypatch.delenv(REAL_GENERATOR_ENV, raising=False)
    unset = run.real_generator_run({})
    assert unset["skipped"] and REAL_GENERATOR_ENV in unset["error"]
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    monkeypatch.setenv(REAL_GENERATOR_ENV, str(empty))
    broken = run.real_generator_run({})
    assert broken["ok"] is False and broken["skipped"] is True
    assert str(empty) in broken["error"] and "Traceback" not in broken["error"]


@pytest.mark.slow
def test_real_generator_row(tmp_path, monkeypatch):
    """A (tiny, test-built) Hugging Face generator folder in DEMOTIVATOR_REAL_GENERATOR gets
    a row of its own: exported as the app installs it, the other models the defaults."""
    source = tmp_path / "real-generator"
    build(load_specs(TINY)["tiny-qwen"], source)
    monkeypatch.setenv(REAL_GENERATOR_ENV, str(source))
    out = tmp_path / "bench.json"
    skip = [f"--skip={s}" for s in ("generator", "ranker", "illustrator", "composer", "gui")]
    args = ["--quick", "--configs", str(TINY), "--cache", str(tmp_path / "cache"), *skip]
    assert main([*args, "--in-process", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    default, real = report["stages"]["pipeline"]
    assert default["ok"] and real["ok"], real.get("error")
    assert real["label"] == REAL_LABEL and "real weights" in real["models"]["generator"]
    assert "onnx-int8wo (LM head fp32, app default" in real["models"]["generator"]
    assert real["export"]["quantize"] == AUTO_QUANTIZATION["generator"]
    assert real["export"]["quantization"]["lm_head_quantized"] is False
    # real rows stop by themselves: the app's own cap, not the random-weight one
    assert real["ending_tokens"] == Settings().generation.max_new_tokens
    assert real["models"]["illustrator"] == default["models"]["illustrator"]
    row = report["whole_poster"][1]
    assert row["ok"] and _positive(row["loaded_s"]) and _positive(row["first_s"])


def test_worker_runs_a_task_in_its_own_process(tmp_path):
    result = run_in_subprocess({"kind": "composer", "label": "t", "repeats": 2}, tmp_path, 300)
    assert result["ok"], result
    assert len(result["runs"]) == 2 and _positive(result["peak_rss_mb"])
    assert result["process_s"] >= result["wall_s"]


def test_worker_reports_a_failure_instead_of_raising(tmp_path):
    task = {
        "kind": "ranker",
        "label": "missing",
        "folder": str(tmp_path / "nope"),
        "backend": "onnx",
        "threads": 1,
        "repeats": 1,
        "texts": 2,
    }
    result = run_in_subprocess(task, tmp_path, 300)
    assert result["ok"] is False and result["error"]


def test_missing_suite_is_a_clear_user_error(tmp_path, capsys):
    assert main(["--configs", str(tmp_path), "--cache", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err
    assert "suite.json" in err and "Traceback" not in err
