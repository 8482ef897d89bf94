"""GGUF files in the models folder: ``models import FILE.gguf --role generator`` (copied, or
linked so a multi-GB file from LM Studio or ollama is not stored twice), what ``use`` points
the settings at, and what ``verify`` checks.

An imported GGUF is a store folder like any model (so list, remove and the Models dialog
need nothing new): ``<id>/model.gguf`` (the file or a symlink to it) and the usual manifest,
whose source says where it came from and whether it is a link.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from inference.core.errors import Cancelled, ModelError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.models.gguf_header import NotGguf, describe, read_metadata
from inference.models.model_manifest import FileRecord, Manifest

DOMAIN = "llm"
GGUF_NAME = "model.gguf"
BACKEND = "llamacpp"
ROLE = "generator"  # the only role a GGUF serves here
_CHUNK = 1 << 20


def gguf_in(folder: Path) -> Path | None:
    """The GGUF a store folder holds (a file or a link), or None for other models."""
    path = Path(folder) / GGUF_NAME
    return path if path.is_file() or path.is_symlink() else None


def check_gguf(path: Path) -> dict:
    """Header facts, or a translated ModelError (missing, not a GGUF, cut short)."""
    if not path.is_file():
        raise ModelError(tr("gguf.missing", DOMAIN, path=str(path)))
    try:
        info = describe(read_metadata(path))
    except (NotGguf, OSError, UnicodeDecodeError) as exc:
        raise ModelError(tr("gguf.not_gguf", DOMAIN, path=str(path), err=str(exc))) from exc
    if not info["architecture"]:
        raise ModelError(tr("gguf.not_gguf", DOMAIN, path=str(path), err="no architecture"))
    return info


def _copy(src: Path, dst: Path, progress: Progress) -> str:
    """Copy with SHA-256 on the way; Stop leaves no half file."""
    digest = hashlib.sha256()
    try:
        with src.open("rb") as fin, dst.open("wb") as fout:
            while chunk := fin.read(_CHUNK):
                if progress.cancelled:
                    raise Cancelled()
                digest.update(chunk)
                fout.write(chunk)
                progress.advance(len(chunk))
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def import_gguf(
    store,  # inference.models.model_store.ModelStore (not imported: it imports this module)
    src: Path,
    role: str = ROLE,
    model_id: str | None = None,
    link: bool = False,
    progress: Progress | None = None,
) -> object:
    """Register the GGUF ``src`` as a generator: copied into the store, or ``link``ed."""
    src = Path(src).expanduser().resolve()
    if role != ROLE:
        raise ModelError(tr("gguf.role", DOMAIN, role=role))
    info = check_gguf(src)
    model_id, staging = store.begin_import(src.stem, model_id)
    progress = progress or Progress()
    staging.mkdir(parents=True)
    size = src.stat().st_size
    target = staging / GGUF_NAME
    try:
        if link:
            os.symlink(src, target)
            sha = None  # the file stays the user's; verify checks its size and header
        else:
            progress.stage("import", size, src.name)
            sha = _copy(src, target, progress)
            progress.finish()
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(tr("gguf.import_failed", DOMAIN, path=str(src), err=exc)) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    source = {"type": "import", "path": str(src), "link": link, "format": "gguf"}
    source.update({k: info[k] for k in ("architecture", "quantization")})
    return store.commit(staging, Manifest(model_id, ROLE, "model", source, [
        FileRecord(GGUF_NAME, size, sha)
    ]))  # fmt: skip


def verify_gguf(folder: Path, load: bool) -> tuple[list[str], str]:
    """Problems of a store folder's GGUF (header; with ``load`` a real load and one token
    on llama.cpp) and the backend it loaded with."""
    path = gguf_in(folder)
    if path is None:
        return [tr("gguf.missing", DOMAIN, path=str(Path(folder) / GGUF_NAME))], ""
    try:
        check_gguf(path)
        if load:
            from inference.text.llamacpp_generator import load_llamacpp_generator

            load_llamacpp_generator(path, threads=0).close()
            return [], BACKEND
    except ModelError as exc:
        return [str(exc)], ""
    return [], ""
