"""A graph's weights one tensor at a time (issue 18, lever 5: converting within a laptop's memory).

``onnx.load`` with its external data reads every weight of a model into memory; a quantizer
that then builds its output beside it holds both. Here the graph is read without its weights
(a few MB), a weight is read from its file only when it is needed and dropped afterwards, and
what is written goes to a new data file at once, so the memory a conversion needs is about
its largest tensor instead of the whole model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from onnx import AttributeProto, GraphProto, ModelProto, TensorProto, numpy_helper
from onnx.external_data_helper import ExternalDataInfo, uses_external_data

INLINE_BYTES = 1024  # smaller tensors stay in the graph (onnx.save_model's size_threshold)
ALIGN_FROM_BYTES = 1 << 20  # larger ones start on an aligned offset, as onnx's own writer does
ALIGNMENT = 64 * 1024
COPY_CHUNK = 64 << 20


def all_tensors(graph: GraphProto) -> Iterator[TensorProto]:
    """Initializers and attribute tensors of ``graph`` and of its sub-graphs."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == AttributeProto.TENSOR:
                yield attr.t
            elif attr.type == AttributeProto.TENSORS:
                yield from attr.tensors
            elif attr.type == AttributeProto.GRAPH:
                yield from all_tensors(attr.g)
            elif attr.type == AttributeProto.GRAPHS:
                for sub in attr.graphs:
                    yield from all_tensors(sub)


def data_files(model: ModelProto, folder: Path) -> list[Path]:
    """The external data files ``model`` refers to."""
    tensors = all_tensors(model.graph)
    names = {ExternalDataInfo(t).location for t in tensors if uses_external_data(t)}
    return [folder / name for name in sorted(names)]


def _point_at(tensor: TensorProto, location: str, offset: int | None, length: int | None) -> None:
    """Make ``tensor`` refer to its values in a data file (and hold none itself)."""
    tensor.ClearField("raw_data")
    del tensor.external_data[:]
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(value)


def _clear_external(tensor: TensorProto) -> None:
    del tensor.external_data[:]
    tensor.data_location = TensorProto.DEFAULT


class WeightReader:
    """Reads tensors stored outside a graph in ``folder``, one at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def read(self, tensor: TensorProto) -> bytes:
        info = ExternalDataInfo(tensor)
        path = self.folder / info.location
        with path.open("rb") as handle:
            handle.seek(info.offset or 0)
            return handle.read(info.length if info.length is not None else -1)

    def load(self, tensor: TensorProto) -> ExternalDataInfo | None:
        """Put the tensor's values into it (``raw_data``) and return where they came from;
        tensors already in the graph are left as they are (``None``)."""
        if not uses_external_data(tensor):
            return None
        info = ExternalDataInfo(tensor)
        tensor.raw_data = self.read(tensor)
        _clear_external(tensor)
        return info


class WeightWriter:
    """Appends tensors to one new external data file as they are made."""

    def __init__(self, path: Path, location: str | None = None) -> None:
        self.path = Path(path)
        self.location = location or self.path.name  # the name the graph will know it by
        self._file = self.path.open("wb")
        self.written: set[str] = set()  # names of the tensors already in this file

    def close(self) -> None:
        self._file.close()

    def _start(self, length: int) -> int:
        offset = self._file.tell()
        if length > ALIGN_FROM_BYTES and offset % ALIGNMENT:
            padding = ALIGNMENT - offset % ALIGNMENT
            self._file.write(b"\0" * padding)
            offset += padding
        return offset

    def write(self, tensor: TensorProto) -> None:
        """Move the tensor's ``raw_data`` (if not small) into the file."""
        if not tensor.HasField("raw_data") or len(tensor.raw_data) < INLINE_BYTES:
            return
        length = len(tensor.raw_data)
        offset = self._start(length)
        self._file.write(tensor.raw_data)
        _point_at(tensor, self.location, offset, length)
        self.written.add(tensor.name)

    def add(self, initializers, name: str, values: np.ndarray, data_type: int) -> None:
        """Append an initializer ``name`` holding ``values`` (C-contiguous) to
        ``initializers``, its values written straight from the array into the file."""
        if values.nbytes < INLINE_BYTES:
            initializers.append(numpy_helper.from_array(values, name))
            return
        offset = self._start(values.nbytes)
        self._file.write(memoryview(values).cast("B"))
        tensor = initializers.add()
        tensor.name, tensor.data_type = name, data_type
        tensor.dims.extend(values.shape)
        _point_at(tensor, self.location, offset, values.nbytes)
        self.written.add(name)

    def copy(self, tensor: TensorProto, reader: WeightReader) -> None:
        """Move a tensor stored in another file into this one, in chunks; small ones go back
        into the graph."""
        if tensor.name in self.written:
            return
        info = ExternalDataInfo(tensor)
        length = info.length
        if length is None:
            length = os.path.getsize(reader.folder / info.location) - (info.offset or 0)
        if length < INLINE_BYTES:
            reader.load(tensor)
            return
        offset = self._start(length)
        with (reader.folder / info.location).open("rb") as source:
            source.seek(info.offset or 0)
            left = length
            while left:
                chunk = source.read(min(COPY_CHUNK, left))
                if not chunk:
                    raise OSError(f"{info.location}: shorter than its graph says")
                self._file.write(chunk)
                left -= len(chunk)
        _point_at(tensor, self.location, offset, length)
        self.written.add(tensor.name)
