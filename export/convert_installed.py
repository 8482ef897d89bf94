"""Converting an installed model to ONNX: ``<id>`` → ``<id>-onnx`` (or ``<id>-onnx-int4``) in
the same models folder, through :func:`export.cli.export_model`, with its parity report kept
in the new manifest. Lives in export/ because inference/ never imports export/; the CLI and
the GUI pass :func:`convert_installed` to the install job as its conversion step."""

from __future__ import annotations

import shutil

from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.models.model_manifest import Manifest
from inference.models.model_store import (
    QUANTIZATIONS,
    InstalledModel,
    ModelStore,
    converted_id,
    record_files,
)

DOMAIN = "models"


def convert_installed(
    model_id: str,
    store: ModelStore,
    quantize: str = "auto",
    keep_torch: bool = True,
    progress: Progress | None = None,
) -> InstalledModel:
    """Export the installed PyTorch model ``model_id`` to ONNX as a new installed model;
    with ``keep_torch=False`` the PyTorch folder is removed once the export succeeded."""
    from export.cli import export_model

    progress = progress or Progress()
    source = store.get(model_id)
    if source.kind != "model":
        raise ModelError(tr("convert.not_convertible", DOMAIN, id=model_id))
    if source.source_type == "converted":
        raise ModelError(tr("convert.already_onnx", DOMAIN, id=model_id))
    if quantize not in QUANTIZATIONS:
        choices = ", ".join(QUANTIZATIONS)
        raise ModelError(tr("convert.bad_quantize", DOMAIN, q=quantize, choices=choices))
    from export.common import resolve_quantization

    quantize = resolve_quantization(source.role, quantize)
    target = converted_id(model_id, quantize)
    staging = store.staging_dir(target)
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = export_model(source.role, source.path, staging, quantize, progress)
        records = record_files(staging, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # never leave half an export behind
        raise
    manifest = Manifest(
        target,
        source.role,
        "model",
        {"type": "converted", "from": model_id, "quantize": quantize, "parity": report},
        records,
        catalog_id=source.manifest.catalog_id if source.manifest else "",
    )
    installed = store.commit(staging, manifest)
    if not keep_torch:
        store.remove(model_id)
    return installed
