"""What the «Модели» dialog lists: one row per catalogue entry worth showing plus every
installed model the catalogue does not name (imports, folders dropped in by hand).

:func:`scan` reads the models folder (manifests, ``*.onnx`` look-ups), so it runs on a
background thread; the rows it returns are plain data the GUI thread only displays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from inference.core.errors import DemotivatorError
from inference.core.registry import ROLES
from inference.core.settings import Settings
from inference.models.catalog import Catalog, CatalogEntry, load_catalog
from inference.models.model_store import InstalledModel, ModelStore

BUNDLED, ABSENT, PARTIAL, INSTALLED = "bundled", "absent", "partial", "installed"


@dataclass(frozen=True)
class ModelRow:
    id: str
    role: str
    kind: str  # model | base | decoder
    state: str  # bundled | absent | partial | installed
    entry: CatalogEntry | None = None  # None: a model the catalogue does not name
    size: int = 0  # bytes to download (catalogue), else bytes on disk
    partial_bytes: int = 0
    onnx: bool = False  # an ONNX version is installed (or the model is ONNX itself)
    source: str = ""  # for models outside the catalogue: import | converted | unmanaged
    origin: str = ""  # where an imported model came from
    use: InstalledModel | None = None  # what «Использовать» points the role at
    paths: tuple[Path, ...] = ()  # every folder this row stands for
    store_ids: tuple[str, ...] = ()  # what «Проверить» / «Удалить» work on

    @property
    def downloadable(self) -> bool:
        return self.entry is not None and self.entry.source == "hub"

    @property
    def usable(self) -> bool:
        return self.kind == "model" and self.use is not None


@dataclass(frozen=True)
class ModelsSnapshot:
    root: Path
    rows: tuple[ModelRow, ...] = ()
    recommended: tuple[str, ...] = ()  # recommended entries not installed yet
    recommended_size: int = 0
    error: str = ""  # the catalogue could not be read (the installed models still show)

    def for_role(self, role: str) -> list[ModelRow]:
        return [r for r in self.rows if r.role == role]

    def find(self, row_id: str) -> ModelRow | None:
        return next((r for r in self.rows if r.id == row_id), None)


def _companion_ids(catalog: Catalog) -> set[str]:
    """Entries installed only inside another one (TAESD): not rows of their own."""
    return {c.id for e in catalog.entries for c in e.companions}


def _catalog_row(catalog: Catalog, entry: CatalogEntry, store: ModelStore) -> ModelRow | None:
    status = store.status(entry)
    if status.state == "unavailable":
        return None  # a lite model this build does not ship
    row = ModelRow(entry.id, entry.role, entry.kind, status.state, entry)
    if status.state == BUNDLED and status.installed is not None:
        model = status.installed
        return replace(row, onnx=model.is_onnx, use=model, paths=(model.path,))
    row = replace(row, size=catalog.download_size(entry))
    if status.state != INSTALLED:
        partial = (entry.id,) if status.partial_bytes else ()  # «Удалить» drops the part
        return replace(row, partial_bytes=status.partial_bytes, store_ids=partial)
    installed = [m for m in (status.onnx, status.installed) if m is not None]
    return replace(
        row,
        onnx=status.onnx is not None,
        use=installed[0],  # the ONNX version when there is one: faster on a CPU
        paths=tuple(m.path for m in installed),
        store_ids=tuple(m.id for m in installed),
    )


def _extra_row(model: InstalledModel) -> ModelRow:
    source = model.manifest.source if model.manifest else {}
    origin = str(source.get("path") or source.get("repo") or "")  # a folder, or a Hub repo
    return ModelRow(
        model.id,
        model.role,
        model.kind,
        INSTALLED,
        size=model.size,
        onnx=model.is_onnx,
        source=model.source_type,
        origin=origin,
        use=model,
        paths=(model.path,),
        store_ids=(model.id,),
    )


def scan(settings: Settings, catalog: Catalog | None = None) -> ModelsSnapshot:
    """The rows for the current settings' models folder (background thread)."""
    store = ModelStore.from_settings(settings)
    error = ""
    try:
        catalog = catalog or load_catalog()
    except DemotivatorError as exc:
        catalog, error = Catalog(()), str(exc)
    rows: list[ModelRow] = []
    hidden = _companion_ids(catalog)
    for entry in catalog.entries:
        row = None if entry.id in hidden else _catalog_row(catalog, entry, store)
        if row is not None:
            rows.append(row)
    shown = {p.resolve() for r in rows for p in r.paths}
    rows += [
        _extra_row(m)
        for m in store.list()
        if m.path.resolve() not in shown and m.role in ROLES and m.id not in hidden
    ]
    wanted = [e for e in catalog.recommended() if store.find(e.id) is None]
    return ModelsSnapshot(
        store.root,
        tuple(sorted(rows, key=lambda r: ROLES.index(r.role))),  # stable: catalogue order
        tuple(e.id for e in wanted),
        sum(catalog.download_size(e) for e in wanted),
        error,
    )


def same_folder(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


def row_in_use(rows: list[ModelRow] | tuple[ModelRow, ...], path: Path | None) -> str:
    """The id of the row whose folder ``path`` is, or "" when no row is."""
    if path is None:
        return ""
    return next((r.id for r in rows if any(same_folder(p, path) for p in r.paths)), "")
