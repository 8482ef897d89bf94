"""Installing a catalogue entry — or any Hub repo ``owner/name`` — download it (and its
companions, e.g. TAESD into ``vae_tiny/``) into the store's staging folder, check that the
result is a model of its role, record the manifest and move it into place. Interrupted
installs resume from the staging folder, also after an app restart."""

from __future__ import annotations

import shutil
from pathlib import Path

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.core.settings import Settings
from inference.models.catalog import Catalog, CatalogEntry, Licence, load_catalog
from inference.models.downloader import DownloadOptions, StatusListener, download_repo, hub_endpoint
from inference.models.hub_files import parse_repo_spec
from inference.models.model_checks import check_folder, guess_role
from inference.models.model_manifest import FileRecord, Manifest
from inference.models.model_store import InstalledModel, ModelStore

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
        auto=not entry.allow_patterns,
    )
    if subfolder:
        shutil.rmtree(local_dir / ".cache", ignore_errors=True)
    prefix = f"{subfolder}/" if subfolder else ""
    records = [FileRecord(prefix + f.path, f.size, f.sha256) for f in result.files]
    return result.commit, result.endpoint, records


def resolve(model_id: str, catalog: Catalog, role: str | None = None) -> CatalogEntry:
    """The catalogue entry to install for ``model_id``: a catalogue id, the Hub repo of an
    entry (``Qwen/Qwen2.5-1.5B-Instruct``), or any other Hub repo ``owner/name[@revision]``
    — that one gets an entry of its own, its files chosen by :mod:`inference.models.hub_files`
    and its role (unless given) read from its config once downloaded."""
    entry = catalog.find(model_id)
    if entry is not None:
        return entry
    spec = parse_repo_spec(model_id)
    if spec is None:
        raise ModelError(tr("install.unknown_id", DOMAIN, id=model_id, known=_known(catalog)))
    if "@" not in model_id:
        same = [e for e in catalog.downloadable() if e.repo.lower() == spec.repo.lower()]
        if same:
            return same[0]
    return CatalogEntry(
        id=spec.store_id,
        role=role or "",
        kind="model",
        source="hub",
        licence=Licence("", f"{hub_endpoint()}/{spec.repo}"),
        description={"ru": spec.repo, "en": spec.repo},
        repo=spec.repo,
        revision=spec.revision,
    )


def _known(catalog: Catalog) -> str:
    return ", ".join(e.id for e in catalog.entries if not e.is_bundled)


def _role_of(entry: CatalogEntry, folder: Path) -> tuple[str, str]:
    """The (role, kind) a downloaded repo the catalogue does not name is: the one the user
    gave, else what its config says; a BERT that is no ranker yet is a base to train from."""
    role = entry.role or guess_role(folder)
    if role is None:
        raise ModelError(tr("install.no_role", DOMAIN, repo=entry.repo))
    try:
        check_folder(folder, role, "model")
        return role, "model"
    except ModelError as exc:
        if role != "ranker":
            raise ModelError(tr("install.wrong_model", DOMAIN, repo=entry.repo, err=exc)) from exc
        try:
            check_folder(folder, role, "base")
        except ModelError:
            raise ModelError(tr("install.wrong_model", DOMAIN, repo=entry.repo, err=exc)) from exc
        return role, "base"


def install(
    model_id: str,
    store: ModelStore,
    catalog: Catalog | None = None,
    options: DownloadOptions | None = None,
    progress: Progress | None = None,
    on_status: StatusListener | None = None,
    role: str | None = None,
) -> InstalledModel:
    """Download and install ``model_id`` (see :func:`resolve`); returns the installed model.
    Raises DownloadError (network, gated, disk full, …), ModelError or Cancelled."""
    catalog = catalog or load_catalog()
    entry = resolve(model_id, catalog, role)
    if entry.is_bundled:
        raise ModelError(tr("install.bundled", DOMAIN, id=entry.id))
    in_catalog = catalog.find(entry.id) is entry
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
    if in_catalog:
        role, kind = entry.role, entry.kind
        try:
            check_folder(staging, role, kind)
        except ModelError as exc:
            raise ModelError(tr("install.not_a_model", DOMAIN, id=entry.id, err=str(exc))) from exc
    else:
        try:
            role, kind = _role_of(entry, staging)
        except ModelError:
            shutil.rmtree(staging, ignore_errors=True)  # no row shows it: no hidden leftovers
            raise
    source = {
        "type": "hub",
        "repo": entry.repo,
        "revision": entry.revision,
        "commit": commit,
        "endpoint": endpoint,
        "companions": companions,
    }
    catalog_id = entry.id if in_catalog else ""
    manifest = Manifest(entry.id, role, kind, source, records, catalog_id=catalog_id)
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
