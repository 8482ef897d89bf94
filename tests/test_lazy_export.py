"""A generator exported without its weights in memory (export.lazy_export, issue 18 lever 5)
computes what Optimum's export of the loaded model computes, bit for bit; a checkpoint whose
tensors are named otherwise falls back to Optimum's export."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.onnx_logits import graph_logits

TASK = "text-generation-with-past"
RUNTIME_INPUTS = ("input_ids", "attention_mask", "position_ids", "past_key_values.")


@pytest.fixture(scope="module")
def whole_model_export(tiny_generator_dir, tmp_path_factory) -> Path:
    from optimum.exporters.onnx import main_export

    dst = tmp_path_factory.mktemp("optimum-export")
    main_export(str(tiny_generator_dir), output=dst, task=TASK, do_validation=False, device="cpu")
    return dst / "model.onnx"


def test_lazy_export_computes_what_optimums_export_computes(
    tmp_path, tiny_generator_dir, whole_model_export
) -> None:
    from export.lazy_export import export_lazily

    assert export_lazily(tiny_generator_dir, tmp_path, TASK) is True
    assert sorted(p.name for p in tmp_path.glob("model.onnx*")) == ["model.onnx", "model.onnx_data"]
    model = onnx.load(str(tmp_path / "model.onnx"), load_external_data=False)
    assert all(i.name.startswith(RUNTIME_INPUTS) for i in model.graph.input)
    weights = {t.name for t in model.graph.initializer}
    # every Linear weight (and the tied head) stored transposed, as TorchScript folds them
    assert not [n for n in model.graph.node if n.op_type == "Transpose" and n.input[0] in weights]
    assert sum(n.op_type == "MatMul" and n.input[1] in weights for n in model.graph.node) == 15
    for tokens in ([5, 17, 3, 99, 42, 7, 300, 11], [1]):
        mine = graph_logits(tmp_path / "model.onnx", tokens)
        assert np.array_equal(mine, graph_logits(whole_model_export, tokens))


def test_a_checkpoint_named_otherwise_falls_back_to_optimums_export(
    tmp_path, tiny_generator_dir, whole_model_export
) -> None:
    from safetensors.torch import load_file, save_file

    from export.lazy_export import export_lazily
    from export.text import export_generator

    src = shutil.copytree(tiny_generator_dir, tmp_path / "src")
    tensors = load_file(src / "model.safetensors")  # Qwen2 loads "model.*" also without it
    save_file({k.removeprefix("model."): v for k, v in tensors.items()}, src / "model.safetensors")
    assert export_lazily(src, tmp_path / "lazy", TASK) is False
    assert not list((tmp_path / "lazy").glob("model.onnx*"))
    report = export_generator(src, tmp_path / "out")
    assert report["greedy_token_agreement"] == 1.0
    expected = graph_logits(whole_model_export)
    assert np.array_equal(graph_logits(tmp_path / "out" / "model.onnx"), expected)
