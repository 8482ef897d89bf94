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

from bench.cli import main
from bench.specs import CONFIGS_DIR, load_suite
from bench.worker import run_in_subprocess

TINY = CONFIGS_DIR / "tiny"


def _positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("bench")
    out, md = root / "bench.json", root / "bench.md"
    args = ["--quick", "--configs", str(TINY), "--cache", str(root / "cache"), "--in-process"]
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
    (run,) = stages["pipeline"]
    assert run["ok"], run.get("error")
    assert run["models_reused"] is True
    assert set(run["second_poster"]["stages_s"]) >= {"generate", "rank", "draw", "compose"}
    assert "ok" in stages["gui"]
    if stages["gui"]["ok"]:
        assert _positive(stages["gui"]["first_window_s"])
    targets = {t["id"]: t for t in report["targets"]}
    # real-model targets are never claimed by a run on tiny models
    for tid in ("generator-qwen2.5-0.5b-instruct", "poster-sdxs-512-0.9", "poster-sd-turbo"):
        assert targets[tid]["met"] is None and targets[tid]["measured"] is None
    assert targets["models-stay-loaded"]["met"] is True
    text = md.read_text(encoding="utf-8")
    assert "| model | variant |" in text and "### Targets" in text


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
