"""Streaming file hashes: SHA-256 (what the Hub records for LFS files, and what our manifests
record for every file) and the git blob SHA-1 (the Hub's id for small, non-LFS files)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 8 * 1024 * 1024  # large reads: hashing a 3 GB safetensors file is disk-bound

OnBytes = Callable[[int], None]


def sha256_file(path: Path, on_bytes: OnBytes | None = None) -> str:
    """Hex SHA-256 of ``path``; ``on_bytes(n)`` after each chunk (progress, cancel checks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest()


def git_blob_sha1(path: Path) -> str:
    """The git object id of ``path``'s content (``sha1("blob <size>\\0" + content)``)."""
    path = Path(path)
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
