"""Loads each stage's model on first use and keeps it loaded between runs.

Heavy libraries (torch, transformers, diffusers, onnxruntime) are imported here lazily, so
that starting the GUI or ``demotivator --help`` costs nothing. A model is reloaded only
when its folder, backend or thread count changes in the settings.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.core import registry
from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.core.runtime_env import default_threads
from inference.core.settings import Settings
from inference.core.stages import Generator, Illustrator, Ranker
from inference.runs.result import ModelInfo
from inference.text.http_stream import public_url
from resources import resource_path

log = logging.getLogger(__name__)

def bundled_model_dir(role: str) -> Path | None:
    """The lite model shipped with the app for ``role``, if this build has one."""
    path = resource_path("models", f"lite-{role}")
    return path if path.is_dir() else None


@dataclass(frozen=True)
class ModelSpec:
    role: str
    path: Path
    backend: str
    threads: int
    bundled: bool = False  # a lite model shipped with the app, not one the user chose
    location: str = ""  # a URL source's address as written (a Path would fold its "//")
    # the backend's extra loader arguments from the settings (registry load_settings), e.g.
    # a server's model name and API key: part of the spec, so changing one reloads
    options: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    @property
    def traits(self) -> registry.Backend:
        """The registry entry of this role and backend (what it needs, how it loads)."""
        return registry.backend(self.role, self.backend)


def _setting(settings: Settings, key: str) -> Any:
    """The value of a dotted settings key ("models.generator_model")."""
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return value


class ModelManager:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loaded: dict[str, tuple[ModelSpec, Any]] = {}
        self._gate: tuple[int, Any] | None = None  # (threads, the lite ranker as a gate)
        self._lock = threading.RLock()  # the table of loaded models (held briefly)
        # one load per role at a time: a role's load never waits for another role's
        self._role_locks = {role: threading.Lock() for role in registry.ROLES}

    def configure(self, settings: Settings) -> None:
        """Adopt new settings; models whose spec changed are dropped and reload on use."""
        with self._lock:
            self._settings = settings
            for role in list(self._loaded):
                if self.spec(role) != self._loaded[role][0]:
                    del self._loaded[role]

    def spec(self, role: str) -> ModelSpec | None:
        models = self._settings.models
        folder = getattr(models, f"{role}_dir")
        backend = getattr(models, f"{role}_backend")
        threads = self._settings.threads or default_threads()
        if folder:
            # a .gguf or a URL picks its backend even when the file says onnx/torch
            backend = registry.backend_for_location(role, folder, backend)
            entry = registry.find(role, backend)
            options = tuple(
                (keyword, _setting(self._settings, key))
                for keyword, key in (entry.load_settings if entry else ())
            )
            if entry is not None and entry.source == registry.URL:
                return ModelSpec(
                    role, Path(folder), backend, threads, location=folder, options=options
                )
            return ModelSpec(role, Path(folder).expanduser(), backend, threads, options=options)
        # The bundled lite ranker serves any generator (it was trained on real endings
        # against assistant talk and debris, which likelihood puts first); it gives way
        # only to a ranker the user chose.
        bundled = bundled_model_dir(role)
        if bundled is not None:
            return ModelSpec(role, bundled, backend, threads, bundled=True)
        fallback = registry.no_folder_backend(role)  # e.g. the emoji illustrator
        if fallback is not None and (path := fallback.resource_dir()) is not None:
            return ModelSpec(role, path, fallback.name, threads, bundled=True)
        return None

    def check_folders(self, roles: tuple[str, ...] = registry.ROLES) -> None:
        """Fail fast, before any model runs, on a configured folder that does not exist or
        is not a usable model of its role (broken config, wrong kind, no weights): the JSON
        checks the loaders make, in milliseconds, so the user learns it before the first
        stage rather than after it."""
        from inference.models.model_checks import check_folder

        for role in roles:
            spec = self.spec(role)
            if spec is None or spec.traits.source in (registry.URL, registry.BUNDLED):
                continue  # a server answers for itself when the loader connects
            if spec.traits.source == registry.FILE:
                if not spec.path.is_file():
                    where = {"role": tr(f"role.{role}"), "path": spec.path}
                    raise ModelError(tr("model.missing_file", **where))
                continue
            if not spec.path.is_dir():
                raise ModelError(
                    tr("model.missing_folder", role=tr(f"role.{role}"), path=spec.path)
                )
            if not spec.bundled:
                check_folder(spec.path, role)

    def is_loaded(self, role: str) -> bool:
        return role in self._loaded

    def is_loading(self, role: str) -> bool:
        """A load of ``role`` is under way (e.g. a :meth:`prefetch`)."""
        return self._role_locks[role].locked()

    def get(self, role: str, progress: Progress | None = None, stage: str = "") -> Any | None:
        """The loaded model for ``role``, loading it now if needed (or waiting for a load
        under way, e.g. a :meth:`prefetch`); None if none configured."""
        with self._lock:
            spec = self.spec(role)
            if spec is None:
                return None
            cached = self._loaded.get(role)
            if cached and cached[0] == spec:
                return cached[1]
        if progress is not None:
            name = public_url(spec.location) if spec.location else spec.path.name
            progress.stage(stage or role, None, tr("model.loading", name=name))
        with self._role_locks[role]:
            with self._lock:
                cached = self._loaded.get(role)
                if cached and cached[0] == spec:  # loaded while this call waited
                    return cached[1]
            load = spec.traits.load_function()
            model = load(
                spec.location or spec.path,
                backend=spec.backend,
                threads=spec.threads,
                **dict(spec.options),
            )
            with self._lock:
                if self.spec(role) == spec:  # not if the settings changed meanwhile
                    self._loaded[role] = (spec, model)
            return model

    def prefetch(self, role: str) -> threading.Thread | None:
        """Start loading ``role``'s model on a thread of its own (issue 18: the picture model
        loads while the endings are written); :meth:`get` then waits for it. Load errors
        are left for the run to report when it asks for the model. None: nothing to do."""
        with self._lock:
            spec = self.spec(role)
            cached = self._loaded.get(role)
            if spec is None or (cached and cached[0] == spec):
                return None

        def load() -> None:
            try:
                self.get(role)
            except Exception:  # noqa: BLE001 - the run reports it in its own words
                log.info("prefetch: %s not loaded", role, exc_info=True)

        thread = threading.Thread(target=load, name=f"prefetch-{role}", daemon=True)
        thread.start()
        return thread

    def generator(self, progress: Progress | None = None) -> Generator:
        model = self.get("generator", progress, "generate")
        if model is None:
            raise ModelError(tr("model.no_generator"))
        return model

    def ranker(self, progress: Progress | None = None) -> Ranker | None:
        return self.get("ranker", progress, "rank")

    def gate(self, progress: Progress | None = None) -> Any | None:
        """The model that says whether a text is a joke ending at all: the ranker itself
        when its folder carries a gate threshold, else the bundled lite ranker (loaded on
        the side, ONNX, a few MB); None when neither has one."""
        from inference.text.ranker import GATE_FILE, load_ranker

        ranker = self.ranker(progress)
        if ranker is not None and getattr(ranker, "gate_threshold", None) is not None:
            return ranker
        path = bundled_model_dir("ranker")
        if path is None or not (path / GATE_FILE).is_file():
            return None
        threads = self._settings.threads or default_threads()
        with self._lock:
            if self._gate is None or self._gate[0] != threads:
                self._gate = (threads, load_ranker(path, backend="onnx", threads=threads))
            return self._gate[1]

    def illustrator(self, progress: Progress | None = None) -> Illustrator:
        model = self.get("illustrator", progress, "draw")
        if model is None:
            raise ModelError(tr("model.no_illustrator"))
        return model

    def info(self, role: str) -> ModelInfo | None:
        cached = self._loaded.get(role)
        if not cached:
            return None
        spec, model = cached
        return ModelInfo(
            role,
            getattr(model, "name", spec.path.name),
            getattr(model, "backend", spec.backend),
            public_url(spec.location) if spec.location else str(spec.path),  # no credentials
            spec.bundled,
        )

    def needs_scene(self) -> bool:
        """Whether the configured illustrator draws from an English scene description (an SD
        model) rather than from the Russian joke itself (the lite one): asked before it
        loads, so the scene is written only when it will be read."""
        spec = self.spec("illustrator")
        return spec is None or spec.traits.needs_scene

    def needs_torch(self) -> bool:
        """Whether any configured model loads through torch."""
        specs = [self.spec(role) for role in registry.ROLES]
        return any(spec is not None and spec.traits.needs_torch for spec in specs)
