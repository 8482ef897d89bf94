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
first declares the transposed weight a constant of its own (the embedding keeps its fp32
copy for the ``Gather``), then the head is quantized like every other MatMul.

Streaming (issue 18, lever 5): ORT's ``MatMulNBitsQuantizer.process`` needs the whole fp32
model in memory and builds the quantized copy beside it (≈ 10 GB for a 1.5B). Here the graph
is read without its weights and the same per-node quantizer of ORT (its C++ block kernels,
its node layout) runs on one weight at a time, read from the data file when its node comes
and written to the new data file at once (export.external_data): the result is the one
``process`` gives, tensor for tensor, and the peak is about the largest weight.
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


def untie_transposed_weights(model) -> tuple[list[str], dict[str, tuple[str, list[int] | None]]]:
    """Replace each ``Transpose(initializer)`` feeding a MatMul's weight input by a constant
    (declared, without values) holding the transposed weight. Returns the names of the
    MatMuls changed and, per new constant, the initializer and permutation it is made of
    (:func:`_load_untied` computes its values when its MatMul is quantized)."""
    from onnx import TensorProto

    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    changed: list[str] = []
    untied: dict[str, tuple[str, list[int] | None]] = {}
    for node in list(graph.node):
        if node.op_type != "Transpose" or node.input[0] not in inits:
            continue
        users = consumers.get(node.output[0], [])
        if not users or any(u.op_type != "MatMul" or u.input[1] != node.output[0] for u in users):
            continue
        source = inits[node.input[0]]
        perms = [list(a.ints) for a in node.attribute if a.name == "perm"]
        perm = perms[0] if perms else list(reversed(range(len(source.dims))))
        dims = [source.dims[axis] for axis in perm]
        declared = TensorProto(name=node.output[0], data_type=source.data_type, dims=dims)
        graph.initializer.append(declared)
        untied[node.output[0]] = (source.name, perm)
        graph.node.remove(node)
        changed.extend(u.name for u in users)
    return changed, untied


def _load_untied(tensor, name: str, source, perm: list[int], reader) -> None:
    """Make ``tensor`` the constant ``name``: the values of ``source``, transposed."""
    import numpy as np
    from onnx import TensorProto, numpy_helper

    copy = TensorProto()
    copy.CopyFrom(source)
    reader.load(copy)
    values = np.ascontiguousarray(np.transpose(numpy_helper.to_array(copy), perm))
    del copy
    tensor.CopyFrom(numpy_helper.from_array(values, name))


def _logits_matmuls(model) -> list[str]:
    """Names of the MatMuls that write a graph output named ``logits`` (the LM head)."""
    outputs = {o.name for o in model.graph.output if o.name == "logits"}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and set(n.output) & outputs]


def _data_files(onnx_path: Path) -> list[Path]:
    import onnx

    from export.external_data import data_files

    model = onnx.load(str(onnx_path), load_external_data=False)
    return data_files(model, onnx_path.parent)


class _Pass:
    """One walk over the graph: each node ORT's quantizer takes gets its weight loaded just
    before and its new tensors written just after (MatMulNBitsQuantizer._process_subgraph,
    one weight in memory at a time). The weight is loaded into a scratch graph of its own,
    innermost on the stack, where ORT's quantizer finds it and adds its new tensors: a
    protobuf message keeps the memory of every value it ever held until it is freed as a
    whole, so no weight's values ever enter the model itself."""

    def __init__(self, quantizer, exclude: set[str], reader, writer, untied) -> None:
        self.node_quantizer = quantizer.node_quantizer
        self.op_types = quantizer.algo_config.op_types_to_quantize
        self.exclude, self.reader, self.writer, self.untied = exclude, reader, writer, untied

    def _scratch(self, weight, stack: list):
        from onnx import GraphProto
        from onnxruntime.quantization.matmul_nbits_quantizer import get_initializer

        scratch = GraphProto()
        copy = scratch.initializer.add()
        if weight.name in self.untied:
            source, perm = self.untied[weight.name]
            _load_untied(copy, weight.name, get_initializer(source, stack)[0], perm, self.reader)
        else:
            copy.CopyFrom(weight)
            self.reader.load(copy)
        return scratch

    def graph(self, stack: list) -> None:
        from onnx import AttributeProto
        from onnxruntime.quantization.matmul_nbits_quantizer import get_initializer

        graph = stack[-1]
        new_nodes = []
        for node in graph.node:
            for attr in node.attribute:
                for sub in [attr.g] if attr.type == AttributeProto.GRAPH else attr.graphs:
                    self.graph([*stack, sub])
            if node.name in self.exclude or node.op_type not in self.op_types:
                new_nodes.append(node)
                continue
            weight, owner = get_initializer(node.input[1 if node.op_type == "MatMul" else 0], stack)
            if weight is None:  # not a constant weight: ORT's quantizer leaves it as well
                new_nodes.append(node)
                continue
            scratch = self._scratch(weight, stack)
            new_nodes.extend(self.node_quantizer.quantize(node, [*stack, scratch]))
            for tensor in scratch.initializer[1:]:  # what the quantizer made, into the file
                self.writer.write(tensor)
                owner.initializer.add().CopyFrom(tensor)
            for graph_input in owner.input:  # as ORT's quantizer does in the weight's graph
                if graph_input.name == weight.name:
                    owner.input.remove(graph_input)
                    break
            del scratch
        graph.ClearField("node")
        graph.node.extend(new_nodes)


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
    from export.external_data import WeightReader, WeightWriter, all_tensors, data_files

    onnx_path = Path(onnx_path)
    folder = onnx_path.parent
    model = onnx.load(str(onnx_path), load_external_data=False)  # the graph only
    old_files = [onnx_path, *data_files(model, folder)]
    untied_matmuls, untied = untie_transposed_weights(model) if include_lm_head else ([], {})
    before = sum(n.op_type == "MatMul" for n in model.graph.node)
    gather = include_embeddings and bits == 4  # ORT's GatherBlockQuantized is 4-bit only
    # Without the head: the MatMul that writes the logits stays fp32 (its int8-quantized
    # activations flip near-tie tokens of real models: docs/performance.md, «Real weights»).
    head = [] if include_lm_head else _logits_matmuls(model)
    reader = WeightReader(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".nbits-") as tmp:
        staged = Path(tmp) / onnx_path.name
        writer = WeightWriter(Path(tmp) / (onnx_path.name + DATA_SUFFIX))
        try:
            # The quantizer module calls logging.basicConfig(level=INFO) on import and logs
            # every node: imported and run with the root logger quietened (restored after).
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
                _raise_opsets(quantizer.model, gather)
                _Pass(quantizer, set(head), reader, writer, untied).graph([model.graph])
                quantizer.model.clean_initializers()
            for tensor in all_tensors(model.graph):  # what stays as it was, in the new file
                if onnx.external_data_helper.uses_external_data(tensor):
                    writer.copy(tensor, reader)
        finally:
            writer.close()
        staged.write_bytes(model.SerializeToString())
        for old in old_files:
            old.unlink(missing_ok=True)
        for new in Path(tmp).iterdir():
            shutil.move(str(new), folder / new.name)
    after = sum(n.op_type == "MatMulNBits" for n in model.graph.node)
    log.info("quantized %d of %d MatMuls to %d bits", after, before, bits)
    return {
        "bits": bits,
        "block_size": block_size,
        "accuracy_level": accuracy_level,
        "matmuls_quantized": after,
        "matmuls_total": before,
        "embeddings_quantized": any(n.op_type == "GatherBlockQuantized" for n in model.graph.node),
        # the head is either a MatMul over an untied copy or (Optimum's de-duplicated
        # export) over a constant of its own named /lm_head/…: quantized when none is left
        "lm_head_quantized": after > 0
        and not any(
            n.op_type == "MatMul" and (n.name in untied_matmuls or "lm_head" in n.name)
            for n in model.graph.node
        ),
    }


def _raise_opsets(onnx_model, gather: bool) -> None:
    """The opsets MatMulNBitsQuantizer.process sets before its walk: the contrib domain, and
    for 4-bit embeddings opset 21 and IR version 10 (int4 tensors)."""
    onnx_model.set_opset_import("com.microsoft", 1)
    if not gather:
        return
    for opset in onnx_model.opset_import():
        if opset.domain in (None, "ai.onnx", "") and opset.version < 21:
            onnx_model.set_opset_import(opset.domain, 21)
    onnx_model.model.ir_version = max(onnx_model.model.ir_version, 10)
