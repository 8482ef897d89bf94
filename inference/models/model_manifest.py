"""The small record kept next to each installed model: where it came from (Hub repo and
commit, a local folder, or a conversion) and every file with its size and SHA-256, so that
``verify`` can tell a complete, intact model from a truncated or corrupted one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inference.core.jsonfiles import read_json_file, write_json_file
from inference.models.remote_names import check_remote_name

MANIFEST_NAME = "demotivator-manifest.json"
MANIFEST_FORMAT = 1
# Library bookkeeping that is not part of the model (huggingface_hub's local-dir metadata).
IGNORED_DIRS = (".cache",)


@dataclass
class FileRecord:
    path: str  # relative, with forward slashes
    size: int
    sha256: str | None = None


@dataclass
class Manifest:
    id: str
    role: str
    kind: str = "model"
    # {"type": "hub", "repo", "revision", "commit", "endpoint"} |
    # {"type": "import", "path"} | {"type": "converted", "from", "quantize", "parity"}
    source: dict[str, Any] = field(default_factory=dict)
    files: list[FileRecord] = field(default_factory=list)
    installed_at: str = ""
    catalog_id: str = ""
    format: int = MANIFEST_FORMAT

    @property
    def source_type(self) -> str:
        return str(self.source.get("type", ""))

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        # A path leading out of the folder makes the manifest unreadable (UnsafeName is a
        # ValueError): verify never reads a file outside the model folder because of it.
        files = [
            FileRecord(check_remote_name(str(f["path"])), int(f["size"]), f.get("sha256"))
            for f in data.get("files", [])
        ]
        return cls(
            id=str(data["id"]),
            role=str(data["role"]),
            kind=str(data.get("kind", "model")),
            source=dict(data.get("source") or {}),
            files=files,
            installed_at=str(data.get("installed_at", "")),
            catalog_id=str(data.get("catalog_id", "")),
            format=int(data.get("format", MANIFEST_FORMAT)),
        )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest in ``folder``; None when there is none or it cannot be read (the folder
    is then treated as unmanaged: usable, but without sizes/hashes to verify against)."""
    data = read_json_file(folder / MANIFEST_NAME)
    if data is None:
        return None
    try:
        return Manifest.from_dict(data)
    except (ValueError, KeyError, TypeError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    return write_json_file(folder / MANIFEST_NAME, manifest.to_dict())


def model_files(folder: Path) -> list[Path]:
    """The model's own files under ``folder`` (not the manifest, not library bookkeeping)."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or rel.parts[0] in IGNORED_DIRS or rel.name == MANIFEST_NAME:
            continue
        found.append(path)
    return found
