"""Small JSON files (settings, manifests, model configs, reports): tolerant reading and
atomic writing, one way everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json_file(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file is missing, unreadable, not UTF-8,
    not JSON, or holds something other than an object. Callers treat all of these as "no
    such file" and say what is missing in their own words."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def write_json_file(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as indented UTF-8 JSON through a temporary file renamed over ``path``,
    so that a crash mid-write leaves the old file or the new one, never half of one. The
    temporary name is unique per writer (two processes saving the settings at once must
    not rename or delete each other's file); debris of killed writers is cleaned here."""
    from inference.runs.output_files import clean_stale_parts, new_part

    part = new_part(path)
    try:
        part.file.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
        part.close()
        part.path.replace(path)
    finally:
        part.discard()
    clean_stale_parts(path.parent)
    return path
