"""Weight-only block quantization (ONNX Runtime's ``MatMulNBits``) of an exported graph.

Why: generating a token on a CPU is bound by memory bandwidth — every weight is read once
per token — so weights stored in 4 (or 8) bits per value make decode several times cheaper,
while activations stay float (``accuracy_level`` lets the kernel quantize them to int8 on
the fly, the fastest path on AVX2/AVX-512 CPUs). Unlike the dynamic int8 quantization in
:func:`export.common.quantize_int8`, nothing runs per call to quantize weights.

The LM head matters: for Qwen2.5-0.5B/1.5B it is 136 M / 233 M of the weights (151,936 ×
hidden) and is read for every token. Those models tie it to the input embedding, and the
exported graph computes it as ``MatMul(x, Transpose(embed_tokens))`` — ORT's quantizer only
takes a constant weight, so the head would stay fp32. :func:`untie_transposed_weights`
first stores the transposed weight as a constant of its own (the embedding keeps its fp32
copy for the ``Gather``), then the head is quantized like every other MatMul.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

NBITS_CHOICES = {"int4": 4, "int8wo": 8}  # --quantize value -> bits per weight
DEFAULT_BLOCK_SIZE = 32  # values sharing one scale: 32 keeps small-model error low
DEFAULT_ACCURACY_LEVEL = 4  # MatMulNBits computes with int8 activations (fastest on CPU)
DATA_SUFFIX = "_data"  # model.onnx -> model.onnx_data, the name Optimum itself writes

log = logging.getLogger(__name__)


def untie_transposed_weights(model) -> list[str]:
    """Replace each ``Transpose(initializer)`` feeding a MatMul's weight input by a constant
    holding the transposed values; returns the names of the MatMuls changed."""
    import numpy as np
    from onnx import numpy_helper

    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    changed: list[str] = []
    for node in list(graph.node):
        if node.op_type != "Transpose" or node.input[0] not in inits:
            continue
        users = consumers.get(node.output[0], [])
        if not users or any(u.op_type != "MatMul" or u.input[1] != node.output[0] for u in users):
            continue
        perm = [a.ints for a in node.attribute if a.name == "perm"]
        values = numpy_helper.to_array(inits[node.input[0]])
        transposed = np.ascontiguousarray(np.transpose(values, perm[0] if perm else None))
        graph.initializer.append(numpy_helper.from_array(transposed, node.output[0]))
        graph.node.remove(node)
        changed.extend(u.name for u in users)
    return changed


def _logits_matmuls(model) -> list[str]:
    """Names of the MatMuls that write a graph output named ``logits`` (the LM head)."""
    outputs = {o.name for o in model.graph.output if o.name == "logits"}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and set(n.output) & outputs]


def _data_files(onnx_path: Path) -> list[Path]:
    import onnx
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    model = onnx.load(str(onnx_path), load_external_data=False)
    names = {ExternalDataInfo(t).location for t in model.graph.initializer if uses_external_data(t)}
    return [onnx_path.parent / name for name in sorted(names)]


def quantize_nbits(
    onnx_path: Path,
    bits: int = 4,
    block_size: int = DEFAULT_BLOCK_SIZE,
    accuracy_level: int = DEFAULT_ACCURACY_LEVEL,
    include_lm_head: bool = True,
    include_embeddings: bool = True,
) -> dict:
    """Quantize every MatMul with a constant weight in ``onnx_path`` to ``bits``-bit blocks,
    in place (the graph keeps its name; its weights go to ``<name>_data`` next to it).

    ``include_embeddings`` also stores the token embedding table (a ``Gather``) in 4-bit
    blocks (``GatherBlockQuantized``; 4 bits only, the graph is raised to opset 21): it is the
    largest single weight of a small LLM (151,936 × 1,536 floats = 0.9 GB for Qwen2.5-1.5B)
    and only a few of its rows are read per token.

    Returns a small report: bits, block size, accuracy level, how many MatMuls were
    quantized and whether the LM head and the embeddings were. Files are replaced only
    after the new graph is completely written, so a failure leaves the original untouched.
    """
    import onnx

    from export.common import quiet_libraries

    onnx_path = Path(onnx_path)
    model = onnx.load(str(onnx_path), load_external_data=True)
    untied = untie_transposed_weights(model) if include_lm_head else []
    before = sum(n.op_type == "MatMul" for n in model.graph.node)
    gather = include_embeddings and bits == 4  # ORT's GatherBlockQuantized is 4-bit only
    # Without the head: the MatMul that writes the logits stays fp32 (its int8-quantized
    # activations flip near-tie tokens of real models: docs/performance.md, «Real weights»).
    head = [] if include_lm_head else _logits_matmuls(model)
    # The quantizer module calls logging.basicConfig(level=INFO) on import and logs every
    # node: imported and run with the root logger quietened (restored afterwards).
    with quiet_libraries():
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        quantizer = MatMulNBitsQuantizer(
            model,
            bits=bits,
            block_size=block_size,
            is_symmetric=True,
            accuracy_level=accuracy_level,
            op_types_to_quantize=("MatMul", "Gather") if gather else ("MatMul",),
            nodes_to_exclude=head,
        )
        quantizer.process()
    quantized = quantizer.model.model
    after = sum(n.op_type == "MatMulNBits" for n in quantized.graph.node)
    old_files = [onnx_path, *_data_files(onnx_path)]
    with tempfile.TemporaryDirectory(dir=onnx_path.parent, prefix=".nbits-") as tmp:
        staged = Path(tmp) / onnx_path.name
        onnx.save_model(
            quantized,
            str(staged),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=onnx_path.name + DATA_SUFFIX,
            size_threshold=1024,
        )
        for old in old_files:
            old.unlink(missing_ok=True)
        for new in Path(tmp).iterdir():
            shutil.move(str(new), onnx_path.parent / new.name)
    log.info("quantized %d of %d MatMuls to %d bits", after, before, bits)
    return {
        "bits": bits,
        "block_size": block_size,
        "accuracy_level": accuracy_level,
        "matmuls_quantized": after,
        "matmuls_total": before,
        "embeddings_quantized": any(
            n.op_type == "GatherBlockQuantized" for n in quantized.graph.node
        ),
        # the head is either a MatMul over an untied copy or (Optimum's de-duplicated
        # export) over a constant of its own named /lm_head/…: quantized when none is left
        "lm_head_quantized": after > 0
        and not any(
            n.op_type == "MatMul" and (n.name in untied or "lm_head" in n.name)
            for n in quantized.graph.node
        ),
    }
