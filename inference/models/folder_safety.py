"""Checks on a model folder that come from outside (an import, a store entry): links that
lead out of it, and PyTorch pickle weights the app would refuse to open.

Links: ``models import`` copies files; a link in the folder to ``/etc/shadow`` would be copied
into the store as if it were a weight file. Links that stay inside the folder are fine (the
copy holds the file's content).

Pickle weights: transformers and diffusers open ``*.bin`` with ``torch.load(weights_only=True)``,
which refuses any pickle holding more than tensors (and never runs its code), so such a file
passes every size and hash check and still does not load. The same load, with the file
memory-mapped so no tensor is read, tells ``verify`` the truth without loading the model.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.models.model_manifest import model_files

DOMAIN = "models"
# The weight files the loaders read when a folder has no safetensors next to them:
# pytorch_model.bin, pytorch_model-00001-of-00002.bin, diffusion_pytorch_model.bin.
PICKLE_WEIGHTS = "*pytorch_model*.bin"


def links_leaving(folder: Path) -> list[tuple[Path, Path]]:
    """(link, where it leads) for every link under ``folder`` whose target is outside it."""
    root = Path(folder).resolve()
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                found.append((path, target))
    return found


def refuse_links_leaving(folder: Path) -> None:
    """One translated line naming the first link that leads out of ``folder``."""
    leaving = links_leaving(folder)
    if leaving:
        link, target = leaving[0]
        rel = link.relative_to(folder).as_posix()
        raise ModelError(
            tr("import.link_outside", DOMAIN, link=rel, target=str(target), count=len(leaving))
        )


def loaded_pickles(folder: Path) -> list[Path]:
    """The ``.bin`` weights the loaders would open: those with no safetensors beside them."""
    files = model_files(folder)
    with_safetensors = {p.parent for p in files if p.suffix == ".safetensors"}
    return [p for p in files if p.match(PICKLE_WEIGHTS) and p.parent not in with_safetensors]


def check_pickled_weights(folder: Path) -> None:
    """Raise a translated ModelError for the first ``.bin`` the app could not open."""
    pickles = loaded_pickles(folder)
    if not pickles:
        return
    import torch  # only for folders that hold such files: seconds, once

    for path in pickles:
        mmap = zipfile.is_zipfile(path)  # as transformers does: only zip archives map
        try:
            torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
        except Exception as exc:  # UnpicklingError, RuntimeError, EOFError…: not loadable
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            rel = path.relative_to(folder).as_posix()
            raise ModelError(tr("verify.pickle", DOMAIN, file=rel, err=detail)) from None
