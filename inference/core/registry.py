"""The one table of stages and their backends: (role, backend) → loader and traits.

Settings validation, the command line's choices, the settings dialog, the model store's
``use``, the model manager and the pipeline all read this table; none of them names a
backend itself. Loaders are given as ``"module:function"`` and imported only when a model
is loaded, so reading the table costs nothing (no torch, no onnxruntime).

Adding a backend = one module with a loader + one :data:`BACKENDS` entry + its label in
``resources/i18n/core.json`` + tests: see docs/adding-a-backend.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resources import resource_path

ROLES = ("generator", "ranker", "illustrator")

# Where a backend's model comes from (what the settings' ``<role>_dir`` field holds).
FOLDER = "folder"  # a model folder (Hugging Face layout)
FILE = "file"  # one model file (e.g. a GGUF)
URL = "url"  # a running server
BUNDLED = "bundled"  # shipped with the app; nothing for the user to choose

# Settings keys that only some backends honour (the dialog and docs can say which apply).
TEXT_OPTIONS = (
    "threads",
    "generation.temperature",
    "generation.top_p",
    "generation.top_k",
    "generation.repetition_penalty",
    "generation.max_new_tokens",
    "generation.seed",
)
RANKER_OPTIONS = ("threads",)
DIFFUSION_OPTIONS = (
    "threads",
    "image.width",
    "image.height",
    "image.steps",
    "image.guidance",
    "image.seed",
)
LITE_DRAW_OPTIONS = ("image.width", "image.height", "image.seed")
SERVER_TEXT_OPTIONS = tuple(o for o in TEXT_OPTIONS if o != "threads")  # its own threads


@dataclass(frozen=True)
class Backend:
    role: str
    name: str  # what settings and the CLI store: "onnx", "torch", …
    loader: str  # "module:function(path, backend=, threads=) -> stage object"
    source: str = FOLDER
    needs_torch: bool = False  # loading imports torch (the GUI pauses its GC around it)
    needs_scene: bool = False  # an illustrator that draws from an English scene description
    options: tuple[str, ...] = ()
    # Offered in settings, the CLI and the dialogs. A backend that is not is only ever
    # chosen by the app itself (the lite illustrator, used when no folder is set).
    selectable: bool = True
    # Backends of one family read the same folder layout, so a folder holding only the other
    # family member's weights falls back to it (with a warning) instead of failing.
    family: str = ""
    resource: tuple[str, ...] = ()  # BUNDLED: the resource folder the loader reads
    suffixes: tuple[str, ...] = ()  # FILE: the file names it opens (".gguf")
    # More loader arguments from the settings: (loader keyword, settings key), e.g. the
    # model a server should run and its API key.
    load_settings: tuple[tuple[str, str], ...] = ()

    @property
    def label_key(self) -> str:
        """The i18n key (core domain) of the name shown to the user."""
        return f"backend.label.{self.name}"

    def load_function(self) -> Callable[..., Any]:
        module, _, function = self.loader.partition(":")
        return getattr(importlib.import_module(module), function)

    def resource_dir(self) -> Path | None:
        return resource_path(*self.resource) if self.resource else None


BACKENDS: tuple[Backend, ...] = (
    Backend("generator", "onnx", "inference.text.generator:load_generator", options=TEXT_OPTIONS,
            family="hf-text"),
    Backend("generator", "torch", "inference.text.generator:load_generator", needs_torch=True,
            options=TEXT_OPTIONS, family="hf-text"),
    # A GGUF file on llama.cpp in-process; a running local LLM server (OpenAI API / ollama).
    Backend("generator", "llamacpp", "inference.text.llamacpp_generator:load_llamacpp_generator",
            source=FILE, options=TEXT_OPTIONS, suffixes=(".gguf",)),
    Backend("generator", "server", "inference.text.server_generator:load_server_generator",
            source=URL, options=SERVER_TEXT_OPTIONS,
            load_settings=(("model", "models.generator_model"),
                           ("api_key", "models.generator_api_key"))),
    Backend("ranker", "onnx", "inference.text.ranker:load_ranker", options=RANKER_OPTIONS,
            family="hf-text"),
    Backend("ranker", "torch", "inference.text.ranker:load_ranker", needs_torch=True,
            options=RANKER_OPTIONS, family="hf-text"),
    # Optimum's ONNX Stable Diffusion pipeline needs torch at run time, like diffusers.
    Backend("illustrator", "onnx", "inference.image.illustrator:load_illustrator", needs_torch=True,
            needs_scene=True, options=DIFFUSION_OPTIONS, family="diffusers"),
    Backend("illustrator", "torch", "inference.image.illustrator:load_illustrator",
            needs_torch=True, needs_scene=True, options=DIFFUSION_OPTIONS, family="diffusers"),
    Backend("illustrator", "lite", "inference.image.lite_illustrator:load_lite_illustrator",
            source=BUNDLED, options=LITE_DRAW_OPTIONS, selectable=False,
            resource=("lite_illustrator",)),
)  # fmt: skip

DEFAULT_BACKEND = "onnx"  # what a fresh settings file says for every role


def backend(role: str, name: str) -> Backend:
    """The entry for ``role``/``name``; KeyError when there is none."""
    for entry in BACKENDS:
        if entry.role == role and entry.name == name:
            return entry
    raise KeyError(f"{role}/{name}")


def find(role: str, name: str) -> Backend | None:
    try:
        return backend(role, name)
    except KeyError:
        return None


def backends(role: str, selectable_only: bool = True) -> tuple[Backend, ...]:
    return tuple(e for e in BACKENDS if e.role == role and (e.selectable or not selectable_only))


def backend_names(role: str | None = None) -> tuple[str, ...]:
    """Selectable backend names of ``role`` (or of any role, table order, no repeats)."""
    roles = ROLES if role is None else (role,)
    names = [e.name for r in roles for e in backends(r)]
    return tuple(dict.fromkeys(names))


def family_members(family: str) -> tuple[str, ...]:
    """The backend names of one folder family (e.g. a Hugging Face text folder: its ONNX
    export and its PyTorch weights), table order: what a folder loader may pick between."""
    return tuple(dict.fromkeys(e.name for e in BACKENDS if e.family == family))


def no_folder_backend(role: str) -> Backend | None:
    """The bundled backend the app uses when ``role`` has no folder and no lite model."""
    for entry in backends(role, selectable_only=False):
        if entry.source == BUNDLED:
            return entry
    return None


def location_kind(location: str | Path) -> str:
    """What a ``<role>_dir`` value points at: URL (http/https), FILE (an existing file or a
    name with a FILE backend's suffix) or FOLDER."""
    text = str(location).strip()
    if text.lower().startswith(("http://", "https://")):
        return URL
    suffixes = {s for e in BACKENDS for s in e.suffixes}
    path = Path(text).expanduser()
    if path.suffix.lower() in suffixes or path.is_file():
        return FILE
    return FOLDER


def backend_for_location(role: str, location: str | Path, preferred: str = "") -> str:
    """The backend that opens ``location``: ``preferred`` when it reads that kind of source
    (a folder keeps onnx or torch), else the first selectable one of ``role`` that does
    (a .gguf → llamacpp, a URL → server); ``preferred`` when none does."""
    kind = location_kind(location)
    entry = find(role, preferred)
    if entry is not None and entry.source == kind:
        return preferred
    for entry in backends(role):
        if entry.source == kind:
            return entry.name
    return preferred
