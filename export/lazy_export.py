"""A generator's ONNX export without its weights in memory (issue 18, lever 5).

Optimum's export traces the PyTorch model with its fp32 weights loaded, and TorchScript's
exporter copies them into the ONNX graph: about 2.3 × the fp32 weights at the peak (6.2 GB
for a 0.5B, ≈ 15 GB for a 1.5B). The graph does not depend on the weights' values, so here:

1. the model is built from its config with placeholder weights — one number each, broadcast
   to the weight's shape (no memory), each a different number so that the exporter's
   de-duplication of equal initializers keeps them apart;
2. Optimum exports it with ``export_params=False`` (each weight becomes a graph input named
   as in the checkpoint) and no constant folding (folded weights would lose their names);
3. :func:`fill_weights` turns those inputs into initializers one at a time, read from the
   checkpoint (safetensors, converted to fp32 as ``from_pretrained`` does) straight into the
   data file; a weight reached only through ``Transpose`` (the Linear layers, the tied LM
   head) is stored transposed in its place, the folding TorchScript would have done.

The other constants left unfolded (a few Sqrt/Cast/Unsqueeze of fixed numbers) are folded by
ONNX Runtime when it loads the graph. Peak: the libraries plus the largest weight.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from export.external_data import WeightWriter

ONNX_NAME = "model.onnx"


def _checkpoint_files(src: Path) -> dict[str, Path]:
    """Tensor name -> the safetensors file holding it (single file or shards)."""
    where: dict[str, Path] = {}
    for path in sorted(Path(src).glob("*.safetensors")):
        with path.open("rb") as handle:
            header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
        where.update((name, path) for name in header if name != "__metadata__")
    return where


def placeholder_model(src: Path):
    """The model of ``src`` in fp32 with a distinct broadcast number for each weight (tied
    weights stay one parameter); buffers (rotary frequencies) are real."""
    import torch
    from accelerate import init_empty_weights
    from torch import nn
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(src)
    config.use_cache = True
    with init_empty_weights(include_buffers=False):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.tie_weights()
    made: dict[int, nn.Parameter] = {}
    for module in model.modules():
        for name, param in list(module._parameters.items()):
            if param is None:
                continue
            if id(param) not in made:
                value = torch.full((), float(len(made) + 1), dtype=torch.float32)
                made[id(param)] = nn.Parameter(value.expand(param.shape), requires_grad=False)
            module._parameters[name] = made[id(param)]
    return model.eval()


@contextlib.contextmanager
def _weights_as_inputs() -> Iterator[None]:
    """torch.onnx.export (which Optimum calls) with ``export_params=False``. Two of its passes
    would read every weight, making each placeholder real (the whole model again): the one
    that merges equal weights (skipped: ``keep_initializers_as_inputs``) and ONNX shape
    inference, which is handed the weights as constants — it is given none: weights are
    typed graph inputs here and no shape is computed from a weight's values."""
    import torch
    from torch import _C

    export, infer = torch.onnx.export, _C._jit_pass_onnx_graph_shape_type_inference

    def infer_without_values(graph, params_dict, *args):
        return infer(graph, {}, *args)

    torch.onnx.export = functools.partial(
        export, export_params=False, keep_initializers_as_inputs=True
    )
    _C._jit_pass_onnx_graph_shape_type_inference = infer_without_values
    try:
        yield
    finally:
        torch.onnx.export, _C._jit_pass_onnx_graph_shape_type_inference = export, infer


class MissingWeights(Exception):
    """The checkpoint does not name its tensors as the model names its weights."""


def export_without_weights(src: Path, dst: Path, task: str) -> list[str]:
    """The graph of ``src`` in ``dst/model.onnx``, every weight a graph input; returns the
    weights' names (as the model and, normally, its checkpoint call them)."""
    from optimum.exporters.onnx.convert import onnx_export_from_model
    from optimum.utils.save_utils import maybe_load_preprocessors

    model = placeholder_model(src)
    names = [name for name, _ in model.named_parameters()]  # tied weights once
    with _weights_as_inputs():
        onnx_export_from_model(
            model, Path(dst), task=task, do_validation=False, no_post_process=True,
            device="cpu", do_constant_folding=False, preprocessors=maybe_load_preprocessors(src),
        )  # fmt: skip
    return names


def export_lazily(src: Path, dst: Path, task: str) -> bool:
    """Export ``src`` to ``dst`` with the weights read one at a time; ``False`` (and nothing
    left in ``dst``) when the checkpoint's tensor names do not match the model's."""
    onnx_path = Path(dst) / ONNX_NAME
    names = export_without_weights(src, dst, task)
    try:
        fill_weights(onnx_path, src, names)
    except MissingWeights:
        for path in Path(dst).glob(ONNX_NAME + "*"):
            path.unlink()
        return False
    return True


def _fp32(path: Path, name: str) -> np.ndarray:
    import torch
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return handle.get_tensor(name).to(torch.float32).numpy()


def fill_weights(onnx_path: Path, src: Path, names: list[str]) -> int:
    """Replace the weight inputs ``names`` of ``onnx_path`` by initializers from the
    checkpoint in ``src``, one weight in memory at a time; returns how many were filled. The
    graph and its new data file replace the old graph only when both are complete."""
    import onnx
    from onnx import TensorProto

    onnx_path = Path(onnx_path)
    model = onnx.load(str(onnx_path), load_external_data=False)
    graph = model.graph
    files = _checkpoint_files(src)
    inputs = {i.name for i in graph.input}
    missing = [name for name in names if name in inputs and name not in files]
    if missing:
        raise MissingWeights(", ".join(missing[:3]))
    weights = [i for i in graph.input if i.name in names]
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    location = onnx_path.name + "_data"
    staged = onnx_path.with_name(onnx_path.name + ".filling")
    writer = WeightWriter(onnx_path.parent / (location + ".filling"), location=location)
    try:
        for graph_input in weights:
            values = _fp32(files[graph_input.name], graph_input.name)
            keep_plain = False
            for node in users.get(graph_input.name, []):
                if node.op_type != "Transpose":
                    keep_plain = True
                    continue
                perms = [list(a.ints) for a in node.attribute if a.name == "perm"]
                folded = np.ascontiguousarray(np.transpose(values, perms[0] if perms else None))
                writer.add(graph.initializer, node.output[0], folded, TensorProto.FLOAT)
                graph.node.remove(node)
                del folded
            if keep_plain:
                writer.add(graph.initializer, graph_input.name, values, TensorProto.FLOAT)
            del values
            graph.input.remove(graph_input)
    finally:
        writer.close()
    staged.write_bytes(model.SerializeToString())
    writer.path.replace(onnx_path.parent / location)
    staged.replace(onnx_path)
    return len(weights)
