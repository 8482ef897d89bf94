"""GGUF models already on this machine: LM Studio's and ollama's model folders and folders the
user adds, offered as generators without copying a byte.

LM Studio keeps plain ``publisher/repo/file.gguf`` trees; ollama keeps content-addressed blobs
(``blobs/sha256-…``, no extension) named by JSON manifests
(``manifests/registry.ollama.ai/library/<name>/<tag>``), so its names come from those. Only
headers are read, and only their first keys (architecture, name, quantization), so a scan of
dozens of multi-GB files stays fast. Projector/embedding files are left out: they cannot
write jokes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.models.gguf_header import FILE_TYPES, NotGguf, is_gguf, read_metadata

LMSTUDIO, OLLAMA, USER = "lmstudio", "ollama", "folder"
_NOT_GENERATORS = {"clip", "bert", "nomic-bert", "jina-bert-v2", "t5encoder", "wavtokenizer-dec"}
_LATER_SPLIT_PART = re.compile(r"-0*([2-9]|\d{2,})-of-\d+\.gguf$", re.I)  # part 2+ of a split
_HEADER_KEYS = {"general.architecture", "general.name", "general.file_type"}
_MAX_DEPTH = 5  # publisher/repo/file.gguf and a little more
_MAX_ENTRIES = 20_000  # a folder the user added may be a whole disk: stop looking there
_OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"


@dataclass(frozen=True)
class FoundGguf:
    path: Path
    name: str  # what the user sees: the file's stem, or ollama's "name:tag"
    source: str  # LMSTUDIO, OLLAMA or USER
    size: int
    architecture: str
    quantization: str


def default_roots(home: Path | None = None) -> list[tuple[Path, str]]:
    """Where LM Studio and ollama keep models on this machine (existing folders only)."""
    home = home or Path.home()
    candidates = [
        (home / ".lmstudio" / "models", LMSTUDIO),
        (home / ".cache" / "lm-studio" / "models", LMSTUDIO),  # LM Studio before 0.3
        (Path(os.environ["OLLAMA_MODELS"]) if os.environ.get("OLLAMA_MODELS") else None, OLLAMA),
        (home / ".ollama" / "models", OLLAMA),
        (Path("/usr/share/ollama/.ollama/models"), OLLAMA),  # Linux service install
    ]
    seen: set[Path] = set()
    roots = []
    for path, source in candidates:
        if path is not None and path.is_dir() and path.resolve() not in seen:
            seen.add(path.resolve())
            roots.append((path, source))
    return roots


def _walk_gguf(root: Path) -> Iterator[Path]:
    """``*.gguf`` files below ``root`` (depth- and size-limited, links not followed)."""
    visited = 0
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            visited += 1
            if visited > _MAX_ENTRIES:
                return
            if entry.is_dir(follow_symlinks=False) and depth < _MAX_DEPTH:
                if not entry.name.startswith("."):
                    stack.append((Path(entry.path), depth + 1))
            elif (
                entry.name.lower().endswith(".gguf")
                and entry.is_file()
                and not _LATER_SPLIT_PART.search(entry.name)
            ):
                yield Path(entry.path)


def _ollama_models(root: Path) -> Iterator[tuple[Path, str]]:
    """(blob path, "name:tag") for each ollama manifest whose model layer exists."""
    manifests = root / "manifests"
    for manifest in sorted(p for p in manifests.rglob("*") if p.is_file()):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        layers = data.get("layers") if isinstance(data, dict) else None
        for layer in layers if isinstance(layers, list) else []:
            if not isinstance(layer, dict) or layer.get("mediaType") != _OLLAMA_MODEL_LAYER:
                continue
            blob = root / "blobs" / str(layer.get("digest", "")).replace(":", "-")
            parts = manifest.relative_to(manifests).parts  # host/namespace/name/tag
            name = f"{parts[-2]}:{parts[-1]}" if len(parts) >= 2 else manifest.name
            if parts[-3:-2] not in (("library",), ()):
                name = f"{parts[-3]}/{name}"
            if blob.is_file():
                yield blob, name


def describe_file(path: Path, name: str, source: str) -> FoundGguf | None:
    """The file as a choice, or None when it is not a GGUF that writes text."""
    try:
        meta = read_metadata(path, stop_after=_HEADER_KEYS)
        size = path.stat().st_size
    except (NotGguf, OSError):
        return None
    arch = str(meta.get("general.architecture", ""))
    if not arch or arch in _NOT_GENERATORS or "mmproj" in path.name.lower():
        return None
    file_type = meta.get("general.file_type")
    quant = FILE_TYPES.get(file_type, "") if isinstance(file_type, int) else ""
    return FoundGguf(path, name, source, size, arch, quant)


def discover(
    extra_folders: Iterable[str | Path] = (), roots: list[tuple[Path, str]] | None = None
) -> list[FoundGguf]:
    """Every generator GGUF in LM Studio's and ollama's folders (``roots``, default: this
    machine's) and in ``extra_folders``; each file once, in a stable order."""
    found: list[FoundGguf] = []
    seen: set[Path] = set()
    sources = list(default_roots() if roots is None else roots)
    sources += [(Path(f).expanduser(), USER) for f in extra_folders if str(f).strip()]
    for root, source in sources:
        if not root.is_dir():
            continue
        if source == OLLAMA:
            items: Iterable[tuple[Path, str]] = _ollama_models(root)
        else:
            items = ((p, p.stem) for p in _walk_gguf(root))
        for path, name in items:
            key = path.resolve()
            if key in seen or not is_gguf(path):
                continue
            seen.add(key)
            item = describe_file(path, name, source)
            if item is not None:
                found.append(item)
    return found
