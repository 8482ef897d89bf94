"""The history of finished posters, kept under ``data_dir()/history`` (Qt-free).

Each entry is what :meth:`Result.save` writes — ``<stem>.png`` (the poster),
``<stem>.picture.png`` (the raw picture, for re-editing) and ``<stem>.json`` (the sidecar) —
plus a small ``<stem>.thumb.png`` for the history panel. An entry loads back into a
:class:`Result` that can be re-composed, re-saved and copied without any model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from inference.core.errors import OutputError
from inference.core.i18n import tr
from inference.core.jsonfiles import read_json_file
from inference.core.naming import slug
from inference.core.params import GenerationParams, ImageParams, PosterStyle
from inference.core.settings import data_dir
from inference.runs.result import ModelInfo, Result, candidate_from_dict

THUMB_SIZE = (160, 200)  # fits the history panel's icons with HiDPI headroom
_PICTURE, _THUMB, _SIDECAR = ".picture.png", ".thumb.png", ".json"


def history_dir() -> Path:
    return data_dir() / "history"


@dataclass(frozen=True)
class HistoryEntry:
    id: str  # the file stem, unique within the folder
    folder: Path
    created: str
    title: str
    prompt: str
    subtitle: str = ""  # the ending, so entries of one beginning can be told apart

    @property
    def poster_path(self) -> Path:
        return self.folder / f"{self.id}.png"

    @property
    def picture_path(self) -> Path:
        return self.folder / f"{self.id}{_PICTURE}"

    @property
    def sidecar_path(self) -> Path:
        return self.folder / f"{self.id}{_SIDECAR}"

    @property
    def thumbnail_path(self) -> Path:
        return self.folder / f"{self.id}{_THUMB}"

    def files(self) -> list[Path]:
        paths = (self.poster_path, self.picture_path, self.sidecar_path, self.thumbnail_path)
        return [p for p in paths if p.exists()]


class History:
    def __init__(self, folder: Path | None = None) -> None:
        self._folder = Path(folder) if folder is not None else None

    @property
    def folder(self) -> Path:
        """The history folder (the data dir is read late so tests can redirect it)."""
        return self._folder if self._folder is not None else history_dir()

    # --- writing -------------------------------------------------------------------------
    def add(self, result: Result) -> HistoryEntry:
        """Store a finished poster as a new entry; the result itself is left untouched."""
        folder = self.folder
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        base = f"{stamp}_{slug(result.title or result.prompt, 32)}".rstrip("_")
        stem, n = base, 1
        while (folder / f"{stem}{_SIDECAR}").exists() or (folder / f"{stem}.png").exists():
            n += 1
            stem = f"{base}-{n}"
        return self.update(stem, result)

    def update(self, entry_id: str, result: Result) -> HistoryEntry:
        """(Re)write entry ``entry_id`` from ``result`` (e.g. after the captions changed)."""
        path = self.folder / f"{entry_id}.png"
        snapshot = dataclasses.replace(result, outputs={})  # save() records its own paths
        snapshot.save(path, "PNG")
        _write_thumbnail(result.poster, self.folder / f"{entry_id}{_THUMB}")
        return self._entry(entry_id, snapshot.to_json_dict())

    def delete(self, entry: HistoryEntry | str) -> None:
        entry_id = entry.id if isinstance(entry, HistoryEntry) else entry
        for suffix in (".png", _PICTURE, _SIDECAR, _THUMB):
            (self.folder / f"{entry_id}{suffix}").unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- reading -------------------------------------------------------------------------
    def entries(self, limit: int | None = None) -> list[HistoryEntry]:
        """Entries newest first; a sidecar without its poster or unreadable JSON is skipped."""
        folder = self.folder
        if not folder.is_dir():
            return []
        found: list[HistoryEntry] = []
        for sidecar in folder.glob(f"*{_SIDECAR}"):
            entry_id = sidecar.name[: -len(_SIDECAR)]
            if not (folder / f"{entry_id}.png").is_file():
                continue
            data = read_json_file(sidecar)
            if data is None:
                continue
            found.append(self._entry(entry_id, data))
        found.sort(key=lambda e: (e.created, e.id), reverse=True)
        found = found[:limit] if limit is not None else found
        for entry in found:
            if not entry.thumbnail_path.exists():
                _thumbnail_from_file(entry.poster_path, entry.thumbnail_path)
        return found

    def get(self, entry_id: str) -> HistoryEntry | None:
        data = read_json_file(self.folder / f"{entry_id}{_SIDECAR}")
        if data is None or not (self.folder / f"{entry_id}.png").is_file():
            return None
        return self._entry(entry_id, data)

    def load(self, entry: HistoryEntry | str) -> Result:
        """The entry as a Result: poster, picture (when kept) and every recorded field."""
        entry_id = entry.id if isinstance(entry, HistoryEntry) else entry
        folder = self.folder
        data = read_json_file(folder / f"{entry_id}{_SIDECAR}")
        if data is None:
            raise OutputError(tr("history.unreadable", "history", path=str(folder / entry_id)))
        result = result_from_sidecar(data)
        result.poster = _open_image(folder / f"{entry_id}.png")
        if result.poster is None:
            raise OutputError(tr("history.unreadable", "history", path=str(folder / entry_id)))
        result.picture = _open_image(folder / f"{entry_id}{_PICTURE}")
        return result

    def _entry(self, entry_id: str, data: dict[str, Any]) -> HistoryEntry:
        return HistoryEntry(
            id=entry_id,
            folder=self.folder,
            created=str(data.get("created", "")),
            title=str(data.get("title", "")),
            prompt=str(data.get("prompt", "")),
            subtitle=str(data.get("subtitle", "")),
        )


def result_from_sidecar(data: dict[str, Any]) -> Result:
    """A Result from a sidecar dict (images not included); unknown keys are ignored."""
    result = Result(
        prompt=str(data.get("prompt", "")),
        generation=_dataclass_from(GenerationParams, data.get("generation")),
        image_params=_dataclass_from(ImageParams, data.get("image")),
        style=_style_from(data.get("style")),
        candidates=[candidate_from_dict(c) for c in data.get("candidates") or []],
        chosen_index=int(data.get("chosen_index") or 0),
        ranking=str(data.get("ranking", "")),
        visual_prompt=str(data.get("visual_prompt", "")),
        picture_source=str(data.get("picture_source", "")),
        title=str(data.get("title", "")),
        subtitle=str(data.get("subtitle", "")),
        models=[_dataclass_from(ModelInfo, m) for m in data.get("models") or []],
        timings={str(k): float(v) for k, v in (data.get("timings") or {}).items()},
        warnings=[str(w) for w in data.get("warnings") or []],
        outputs={str(k): str(v) for k, v in (data.get("outputs") or {}).items()},
    )
    if data.get("created"):
        result.created = str(data["created"])
    return result


def _dataclass_from(cls: type, data: Any) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in (data or {}).items() if k in known}
    try:
        return cls(**values)
    except TypeError:  # a required field missing (ModelInfo): keep what can be kept
        return cls(**{"role": "", "name": "", "backend": "", **values})


def _style_from(data: Any) -> PosterStyle:
    style = _dataclass_from(PosterStyle, data)
    # JSON turns tuples into lists; the composer expects tuples (colours, line ranges).
    for f in dataclasses.fields(style):
        value = getattr(style, f.name)
        if isinstance(value, list):
            setattr(style, f.name, tuple(value))
    return style


def _open_image(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, ValueError):
        return None


def _write_thumbnail(poster: Image.Image | None, path: Path) -> None:
    if poster is None:
        return
    thumb = poster.convert("RGB")
    thumb.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    thumb.save(path, "PNG")


def _thumbnail_from_file(poster_path: Path, path: Path) -> None:
    # A read-only history folder: the panel falls back to the poster itself.
    with contextlib.suppress(OSError):
        _write_thumbnail(_open_image(poster_path), path)
