"""The streaming weight-only quantizer (export.quantize_nbits, issue 18 lever 5) gives what ONNX
Runtime's own MatMulNBitsQuantizer gives on the whole model in memory: the same nodes, the
same tensors bit for bit and the same logits, while reading weights one at a time from the
data file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from tests.onnx_logits import graph_logits


def _reference(onnx_path: Path, bits: int, head: bool) -> onnx.ModelProto:
    """ORT's quantizer on the whole model, as export.quantize_nbits did before streaming."""
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    from export.quantize_nbits import _logits_matmuls

    model = onnx.load(str(onnx_path))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    for node in list(graph.node):  # the LM head over Transpose(embedding) as its own constant
        users = [u for u in graph.node if node.output[0] in u.input]
        feeds_weights = all(u.op_type == "MatMul" and u.input[1] == node.output[0] for u in users)
        weight_transpose = node.op_type == "Transpose" and node.input[0] in inits
        if head and weight_transpose and users and feeds_weights:
            values = numpy_helper.to_array(inits[node.input[0]]).T.copy()
            graph.initializer.append(numpy_helper.from_array(values, node.output[0]))
            graph.node.remove(node)
    gather = head and bits == 4
    quantizer = MatMulNBitsQuantizer(
        model, bits=bits, block_size=32, is_symmetric=True, accuracy_level=4,
        op_types_to_quantize=("MatMul", "Gather") if gather else ("MatMul",),
        nodes_to_exclude=[] if head else _logits_matmuls(model),
    )  # fmt: skip
    quantizer.process()
    return quantizer.model.model


def _tensors(model: onnx.ModelProto, folder: Path) -> dict[str, np.ndarray]:
    from onnx.external_data_helper import load_external_data_for_model

    model = onnx.ModelProto.FromString(model.SerializeToString())
    load_external_data_for_model(model, str(folder))
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


@pytest.mark.parametrize(("bits", "head"), [(8, False), (4, True)], ids=["int8wo", "int4"])
def test_streaming_quantizer_matches_ort_on_the_whole_model(
    tmp_path, tiny_generator_onnx_dir, bits, head
) -> None:
    from export.quantize_nbits import quantize_nbits

    source = tmp_path / "fp32"
    shutil.copytree(tiny_generator_onnx_dir, source)
    model = onnx.load(str(source / "model.onnx"))
    # every tensor in a data file, so each weight really is read from it one at a time
    onnx.save_model(model, str(source / "model.onnx"), save_as_external_data=True,
                    location="weights.bin", size_threshold=0)  # fmt: skip
    reference = _reference(source / "model.onnx", bits, head)
    ref_dir = tmp_path / "reference"
    ref_dir.mkdir()
    onnx.save_model(reference, str(ref_dir / "model.onnx"), save_as_external_data=True,
                    location="model.onnx_data", size_threshold=1024)  # fmt: skip

    report = quantize_nbits(source / "model.onnx", bits=bits, include_lm_head=head)

    assert sorted(p.name for p in source.glob("model.onnx*")) == ["model.onnx", "model.onnx_data"]
    assert not (source / "weights.bin").exists() and not list(source.glob(".nbits-*"))
    streamed = onnx.load(str(source / "model.onnx"), load_external_data=False)
    assert [(n.op_type, list(n.input), list(n.output), n.name) for n in streamed.graph.node] == [
        (n.op_type, list(n.input), list(n.output), n.name) for n in reference.graph.node
    ]
    assert [n.attribute for n in streamed.graph.node] == [n.attribute for n in reference.graph.node]
    assert sorted((o.domain, o.version) for o in streamed.opset_import) == sorted(
        (o.domain, o.version) for o in reference.opset_import
    )
    mine, theirs = _tensors(streamed, source), _tensors(reference, ref_dir)
    assert sorted(mine) == sorted(theirs)
    for name, values in theirs.items():
        assert mine[name].dtype == values.dtype and np.array_equal(mine[name], values), name
    assert np.array_equal(graph_logits(source / "model.onnx"), graph_logits(ref_dir / "model.onnx"))
    nbits = sum(n.op_type == "MatMulNBits" for n in reference.graph.node)
    assert report["matmuls_quantized"] == nbits
    assert report["lm_head_quantized"] is head and report["embeddings_quantized"] is (bits == 4)
    kinds = {n.op_type for n in streamed.graph.node}
    assert "MatMulNBits" in kinds and ("GatherBlockQuantized" in kinds) is (bits == 4)
