"""Is this folder a model for that role? Answered from its JSON files only (milliseconds, no
heavy imports), with the same rules the loaders apply, so an import or an install that passes
here also loads. A "real load" check is separate (``load_check``) because it takes seconds.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from inference.core import registry
from inference.core.errors import DemotivatorError, ModelError
from inference.core.i18n import tr
from inference.core.jsonfiles import read_json_file
from inference.core.registry import ROLES
from inference.models.model_manifest import model_files

DOMAIN = "models"


def _roles_text() -> str:
    return ", ".join(tr(f"role.{r}") for r in ROLES)


def check_folder(path: Path, role: str, kind: str = "model") -> list[str]:
    """The backends ``path`` can run on (``onnx`` first) as a model of ``role``; raises a
    translated ModelError that says what is wrong otherwise.

    ``kind`` "base" (a checkpoint to train a ranker from) needs only config, weights and a
    tokenizer; "decoder" (TAESD) needs an ``AutoencoderTiny`` config and weights.
    """
    path = Path(path)
    if path.is_file():
        raise ModelError(tr("store.is_file", DOMAIN, path=str(path)))
    if not path.is_dir():
        raise ModelError(tr("store.not_a_folder", DOMAIN, path=str(path)))
    if kind == "decoder":
        return _check_decoder(path)
    other = guess_role(path)
    if kind == "model" and other is not None and other != role and role in ROLES:
        # Say what the folder is, not only what it lacks for the role asked for.
        names = {"role": tr(f"role.{role}"), "other": tr(f"role.{other}")}
        raise ModelError(tr("store.other_role", DOMAIN, path=str(path), other_id=other, **names))
    if role == "illustrator":
        from inference.image.illustrator_folders import inspect_sd_folder, require_usable

        info = inspect_sd_folder(path)
        require_usable(info)
        return info.backends()
    from inference.text.model_folders import inspect_folder, require_weights_and_tokenizer

    text_info = inspect_folder(path)
    if kind == "base":
        require_weights_and_tokenizer(text_info)
        return text_info.backends()
    if role == "generator":
        # The loaders' own checks: one rule for import, install and load.
        from inference.text.generator import check_generator_folder

        check_generator_folder(text_info)
    elif role == "ranker":
        from inference.text.ranker import check_ranker_folder

        check_ranker_folder(text_info)
    else:
        raise ModelError(tr("store.bad_role", DOMAIN, role=role, roles=_roles_text()))
    return text_info.backends()


def check_safetensors_files(path: Path) -> None:
    """Every ``*.safetensors`` under ``path`` whole: its header readable and the file as long
    as the header says. Why: a folder the user brings (import) or one with no recorded sizes
    may hold a copy cut short, which passes the JSON checks above and would only fail at the
    first poster; reading the headers costs milliseconds even for gigabytes of weights.
    (Hub downloads are checked against the server's sizes and hashes instead.)"""
    for file in model_files(path):
        if file.suffix != ".safetensors":
            continue
        expected = _safetensors_length(file)
        size = file.stat().st_size
        if expected is None:
            raise ModelError(tr("store.weights_garbled", DOMAIN, file=str(file)))
        if size != expected:
            raise ModelError(
                tr("store.weights_cut", DOMAIN, file=str(file), size=size, expected=expected)
            )


def _safetensors_length(file: Path) -> int | None:
    """The file length a safetensors header promises (8 + header + data); None if the header
    is unreadable. Format: u64 little-endian header size, a JSON object of tensors whose
    ``data_offsets`` [begin, end] index the data block after the header."""
    try:
        with file.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                return None
            (n,) = struct.unpack("<Q", head)
            if n > 100_000_000:  # the library's own header cap: not a real header
                return None
            raw = fh.read(n)
            if len(raw) < n:  # cut inside the header: at least that much was promised
                return 8 + n
            header = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict):
        return None
    ends = [0]
    for name, info in header.items():
        if name == "__metadata__":
            continue
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and isinstance(offsets[1], int)):
            return None
        ends.append(offsets[1])
    return 8 + n + max(ends)


def _check_decoder(path: Path) -> list[str]:
    config = read_json_file(path / "config.json")
    if config is None or config.get("_class_name") != "AutoencoderTiny":
        raise ModelError(tr("store.not_decoder", DOMAIN, path=str(path)))
    backends = []
    if any(path.glob("*.onnx")):
        backends.append("onnx")
    if any(path.glob("*.safetensors")) or any(path.glob("*.bin")):
        backends.append("torch")
    if not backends:
        raise ModelError(tr("store.no_weights", DOMAIN, path=str(path)))
    return backends


def guess_role(path: Path) -> str | None:
    """The role a folder looks like, from its config files; None when it is no model."""
    if (path / "model_index.json").is_file():
        return "illustrator"
    config = read_json_file(path / "config.json")
    if config is None:
        return None
    archs = " ".join(config.get("architectures") or [])
    if "CausalLM" in archs:
        return "generator"
    if "SequenceClassification" in archs or "Bert" in archs:
        return "ranker"
    if config.get("_class_name") == "AutoencoderTiny":
        return "illustrator"
    return None


def load_check(path: Path, role: str, backend: str | None = None) -> str:
    """Really load the model (seconds; imports torch/onnxruntime) and return the backend used.
    Raises the loader's own translated error when the weights are unusable."""
    model: Any = None
    try:
        kwargs = {"backend": backend} if backend else {}
        load = registry.backend(role, backend or registry.DEFAULT_BACKEND).load_function()
        model = load(path, **kwargs)
        return str(getattr(model, "backend", backend or ""))
    except DemotivatorError:
        raise
    except Exception as exc:  # a library failure on broken weights: still the user's folder
        detail = str(exc)[:300]
        raise ModelError(tr("store.load_failed", DOMAIN, path=str(path), err=detail)) from exc
    finally:
        close = getattr(model, "close", None)
        if callable(close):
            close()
