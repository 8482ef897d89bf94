"""Reading a GGUF file's header (its key/value metadata) without loading the model.

Enough to tell a GGUF from anything else, name the architecture, the quantization and the
chat template, and to check a file is whole — in milliseconds and without llama.cpp, so the
model list, discovery and ``models verify`` stay cheap. Arrays (the vocabulary) are skipped,
only their length is kept.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"GGUF"
# value type → struct format of one scalar (8 = string, 9 = array, handled apart)
_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
    10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
# llama.cpp's general.file_type numbers for the common quantizations
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
}  # fmt: skip
_MAX_STRING = 16 * 1024 * 1024  # a chat template is a few KiB; more means a broken header


class NotGguf(ValueError):
    """The file is not a GGUF or its header is cut short / damaged."""


def is_gguf(path: str | Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def _read(f: BinaryIO, size: int) -> bytes:
    data = f.read(size)
    if len(data) != size:
        raise NotGguf("truncated")
    return data


def _scalar(f: BinaryIO, kind: int) -> Any:
    fmt = _SCALARS[kind]
    return struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]


def _string(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", _read(f, 8))
    if length > _MAX_STRING:
        raise NotGguf("string too long")
    return _read(f, length).decode("utf-8", errors="replace")


def _value(f: BinaryIO, kind: int) -> Any:
    if kind in _SCALARS:
        return _scalar(f, kind)
    if kind == 8:
        return _string(f)
    if kind == 9:
        (item, count) = struct.unpack("<IQ", _read(f, 12))
        if item in _SCALARS:  # skip fixed-size items in one seek
            f.seek(struct.calcsize(_SCALARS[item]) * count, 1)
        else:
            for _ in range(count):
                _value(f, item)
        return {"array_length": count}
    raise NotGguf(f"unknown value type {kind}")


def read_metadata(path: str | Path, stop_after: set[str] | None = None) -> dict[str, Any]:
    """The header's key/values (arrays as ``{"array_length": n}``) plus ``gguf.version``
    and ``gguf.tensor_count``; raises :class:`NotGguf` or OSError. ``stop_after``: stop
    reading once these keys are read (they come first in llama.cpp's files; the vocabulary
    after them is most of a header's reading time)."""
    with open(path, "rb") as f:
        if f.read(4) != MAGIC:
            raise NotGguf("magic")
        (version,) = struct.unpack("<I", _read(f, 4))
        if version < 2:
            raise NotGguf(f"version {version}")
        tensors, count = struct.unpack("<QQ", _read(f, 16))
        meta: dict[str, Any] = {"gguf.version": version, "gguf.tensor_count": tensors}
        for _ in range(count):
            key = _string(f)
            (kind,) = struct.unpack("<I", _read(f, 4))
            meta[key] = _value(f, kind)
            if stop_after and stop_after <= meta.keys():
                break
    return meta


def describe(meta: dict[str, Any]) -> dict[str, Any]:
    """What a user wants to know about a GGUF: architecture, name, quantization, context
    length and whether it carries a chat template."""
    arch = str(meta.get("general.architecture", ""))
    file_type = meta.get("general.file_type")
    return {
        "architecture": arch,
        "name": str(meta.get("general.name", "")),
        "quantization": FILE_TYPES.get(file_type, str(file_type or "")),
        "context_length": meta.get(f"{arch}.context_length"),
        "chat_template": str(meta.get("tokenizer.chat_template", "")),
    }
