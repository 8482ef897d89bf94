"""Installing a catalogue entry: download it (and its companions, e.g. TAESD into
``vae_tiny/``) into the store's staging folder, check that the result is a model of its role,
record the manifest and move it into place. Interrupted installs resume from the staging
folder, also after an app restart."""

from __future__ import annotations

import shutil

from inference.catalog import Catalog, CatalogEntry, load_catalog
from inference.downloader import DownloadOptions, StatusListener, download_repo
from inference.errors import ModelError
from inference.i18n import tr
from inference.model_checks import check_folder
from inference.model_manifest import FileRecord, Manifest
from inference.model_store import InstalledModel, ModelStore
from inference.progress import Progress
from inference.settings import Settings

DOMAIN = "models"


def _fetch(
    entry: CatalogEntry,
    store: ModelStore,
    subfolder: str,
    staging_id: str,
    options: DownloadOptions | None,
    progress: Progress | None,
    on_status: StatusListener | None,
) -> tuple[str, str, list[FileRecord]]:
    staging = store.staging_dir(staging_id)
    local_dir = staging / subfolder if subfolder else staging
    result = download_repo(
        entry.id,
        entry.repo,
        entry.revision,
        entry.allow_patterns,
        entry.optional_patterns,
        local_dir,
        options,
        progress,
        on_status,
    )
    if subfolder:
        shutil.rmtree(local_dir / ".cache", ignore_errors=True)
    prefix = f"{subfolder}/" if subfolder else ""
    records = [FileRecord(prefix + f.path, f.size, f.sha256) for f in result.files]
    return result.commit, result.endpoint, records


def install(
    model_id: str,
    store: ModelStore,
    catalog: Catalog | None = None,
    options: DownloadOptions | None = None,
    progress: Progress | None = None,
    on_status: StatusListener | None = None,
) -> InstalledModel:
    """Download and install the catalogue entry ``model_id``; returns the installed model.
    Raises DownloadError (network, gated, disk full, …), ModelError or Cancelled."""
    catalog = catalog or load_catalog()
    entry = catalog.get(model_id)
    if entry.is_bundled:
        raise ModelError(tr("install.bundled", DOMAIN, id=entry.id))
    commit, endpoint, records = _fetch(entry, store, "", entry.id, options, progress, on_status)
    companions = []
    for comp in entry.companions:
        part = catalog.get(comp.id)
        part_commit, _, part_records = _fetch(
            part, store, comp.subfolder, entry.id, options, progress, on_status
        )
        records += part_records
        companions.append(
            {"id": part.id, "repo": part.repo, "commit": part_commit, "subfolder": comp.subfolder}
        )
    staging = store.staging_dir(entry.id)
    try:
        check_folder(staging, entry.role, entry.kind)
    except ModelError as exc:
        raise ModelError(tr("install.not_a_model", DOMAIN, id=entry.id, err=str(exc))) from exc
    source = {
        "type": "hub",
        "repo": entry.repo,
        "revision": entry.revision,
        "commit": commit,
        "endpoint": endpoint,
        "companions": companions,
    }
    manifest = Manifest(entry.id, entry.role, entry.kind, source, records, catalog_id=entry.id)
    return store.commit(staging, manifest)


def first_run_offer(
    settings: Settings, store: ModelStore, catalog: Catalog | None = None
) -> list[CatalogEntry]:
    """The recommended models to offer on first run: non-empty only while the user has no
    real model yet (no folder chosen in the settings, nothing in the models folder).
    Total size: ``sum(catalog.download_size(e) for e in offer)``."""
    catalog = catalog or load_catalog()
    models = settings.models
    if models.generator_dir or models.illustrator_dir or store.list():
        return []
    return [e for e in catalog.recommended() if store.find(e.id) is None]
