"""Installing any Hub repo by its id (``owner/name[@revision]``), not only catalogue entries:
the spec parsed, and the files worth fetching chosen from the repo's file list.

A catalogue entry names its files (allow-patterns); a repo the catalogue does not know gets
the files a model folder in Hugging Face layout needs — configs, tokenizer, one set of weights
— and not what would only cost disk (a ``.bin`` copy next to the ``.safetensors``, fp16
variants, every quantized ONNX flavour, a diffusers repo's single-file checkpoint).
Plain functions on names, no network: the worker calls them on the repo's listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatch
from posixpath import basename, dirname

from inference.core.naming import slug_id
from inference.text.model_folders import SINGLE_GRAPHS_WITH_CACHE

# What a model folder in Hugging Face layout is made of (fnmatch: "*" also crosses "/").
MODEL_PATTERNS = (
    "*.json",
    "*.safetensors",
    "*.bin",
    "*.txt",
    "*.model",
    "*.jinja",
    "*.tiktoken",
    "*.onnx",
    "*.onnx_data",
    "*.onnx.data",
    "LICENSE*",
    "NOTICE*",
)
# Training leftovers and originals the loaders never read.
_SKIPPED_PARTS = ("runs", "logs", "original")
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|ema|non_ema)(\.|-)")
_ONNX_FLAVOUR = re.compile(r"_(fp16|q4|q4f16|int8|uint8|bnb4|quantized)\.onnx(_data|\.data)?$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# Folders of a diffusers pipeline we fetch although model_index.json does not list them.
EXTRA_SD_FOLDERS = ("vae_tiny",)


@dataclass(frozen=True)
class RepoSpec:
    repo: str  # owner/name
    revision: str  # "main" unless the user pinned one

    @property
    def store_id(self) -> str:
        """The models-folder id: stable for one repo (so an interrupted install resumes)
        and distinct for two owners' models of the same name."""
        return slug_id(self.repo.replace("/", "--"))


def parse_repo_spec(text: str) -> RepoSpec | None:
    """``owner/name`` or ``owner/name@revision``; None when ``text`` is not a repo id."""
    repo, _, revision = text.strip().partition("@")
    if not _REPO.match(repo) or ".." in repo:
        return None
    return RepoSpec(repo, revision.strip() or "main")


def _weights(name: str) -> bool:
    return name.endswith((".safetensors", ".bin"))


def _skipped(name: str) -> bool:
    parts = name.split("/")
    return any(
        p.startswith(".") or p.startswith("checkpoint-") or p in _SKIPPED_PARTS for p in parts[:-1]
    )


def _prune_folder(names: list[str]) -> list[str]:
    """One folder's files: safetensors over .bin, plain weights over variants, one ONNX
    graph with a KV cache (or the unquantized exports) over the quantized flavours."""
    weights = [n for n in names if _weights(n)]
    plain = [n for n in weights if not _VARIANT.search(basename(n))]
    keep_weights = set(plain or weights)
    if any(n.endswith(".safetensors") for n in keep_weights):
        keep_weights = {n for n in keep_weights if n.endswith(".safetensors")}
    onnx = [n for n in names if ".onnx" in basename(n)]
    # One graph with a KV cache is enough: today's ``model.onnx``, else an older Optimum
    # export's merged decoder (its decoder_model/decoder_with_past_model copies would
    # triple the download); otherwise every unquantized graph (the two-decoder pair).
    graphs = {basename(n) for n in onnx}
    whole = next((g for g in SINGLE_GRAPHS_WITH_CACHE if g in graphs), None)
    if whole is not None:
        keep_onnx = {n for n in onnx if basename(n).startswith(whole)}
    else:
        keep_onnx = {n for n in onnx if not _ONNX_FLAVOUR.search(basename(n))} or set(onnx)
    return [
        n
        for n in names
        if (n in keep_weights if _weights(n) else n in keep_onnx if n in onnx else True)
    ]


def auto_select(names: list[str], sd_components: list[str] | None = None) -> list[str]:
    """The files of a repo to fetch when no catalogue entry says which.

    ``sd_components``: the sub-folders a diffusers ``model_index.json`` names (when the repo
    has one); its other folders and its top-level single-file checkpoints are left out."""
    wanted = [n for n in names if any(fnmatch(n, p) for p in MODEL_PATTERNS) and not _skipped(n)]
    if "model_index.json" in names:
        folders = set(sd_components or ()) | set(EXTRA_SD_FOLDERS)
        wanted = [
            n
            for n in wanted
            if ("/" not in n and not _weights(n) and ".onnx" not in n)
            or (n.split("/")[0] in folders if sd_components else "/" in n)
        ]
    by_folder: dict[str, list[str]] = {}
    for name in wanted:
        by_folder.setdefault(dirname(name), []).append(name)
    kept = {n for group in by_folder.values() for n in _prune_folder(group)}
    if any(_weights(n) for n in kept):  # PyTorch weights are there: no quantized-only ONNX
        kept = {n for n in kept if not _ONNX_FLAVOUR.search(basename(n))}
    return [n for n in names if n in kept]


def looks_like_model(names: list[str]) -> bool:
    """A repo in Hugging Face layout has a config at its top (a text model or a pipeline)."""
    return "config.json" in names or "model_index.json" in names


def sd_components(model_index: dict) -> list[str]:
    """The component folders of a diffusers pipeline (``"unet": ["diffusers", "UNet…"]``)."""
    return [
        key
        for key, value in model_index.items()
        if not key.startswith("_") and isinstance(value, list) and value and value[0]
    ]
