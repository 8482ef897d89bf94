"""User settings: one typed object, persisted as JSON in the user config dir.

``DEMOTIVATOR_CONFIG_DIR`` / ``DEMOTIVATOR_DATA_DIR`` override the platform folders (tests,
the GUI and reviewers use them to isolate a run). A corrupt or partly wrong file never stops
the app: bad values fall back to defaults, each with a warning, and an unreadable file is
kept aside as ``settings.json.corrupt`` so nothing the user wrote is lost.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from inference.core.i18n import tr
from inference.core.jsonfiles import write_json_file
from inference.core.params import GenerationParams, ImageParams
from inference.core.registry import DEFAULT_BACKEND, ROLES, backend_names

APP_NAME = "demotivator-studio"
SETTINGS_FILE = "settings.json"
PICTURE_SOURCES = ("model", "own")
MAX_SETTINGS_BYTES = 1 << 20  # a real settings file is about 1 KiB


def config_dir() -> Path:
    return Path(os.environ.get("DEMOTIVATOR_CONFIG_DIR") or user_config_dir(APP_NAME)).expanduser()


def data_dir() -> Path:
    return Path(os.environ.get("DEMOTIVATOR_DATA_DIR") or user_data_dir(APP_NAME)).expanduser()


@dataclass
class ModelSettings:
    generator_dir: str = ""  # "" = the bundled lite generator, when present
    ranker_dir: str = ""  # "": the lite ranker with the lite generator, else likelihood
    illustrator_dir: str = ""  # "" = the lite (non-neural) illustrator
    generator_backend: str = DEFAULT_BACKEND
    ranker_backend: str = DEFAULT_BACKEND
    illustrator_backend: str = DEFAULT_BACKEND
    picture_source: str = "model"  # "model": draw it; "own": the user supplies a picture
    models_dir: str = ""  # "" = <data dir>/models
    # The server backend: which model the server runs ("" = the first it lists) and an API
    # key ("" = $DEMOTIVATOR_API_KEY or none); the key never leaves this file and the header.
    generator_model: str = ""
    generator_api_key: str = field(default="", repr=False)
    gguf_folders: list[str] = field(default_factory=list)  # more places to look for GGUF files


@dataclass
class Settings:
    models: ModelSettings = field(default_factory=ModelSettings)
    generation: GenerationParams = field(default_factory=GenerationParams)
    image: ImageParams = field(default_factory=ImageParams)
    n_candidates: int = 6
    poster_width: int = 1024
    threads: int = 0  # 0 = automatic
    output_dir: str = ""  # "" = <data dir>/posters
    language: str = "ru"
    theme: str = "system"  # the window's colours: "system", "light" or "dark"
    # The first-run offer of the recommended models was answered (installed or «Не
    # сейчас»): it is not shown again; the «Модели» dialog still offers the same set.
    first_run_offer_dismissed: bool = False

    # --- derived paths -------------------------------------------------------------------
    # A hand-written file may say "~/…": expanded here so no folder named "~" appears.
    def models_path(self) -> Path:
        if not self.models.models_dir:
            return data_dir() / "models"
        return Path(self.models.models_dir).expanduser()

    def output_path(self) -> Path:
        return Path(self.output_dir).expanduser() if self.output_dir else data_dir() / "posters"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# Allowed ranges/choices (the settings dialog uses them too); anything outside falls back
# to the default with a warning.
CHOICES: dict[str, tuple] = {
    **{f"models.{role}_backend": backend_names(role) for role in ROLES},
    "models.picture_source": PICTURE_SOURCES,
    "language": ("ru", "en"),
    "theme": ("system", "light", "dark"),
}
RANGES: dict[str, tuple[float, float]] = {
    "generation.temperature": (0.05, 2.0),
    "generation.top_p": (0.05, 1.0),
    "generation.top_k": (0, 1000),
    "generation.repetition_penalty": (1.0, 2.0),
    "generation.max_new_tokens": (4, 256),
    "generation.seed": (0, 2**32 - 1),
    "image.width": (64, 1024),
    "image.height": (64, 1024),
    "image.steps": (1, 100),
    "image.guidance": (0.0, 20.0),
    "image.seed": (0, 2**32 - 1),
    "n_candidates": (1, 16),
    "poster_width": (320, 4096),
    "threads": (0, 256),
}


def validate_value(key: str, value: Any, default: Any) -> Any:
    """``value`` coerced to the type of ``default``; raises ValueError if it does not fit."""
    if value is None:
        if key.endswith(".seed"):
            return None
        raise ValueError(key)
    target = type(default) if default is not None else int
    if target is bool or isinstance(value, bool):
        if not isinstance(value, bool) or target is not bool:
            raise ValueError(key)
    elif target is float and isinstance(value, int | float):
        value = float(value)
    elif not isinstance(value, target):
        raise ValueError(key)
    if key in CHOICES and value not in CHOICES[key]:
        raise ValueError(key)
    if key in RANGES:
        lo, hi = RANGES[key]
        if not lo <= value <= hi:
            raise ValueError(key)
    return value


def _fill(obj: Any, data: dict[str, Any], prefix: str, warnings: list[str]) -> None:
    if not isinstance(data, dict):
        warnings.append(tr("settings.bad_value", key=prefix.rstrip(".") or "/"))
        return
    fields = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in data.items():
        full = prefix + key
        if key not in fields:
            warnings.append(tr("settings.unknown_key", key=full))
            continue
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            _fill(current, value, full + ".", warnings)
            continue
        try:
            setattr(obj, key, validate_value(full, value, current))
        except (ValueError, TypeError):
            warnings.append(tr("settings.bad_value", key=full))


def settings_from_dict(data: Any) -> tuple[Settings, list[str]]:
    settings, warnings = Settings(), []
    _fill(settings, data, "", warnings)
    return settings, warnings


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Settings from ``path`` (default: the config dir) and the warnings met on the way."""
    path = path or config_dir() / SETTINGS_FILE
    if not path.exists():
        return Settings(), []
    try:
        data = _read_settings_json(path)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        backup = path.with_name(path.name + ".corrupt")
        try:
            path.replace(backup)
        except OSError:
            backup = path
        return Settings(), [tr("settings.corrupt", path=str(path), backup=str(backup), err=exc)]
    return settings_from_dict(data)


def _read_settings_json(path: Path) -> Any:
    """The file's JSON; a UTF-8 BOM (Notepad writes one) is allowed. Too big or too deeply
    nested (json recurses once per level) is a ValueError: the file counts as corrupt."""
    with path.open("rb") as f:
        raw = f.read(MAX_SETTINGS_BYTES + 1)
    if len(raw) > MAX_SETTINGS_BYTES:
        raise ValueError(tr("settings.too_big", limit=MAX_SETTINGS_BYTES // 1024))
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ValueError(tr("settings.too_deep")) from None


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Atomically write ``settings`` (a crash mid-write never leaves a half file)."""
    path = path or config_dir() / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_json_file(path, settings.to_dict())
