"""The models folder: one sub-folder per installed model in plain Hugging Face layout, each
with a small manifest (:mod:`inference.models.model_manifest`).

Installs never leave a half model where the app looks for models: downloads, imports and
conversions are written to ``<root>/.partial/<id>/`` and moved into place only when complete
(``commit``). Folders the user dropped in by hand (no manifest) are listed as "unmanaged"
and can still be verified structurally and loaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inference.core.errors import Cancelled, ModelError
from inference.core.file_hashes import CHUNK, sha256_file
from inference.core.i18n import tr
from inference.core.naming import slug_id
from inference.core.progress import Progress
from inference.core.registry import backend_names, no_folder_backend
from inference.core.settings import Settings
from inference.models.catalog import ROLES, CatalogEntry
from inference.models.folder_safety import check_pickled_weights, refuse_links_leaving
from inference.models.gguf_store import BACKEND as GGUF_BACKEND
from inference.models.gguf_store import gguf_in, verify_gguf
from inference.models.hub_files import parse_repo_spec
from inference.models.model_checks import (
    check_folder,
    check_safetensors_files,
    guess_role,
    load_check,
)
from inference.models.model_manifest import (
    FileRecord,
    Manifest,
    model_files,
    now_iso,
    read_manifest,
    write_manifest,
)

DOMAIN = "models"
PARTIAL_DIR = ".partial"
STAGE_VERIFY = "verify"
STAGE_IMPORT = "import"
STAGE_LOAD = "load"


@dataclass
class InstalledModel:
    id: str
    path: Path
    role: str
    kind: str = "model"
    manifest: Manifest | None = None

    @property
    def managed(self) -> bool:
        return self.manifest is not None

    @property
    def source_type(self) -> str:
        return self.manifest.source_type if self.manifest else "unmanaged"

    @property
    def size(self) -> int:
        if self.manifest:
            return self.manifest.total_size
        return sum(p.stat().st_size for p in model_files(self.path))

    @property
    def is_onnx(self) -> bool:
        return any(self.path.rglob("*.onnx"))


@dataclass
class VerifyReport:
    model_id: str
    path: Path
    problems: list[str] = field(default_factory=list)  # translated, one line each
    files_checked: int = 0
    hashed: bool = False
    backends: list[str] = field(default_factory=list)
    loaded_with: str = ""  # the backend a real load used, "" when not loaded

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class EntryStatus:
    """What the models folder holds for one catalogue entry (the dialog's status column)."""

    state: str  # "bundled" | "unavailable" | "absent" | "partial" | "installed"
    installed: InstalledModel | None = None
    onnx: InstalledModel | None = None  # a converted ONNX folder made from it
    partial_bytes: int = 0


# Weight quantizations of an ONNX conversion. "auto" lets the exporter pick per role what the
# benchmark found fastest at equal quality (docs/performance.md); int4/int8wo are weight-only
# (MatMulNBits) and only for text models.
QUANTIZATIONS = ("auto", "none", "int8", "int4", "int8wo")


def converted_id(model_id: str, quantize: str = "none") -> str:
    return f"{model_id}-onnx" if quantize in ("", "none") else f"{model_id}-onnx-{quantize}"


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelStore:
        return cls(settings.models_path())

    # --- where things are -------------------------------------------------------------
    def path_for(self, model_id: str) -> Path:
        return self.root / model_id

    def staging_dir(self, model_id: str) -> Path:
        return self.root / PARTIAL_DIR / model_id

    def partial_bytes(self, model_id: str) -> int:
        """Bytes already fetched for an interrupted install (shown as "resume from …")."""
        staging = self.staging_dir(model_id)
        if not staging.is_dir():
            return 0
        return sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())

    def unique_id(self, base: str) -> str:
        candidate, n = slug_id(base), 2
        while self.path_for(candidate).exists() or self.staging_dir(candidate).exists():
            candidate, n = f"{slug_id(base)}-{n}", n + 1
        return candidate

    # --- what is installed ------------------------------------------------------------
    def list(self) -> list[InstalledModel]:
        if not self.root.is_dir():
            return []
        found = []
        for sub in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if sub.name.startswith("."):
                continue
            model = self._describe(sub)
            if model is not None:
                found.append(model)
        return found

    def find(self, model_id: str) -> InstalledModel | None:
        """The installed model ``model_id``: its folder name, or the Hub repo it was
        installed from (``owner/name``), as ``install`` accepts either."""
        if "/" in model_id:
            return self._from_repo(model_id)
        folder = self._folder_id(model_id)
        path = self.path_for(folder) if folder else None
        return self._describe(path) if path is not None and path.is_dir() else None

    def _folder_id(self, model_id: str) -> str | None:
        """The sub-folder ``model_id`` names; None for anything that could point outside the
        store (``..``, a path) or at its bookkeeping (``.partial``)."""
        if "/" in model_id:  # a Hub repo id: what was installed from it, else its staging
            found, spec = self._from_repo(model_id), parse_repo_spec(model_id)
            return found.id if found else spec.store_id if spec else None
        if not model_id or model_id.startswith(".") or "\\" in model_id:
            return None
        return model_id

    def _from_repo(self, repo: str) -> InstalledModel | None:
        wanted = repo.partition("@")[0].lower()
        for model in self.list():
            source = model.manifest.source if model.manifest else {}
            if source.get("type") == "hub" and str(source.get("repo", "")).lower() == wanted:
                return model
        return None

    def get(self, model_id: str) -> InstalledModel:
        model = self.find(model_id)
        if model is None:
            raise ModelError(tr("store.not_installed", DOMAIN, id=model_id, root=str(self.root)))
        return model

    def _describe(self, path: Path) -> InstalledModel | None:
        manifest = read_manifest(path)
        if manifest is not None:
            return InstalledModel(path.name, path, manifest.role, manifest.kind, manifest)
        role = guess_role(path)
        return InstalledModel(path.name, path, role) if role else None

    def status(self, entry: CatalogEntry) -> EntryStatus:
        if entry.is_bundled:
            path = entry.bundled_path()
            if path is None:
                return EntryStatus("unavailable")
            return EntryStatus("bundled", InstalledModel(entry.id, path, entry.role, entry.kind))
        onnx = next(
            (
                m
                for m in self.list()
                if m.manifest
                and m.manifest.source_type == "converted"
                and m.manifest.source.get("from") == entry.id
            ),
            None,
        )
        installed = self.find(entry.id)
        if installed is not None or onnx is not None:  # the PyTorch folder may be gone
            return EntryStatus("installed", installed, onnx)
        partial = self.partial_bytes(entry.id)
        return EntryStatus("partial" if partial else "absent", None, onnx, partial)

    # --- changing the folder ----------------------------------------------------------
    def commit(self, staging: Path, manifest: Manifest) -> InstalledModel:
        """Write ``manifest`` into ``staging`` and move it into place as ``manifest.id``,
        replacing an older install of the same id only once the new one is complete."""
        final = self.path_for(manifest.id)
        manifest.installed_at = manifest.installed_at or now_iso()
        write_manifest(staging, manifest)
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub bookkeeping
        old = None
        if final.exists():
            old = self.root / PARTIAL_DIR / f"{manifest.id}.old"
            shutil.rmtree(old, ignore_errors=True)
            final.replace(old)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging.replace(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return InstalledModel(manifest.id, final, manifest.role, manifest.kind, manifest)

    def remove(self, model_id: str) -> Path:
        """Delete an installed model (and any interrupted download of it); ``model_id`` as
        :meth:`find` takes it. An entry that is a link loses the link only."""
        folder = self._folder_id(model_id)
        if folder is None:
            raise ModelError(tr("store.not_installed", DOMAIN, id=model_id, root=str(self.root)))
        path = self.path_for(folder)
        staging = self.staging_dir(folder)
        if not path.is_dir() and not path.is_symlink() and not staging.is_dir():
            raise ModelError(tr("store.not_installed", DOMAIN, id=model_id, root=str(self.root)))
        try:
            if path.is_symlink():  # an entry the user linked in: the link goes, not its target
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            shutil.rmtree(staging, ignore_errors=True)
        except OSError as exc:
            raise ModelError(tr("store.remove_failed", DOMAIN, path=str(path), err=exc)) from exc
        return path

    def import_folder(
        self,
        src: Path,
        role: str,
        model_id: str | None = None,
        progress: Progress | None = None,
    ) -> InstalledModel:
        """Copy a model the user already has into the store, after checking that it is a
        model for ``role`` (architecture, weights, tokenizer): a clear error otherwise."""
        src = Path(src).expanduser()
        check_folder(src, role)  # a missing folder, a file, the wrong role: said clearly
        refuse_links_leaving(src)  # a link to /etc/shadow is not a weight file to copy
        check_pickled_weights(src)  # .bin weights the loaders would refuse
        check_safetensors_files(src)  # weights cut short by an unfinished copy
        model_id, staging = self.begin_import(src.name, model_id)
        progress = progress or Progress()
        files = model_files(src)
        progress.stage(STAGE_IMPORT, sum(p.stat().st_size for p in files), src.name)
        try:
            records = [_copy_hashed(p, src, staging, progress) for p in files]
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        progress.finish()
        source = {"type": "import", "path": str(src.resolve())}
        return self.commit(staging, Manifest(model_id, role, "model", source, records))

    def begin_import(self, name: str, model_id: str | None) -> tuple[str, Path]:
        """The id for an import (``model_id``, else a free one from ``name``) and its empty
        staging folder; an id already installed is refused."""
        model_id = slug_id(model_id) if model_id else self.unique_id(name)
        if self.path_for(model_id).exists():
            raise ModelError(tr("store.id_taken", DOMAIN, id=model_id))
        staging = self.staging_dir(model_id)
        shutil.rmtree(staging, ignore_errors=True)
        return model_id, staging

    def verify(
        self,
        model_id: str,
        hashes: bool = True,
        load: bool = False,
        progress: Progress | None = None,
    ) -> VerifyReport:
        """Files present with the recorded sizes (and SHA-256 when ``hashes``), the folder
        a valid model of its role, and with ``load`` a real load through the loaders."""
        model = self.get(model_id)
        report = VerifyReport(model.id, model.path)
        if gguf_in(model.path) is not None:  # a GGUF (or a link to one): its own checks
            return self._verify_gguf(model, report, hashes, load, progress or Progress())
        progress = progress or Progress()
        records = model.manifest.files if model.manifest else []
        total = sum(r.size for r in records) if hashes else len(records)
        progress.stage(STAGE_VERIFY, total, model.id)
        for record in records:
            progress.check()
            report.problems += _check_record(model.path, record, hashes, progress)
            report.files_checked += 1
            if not hashes:
                progress.advance()
        report.hashed = hashes and bool(records)
        if not records:  # nothing recorded to compare with: the weights' own headers tell
            try:
                check_safetensors_files(model.path)
            except ModelError as exc:
                report.problems.append(str(exc))
        try:
            report.backends = check_folder(model.path, model.role, model.kind)
            check_pickled_weights(model.path)  # "OK" means the loaders can open it
        except ModelError as exc:
            report.problems.append(str(exc))
        progress.finish()
        if load and report.ok and model.kind == "model":
            progress.stage(STAGE_LOAD, None, model.id)  # seconds, with no steps to count
            try:
                report.loaded_with = load_check(model.path, model.role, report.backends[0])
            except ModelError as exc:
                report.problems.append(str(exc))
            progress.finish()
        return report

    def _verify_gguf(
        self, model: InstalledModel, report: VerifyReport, hashes: bool, load: bool,
        progress: Progress,
    ) -> VerifyReport:  # fmt: skip
        records = model.manifest.files if model.manifest else []
        progress.stage(STAGE_VERIFY, sum(r.size for r in records) if hashes else None, model.id)
        for record in records:
            report.problems += _check_record(model.path, record, hashes, progress)
            report.files_checked += 1
        report.hashed = hashes and any(r.sha256 for r in records)
        progress.finish()
        if not report.problems:
            if load:
                progress.stage(STAGE_LOAD, None, model.id)
            problems, report.loaded_with = verify_gguf(model.path, load)
            report.problems += problems
            report.backends = [GGUF_BACKEND] if not problems else []
            if load:
                progress.finish()
        return report


def record_files(folder: Path, progress: Progress | None = None) -> list[FileRecord]:
    """Size and SHA-256 of every model file under ``folder`` (for a new manifest)."""
    progress = progress or Progress()
    files = model_files(folder)
    progress.stage(STAGE_VERIFY, sum(p.stat().st_size for p in files), folder.name)
    on_bytes = _advance_checking(progress)
    records = [
        FileRecord(p.relative_to(folder).as_posix(), p.stat().st_size, sha256_file(p, on_bytes))
        for p in files
    ]
    progress.finish()
    return records


def _check_record(root: Path, record: FileRecord, hashes: bool, progress: Progress) -> list[str]:
    path = root / record.path
    if not path.is_file():
        return [tr("verify.missing", DOMAIN, file=record.path)]
    size = path.stat().st_size
    if size != record.size:
        return [tr("verify.size", DOMAIN, file=record.path, size=size, expected=record.size)]
    if hashes and record.sha256:
        actual = sha256_file(path, _advance_checking(progress))
        if actual != record.sha256:
            return [tr("verify.hash", DOMAIN, file=record.path)]
    elif hashes:
        progress.advance(record.size)
    return []


def _advance_checking(progress: Progress) -> Callable[[int], None]:
    def on_bytes(n: int) -> None:
        progress.advance(n)
        progress.check()  # cancel within one chunk of a multi-GB file

    return on_bytes


def _copy_hashed(path: Path, src_root: Path, dst_root: Path, progress: Progress) -> FileRecord:
    """Copy one file, hashing it on the way (one read for both)."""
    import hashlib

    rel = path.relative_to(src_root)
    target = dst_root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with path.open("rb") as fin, target.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            fout.write(chunk)
            digest.update(chunk)
            progress.advance(len(chunk))
            if progress.cancelled:
                raise Cancelled()
    shutil.copystat(path, target, follow_symlinks=True)
    return FileRecord(rel.as_posix(), path.stat().st_size, digest.hexdigest())


def _same_path(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def release_roles(settings: Settings, removed: Path) -> list[str]:
    """Point every role that used the folder ``removed`` (or a folder inside it) back at its
    default — the bundled model, or none — and return those roles. What the CLI and the
    window do after ``remove``, so no role is left pointing at a folder that is gone."""
    defaults, gone, released = type(settings.models)(), Path(removed).expanduser(), []
    for role in ROLES:
        chosen = getattr(settings.models, f"{role}_dir")
        if not chosen:
            continue
        path = Path(chosen).expanduser()
        if path == gone or path.is_relative_to(gone) or (path.exists() and _same_path(path, gone)):
            for field_name in (f"{role}_dir", f"{role}_backend"):
                setattr(settings.models, field_name, getattr(defaults, field_name))
            released.append(role)
    return released


def use_model(settings: Settings, model: InstalledModel, backend: str | None = None) -> Settings:
    """Point ``settings`` at ``model`` for its role (the dialog's «использовать»); the backend
    defaults to ONNX when the folder has an export, PyTorch otherwise."""
    if model.kind != "model":
        raise ModelError(tr("store.not_usable", DOMAIN, id=model.id))
    bundled = no_folder_backend(model.role)
    bundled_dir = bundled.resource_dir() if bundled is not None else None
    if bundled_dir is not None and _same_path(model.path, bundled_dir):
        # The emoji illustrator (catalogue entry lite-illustrator) is what an empty folder
        # means; it has no backend, so the one chosen for real picture models stays.
        setattr(settings.models, f"{model.role}_dir", "")
        return settings
    if backend is not None and backend not in backend_names(model.role):
        choices = ", ".join(backend_names(model.role))
        raise ModelError(tr("store.bad_backend", DOMAIN, backend=backend, choices=choices))
    gguf = gguf_in(model.path)
    setattr(settings.models, f"{model.role}_dir", str(gguf or model.path))
    chosen = backend or (GGUF_BACKEND if gguf else "onnx" if model.is_onnx else "torch")
    setattr(settings.models, f"{model.role}_backend", chosen)
    return settings
