"""Exported folders get ordinary file modes.

ONNX writes external data files (``model.onnx_data``: the weights of a large or weight-only
quantized graph) with mode 0600, while every other file of the folder gets the usual 0644:
another user of the machine (or a backup running as one) could read the graph but not its
weights. The folder is given one mode per the user's umask once the export is done.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def _umask() -> int:
    try:  # Linux says it without changing it (os.umask would, briefly, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def match_umask(folder: Path) -> None:
    """Every regular file under ``folder`` as a plainly written file would be (0644)."""
    mode = 0o666 & ~_umask()
    for path in Path(folder).rglob("*"):
        plain = path.is_file() and not path.is_symlink()
        if plain and stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
