"""ONNX export of the tiny generator and ranker: files, parity report, int8, bad input."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from export.parity import PARITY_FILE, read_parity, token_agreement
from export.text import export_generator, export_ranker
from inference.core.errors import Cancelled, InputError, ModelError, OutputError
from inference.core.params import GenerationParams
from inference.core.progress import Progress, ProgressEvent
from inference.text.generator import load_generator
from inference.text.ranker import load_ranker


def test_generator_export_folder_and_parity(tiny_generator_onnx_dir: Path) -> None:
    names = {p.name for p in tiny_generator_onnx_dir.iterdir()}
    for needed in (
        "model.onnx",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "chat_template.jinja",
        "generation_config.json",
        PARITY_FILE,
    ):
        assert needed in names
    assert not any(n.endswith(".safetensors") for n in names)
    report = json.loads((tiny_generator_onnx_dir / PARITY_FILE).read_text(encoding="utf-8"))
    assert report == read_parity(tiny_generator_onnx_dir)
    assert report["kind"] == "generator" and report["quantize"] == "none"
    assert report["task"] == "text-generation-with-past"
    assert 0 <= report["max_abs_logits_diff"] < 1e-4
    assert report["greedy_tokens_identical"] is True
    assert report["greedy_token_agreement"] == 1.0
    assert len(report["greedy_tokens_torch"]) == len(report["greedy_prompts"]) == 2
    assert report["teacher_forced_top1_agreement"] == 1.0 and report["kl_mean"] < 1e-6
    assert report["teacher_forced_positions"] > 10
    assert report["verdict"]["faithful"] is True and report["verdict"]["greedy"] == 1.0
    assert report["versions"]["onnxruntime"]


def test_exported_generator_has_kv_cache_in_one_merged_graph(tiny_generator_onnx_dir) -> None:
    gen = load_generator(tiny_generator_onnx_dir, "onnx")
    assert gen.model.can_use_cache
    assert [p.name for p in tiny_generator_onnx_dir.glob("*.onnx")] == ["model.onnx"]
    assert any(n.startswith("past_key_values") for n in gen.model.input_names)


def test_ranker_export_and_parity(tiny_ranker_onnx_dir: Path) -> None:
    report = read_parity(tiny_ranker_onnx_dir)
    assert report is not None and report["kind"] == "ranker"
    assert report["task"] == "text-classification"
    assert 0 <= report["max_abs_logits_diff"] < 1e-4
    assert len(report["scores_torch"]) == len(report["scores_onnx"]) == len(report["texts"])
    assert (tiny_ranker_onnx_dir / "vocab.txt").is_file()


def test_int8_generator_export_loads_and_generates(tmp_path, tiny_generator_dir) -> None:
    events: list[ProgressEvent] = []
    dst = tmp_path / "qwen-int8"
    report = export_generator(
        tiny_generator_dir, dst, quantize="int8", progress=Progress(events.append)
    )
    assert report["quantize"] == "int8"
    assert math.isfinite(report["max_abs_logits_diff"])
    assert 0.0 <= report["greedy_token_agreement"] <= 1.0
    assert [e.total for e in events if not e.finished] == [4] * 4  # export, copy, quantize, parity
    assert events[-1].finished and events[-1].done == 4
    gen = load_generator(dst, "onnx")
    rows = gen.raw_batch(
        "Приходит мужик в бар",
        3,
        GenerationParams(temperature=1.2, max_new_tokens=8, seed=1),
        Progress(),
    )
    assert len(rows) == 3
    # int8 weights: the graph holds quantized MatMuls
    import onnx

    ops = {n.op_type for n in onnx.load(str(dst / "model.onnx")).graph.node}
    assert "MatMulInteger" in ops or "DynamicQuantizeMatMul" in ops


def test_int4_generator_export_quantizes_the_lm_head_and_generates(
    tmp_path, tiny_generator_dir
) -> None:
    import onnx

    dst = tmp_path / "qwen-int4"
    report = export_generator(tiny_generator_dir, dst, quantize="int4")
    assert report["quantize"] == "int4" and report["quantization"]["bits"] == 4
    assert report["quantization"]["lm_head_quantized"] is True
    assert math.isfinite(report["max_abs_logits_diff"])
    ops = {n.op_type for n in onnx.load(str(dst / "model.onnx")).graph.node}
    assert "MatMulNBits" in ops
    rows = load_generator(dst, "onnx").raw_batch(
        "Приходит мужик в бар", 2, GenerationParams(max_new_tokens=6, seed=1), Progress()
    )
    assert len(rows) == 2


def test_auto_quantization_is_the_benchmarked_default_per_kind() -> None:
    from export.common import resolve_quantization

    assert resolve_quantization("generator", "auto") == "int8wo"  # faithful on real weights
    assert resolve_quantization("ranker", "auto") == "none"
    assert resolve_quantization("illustrator", "auto") == "none"
    assert resolve_quantization("generator", "int8") == "int8"


def test_int8_ranker_export_loads(tmp_path, tiny_ranker_dir) -> None:
    report = export_ranker(tiny_ranker_dir, tmp_path / "ranker-int8", quantize="int8")
    assert report["quantize"] == "int8" and math.isfinite(report["max_abs_logits_diff"])
    assert len(load_ranker(tmp_path / "ranker-int8").score(["Кот", "Пёс"])) == 2


def test_destination_must_be_empty_and_writable(tmp_path, tiny_generator_dir) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="не пуста"):
        export_generator(tiny_generator_dir, busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(OutputError):
        export_generator(tiny_generator_dir, a_file)
    with pytest.raises(OutputError, match="Не удаётся писать"):
        export_generator(tiny_generator_dir, a_file / "sub")


def test_source_must_be_a_pytorch_model_of_the_right_kind(
    tmp_path, tiny_generator_onnx_dir, tiny_ranker_dir, tiny_generator_dir
) -> None:
    with pytest.raises(ModelError):
        export_generator(tmp_path / "nope", tmp_path / "out1")
    with pytest.raises(ModelError, match="PyTorch"):
        export_generator(tiny_generator_onnx_dir, tmp_path / "out2")
    with pytest.raises(ModelError, match="Qwen2"):
        export_generator(tiny_ranker_dir, tmp_path / "out3")
    with pytest.raises(ModelError, match="Qwen2ForCausalLM"):
        export_ranker(tiny_generator_dir, tmp_path / "out4")
    with pytest.raises(InputError):
        export_generator(tiny_generator_dir, tmp_path / "out5", quantize="int3")
    assert not any((tmp_path / f"out{i}").exists() for i in range(1, 6))


def test_cancel_leaves_no_half_export(tmp_path, tiny_ranker_dir) -> None:
    progress = Progress()
    progress.cancel()
    dst = tmp_path / "cancelled"
    with pytest.raises(Cancelled):
        export_ranker(tiny_ranker_dir, dst, progress=progress)
    assert not dst.exists()


def test_failed_export_is_cleaned_up(tmp_path, tiny_ranker_dir) -> None:
    src = shutil.copytree(tiny_ranker_dir, tmp_path / "broken")
    (src / "model.safetensors").write_bytes(b"\x00" * 64)
    dst = tmp_path / "out"
    dst.mkdir()
    with pytest.raises(ModelError):
        export_ranker(src, dst)
    assert dst.is_dir() and not any(dst.iterdir())  # the user's empty folder stays, empty


def test_token_agreement() -> None:
    assert token_agreement([1, 2, 3], [1, 2, 3]) == (True, 1.0)
    assert token_agreement([1, 2, 3, 4], [1, 9, 3]) == (False, 0.5)
    assert token_agreement([], []) == (True, 1.0)


def test_weights_size_is_counted_in_float32_from_the_safetensors_header(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    from export.text import weights_bytes_fp32

    save_file({"a": torch.zeros(10, 3, dtype=torch.bfloat16)}, str(tmp_path / "m1.safetensors"))
    save_file({"b": torch.zeros(7, dtype=torch.float32)}, str(tmp_path / "m2.safetensors"))
    assert weights_bytes_fp32(tmp_path) == (30 + 7) * 4


# --- verdict ---------------------------------------------------------------------------------
def test_export_cli_ends_with_the_verdict(tmp_path, tiny_generator_dir, capsys) -> None:
    """A faithful export ends with the verdict line; a lossy one (int4 on the tiny model's
    flat distributions) with the warning and the numbers."""
    from export.cli import main
    from export.text_parity import GREEDY_MIN, TOP1_MIN

    assert main([str(tiny_generator_dir), str(tmp_path / "a"), "--kind", "generator",
                 "--quantize", "none", "--quiet"]) == 0  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("Сверка с PyTorch: экспорт точен") and "100%" in err[-1]
    assert main([str(tiny_generator_dir), str(tmp_path / "b"), "--kind", "generator",
                 "--quantize", "int4", "--quiet"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    report = json.loads(out)
    judged = report["verdict"]
    assert not judged["faithful"]
    assert judged["greedy"] < GREEDY_MIN or judged["top1"] < TOP1_MIN
    assert err.strip().splitlines()[-1].startswith("Внимание: экспорт искажает модель")
    assert "--quantize" in err and "none" in err


def test_verdict_thresholds() -> None:
    from export.text_parity import verdict

    assert verdict({"greedy_token_agreement": 0.95, "teacher_forced_top1_agreement": 1.0})[
        "faithful"
    ]
    assert not verdict({"greedy_token_agreement": 0.5, "teacher_forced_top1_agreement": 1.0})[
        "faithful"
    ]
    assert not verdict({"greedy_token_agreement": 1.0, "teacher_forced_top1_agreement": 0.81})[
        "faithful"
    ]


# --- memory ----------------------------------------------------------------------------------
def test_an_export_that_cannot_fit_is_refused_before_writing(tmp_path, tiny_generator_dir):
    """A source whose header declares 4 TB of weights: one line saying what is needed."""
    src = shutil.copytree(tiny_generator_dir, tmp_path / "huge")
    header = json.dumps({"w": {"dtype": "F32", "shape": [1_000_000, 1_000_000],
                               "data_offsets": [0, 4 * 10**12]}}).encode()  # fmt: skip
    (src / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(ModelError) as err:
        export_generator(src, tmp_path / "out")
    message = str(err.value)
    assert "свободной памяти" in message and "ТБ" in message and "\n" not in message
    assert not (tmp_path / "out").exists()


def _die() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does


def test_a_step_killed_by_the_system_is_reported(tmp_path) -> None:
    from export.bounded import run_isolated

    with pytest.raises(ModelError, match="не хватило памяти"):
        run_isolated(_die)


def test_a_step_returns_its_result_and_raises_its_errors() -> None:
    from export.bounded import run_isolated
    from export.quantize_nbits import _data_files

    assert run_isolated(max, 3, 7) == 7
    with pytest.raises(FileNotFoundError):
        run_isolated(_data_files, Path("/nonexistent/model.onnx"))
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        run_isolated(max, 1, 2, progress=progress)
