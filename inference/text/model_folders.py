"""What a model folder holds, checked before any heavy library is imported.

A folder is plain Hugging Face layout: ``config.json``, tokenizer files, and PyTorch weights
(safetensors / .bin) and/or an Optimum ONNX export, at the top or under ``onnx/``: the single
``model.onnx`` of current Optimum, or the files of older versions (``decoder_model_merged.onnx``,
``decoder_model.onnx`` + ``decoder_with_past_model.onnx``). Everything here reads small JSON
files only, so a wrong folder gets a clear, translated :class:`~inference.core.errors.ModelError` in
milliseconds instead of a library traceback after seconds of imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.jsonfiles import read_json_file
from inference.core.registry import family_members

DOMAIN = "text"
BACKENDS = family_members("hf-text")  # the weight kinds such a folder may hold

_TORCH_WEIGHT_GLOBS = ("*.safetensors", "pytorch_model*.bin")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "vocab.txt", "tokenizer.model")
# Folders where an Optimum export may keep its .onnx files (onnx-community repos use onnx/).
_ONNX_SUBFOLDERS = ("", "onnx")
# The graph to load, best first: current Optimum's single graph with a KV cache; older
# Optimum's merged decoder (both branches, one session); its decoder without past (paired with
# the decoder with past when present, else run without a cache). Alphabetical order would pick
# decoder_model.onnx before decoder_model_merged.onnx and lose the cache.
# A folder holding one of the first two needs nothing else (the Hub installer relies on it).
SINGLE_GRAPHS_WITH_CACHE = ("model.onnx", "decoder_model_merged.onnx")
_ONNX_NAMES = (*SINGLE_GRAPHS_WITH_CACHE, "decoder_model.onnx")
_WITH_PAST_NAME = "decoder_with_past_model.onnx"


@dataclass
class FolderInfo:
    path: Path
    config: dict[str, Any]
    torch_weights: list[Path] = field(default_factory=list)
    onnx_file: Path | None = None  # the .onnx file the onnx backend would load
    # older Optimum's decoder_with_past_model.onnx next to onnx_file = decoder_model.onnx:
    # the prompt runs on onnx_file, every later token on this one
    onnx_with_past: Path | None = None
    has_tokenizer: bool = False
    chat_template: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def model_type(self) -> str:
        return str(self.config.get("model_type", ""))

    @property
    def architectures(self) -> list[str]:
        return list(self.config.get("architectures") or [])

    @property
    def num_labels(self) -> int:
        """As transformers counts it: the size of ``id2label`` when present."""
        id2label = self.config.get("id2label")
        if isinstance(id2label, dict) and id2label:
            return len(id2label)
        return int(self.config.get("num_labels", 2))

    def backends(self) -> list[str]:
        """The backends this folder can run on, ``onnx`` first."""
        found = []
        if self.onnx_file is not None:
            found.append("onnx")
        if self.torch_weights:
            found.append("torch")
        return found


def _onnx_folders(path: Path) -> list[Path]:
    folders = [path / sub if sub else path for sub in _ONNX_SUBFOLDERS]
    return [f for f in folders if f.is_dir()]


def _find_onnx(path: Path) -> tuple[Path | None, Path | None]:
    """(the graph to load, the decoder with past that goes with it or None)."""
    folders = _onnx_folders(path)
    for name in _ONNX_NAMES:
        for folder in folders:
            if (folder / name).is_file():
                with_past = folder / _WITH_PAST_NAME
                pair = name == "decoder_model.onnx" and with_past.is_file()
                return folder / name, with_past if pair else None
    for folder in folders:  # any other export (a lone with-past decoder, quantized flavours)
        files = sorted(f for f in folder.glob("*.onnx") if f.is_file())
        if files:
            return files[0], None
    return None, None


def _chat_template(path: Path, tokenizer_config: dict[str, Any] | None) -> str | None:
    """The chat template as transformers would find it (.jinja file wins, then the JSON key)."""
    jinja = path / "chat_template.jinja"
    if jinja.is_file():
        text = jinja.read_text(encoding="utf-8", errors="replace")
        return text if text.strip() else None
    legacy = read_json_file(path / "chat_template.json")
    if legacy and isinstance(legacy.get("chat_template"), str):
        return legacy["chat_template"]
    template = (tokenizer_config or {}).get("chat_template")
    if isinstance(template, list):  # named templates: the "default" one is used
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) and template.strip() else None


def inspect_folder(path: str | Path) -> FolderInfo:
    """Read what ``path`` holds; raises ModelError if it is not a model folder at all."""
    path = Path(path).expanduser()
    if not str(path).strip() or not path.exists():
        raise ModelError(tr("folder.missing", DOMAIN, path=str(path)))
    if not path.is_dir():
        raise ModelError(tr("folder.not_dir", DOMAIN, path=str(path)))
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelError(tr("folder.no_config", DOMAIN, path=str(path)))
    config = read_json_file(config_path)
    if config is None:
        raise ModelError(tr("folder.bad_config", DOMAIN, path=str(config_path)))
    weights = sorted(w for g in _TORCH_WEIGHT_GLOBS for w in path.glob(g) if w.is_file())
    tokenizer_config = read_json_file(path / "tokenizer_config.json")
    has_tokenizer = any((path / f).is_file() for f in _TOKENIZER_FILES)
    onnx_file, onnx_with_past = _find_onnx(path)
    return FolderInfo(
        path=path,
        config=config,
        torch_weights=weights,
        onnx_file=onnx_file,
        onnx_with_past=onnx_with_past,
        has_tokenizer=has_tokenizer,
        chat_template=_chat_template(path, tokenizer_config),
    )


def require_weights_and_tokenizer(info: FolderInfo) -> None:
    if not info.backends():
        raise ModelError(tr("folder.no_weights", DOMAIN, path=str(info.path)))
    if not info.has_tokenizer:
        raise ModelError(tr("folder.no_tokenizer", DOMAIN, path=str(info.path)))


def choose_backend(info: FolderInfo, requested: str) -> tuple[str, list[str]]:
    """The backend to use and translated warnings: a folder that holds only the other kind of
    weights falls back to it rather than failing (the user sees why)."""
    if requested not in BACKENDS:
        raise ModelError(
            tr("backend.unknown", DOMAIN, backend=requested, choices=", ".join(BACKENDS))
        )
    available = info.backends()
    if requested in available:
        return requested, []
    if not available:
        raise ModelError(tr("folder.no_weights", DOMAIN, path=str(info.path)))
    actual = available[0]
    return actual, [
        tr("backend.fallback", DOMAIN, name=info.name, requested=requested, actual=actual)
    ]


def describe_load_error(info: FolderInfo, backend: str, exc: BaseException) -> ModelError:
    """A library failure while loading (truncated weights, broken ONNX graph) as a user error."""
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return ModelError(tr("folder.broken", DOMAIN, path=str(info.path), backend=backend, err=detail))
