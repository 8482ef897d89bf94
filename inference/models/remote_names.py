"""The one check every file name a server sends goes through before a path is built from it.

A Hub listing is data from the network: ``tokenizer/../../PWN.txt`` matches a catalogue
pattern like ``tokenizer/*`` (fnmatch's ``*`` crosses ``/``), and huggingface_hub joins it to
the model folder as it is. So names are checked here, once, for every install path (catalogue
entries, any Hub repo, the window's installs, which all run the same worker): relative POSIX
paths of plain parts only, and, where a folder already exists on disk, not through a link
that leads out of it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

# A drive ("C:"), a Windows device name, or anything a file system treats specially.
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_NAME = 1024  # the Hub's own limit on path length is far below this


class UnsafeName(ValueError):
    """A remote file name that could land outside the model folder; ``name`` is as sent."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def check_remote_name(name: object) -> str:
    """``name`` unchanged when it is a safe relative path inside a model folder; raises
    :class:`UnsafeName` for ``..``, absolute paths, drives, backslashes, empty or ``.``
    parts, control characters and over-long names."""
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        raise UnsafeName(repr(name))
    if "\\" in name or "\0" in name or name.startswith("/") or _DRIVE.match(name):
        raise UnsafeName(name)
    if any(unicodedata.category(c) == "Cc" for c in name):  # newlines, escapes
        raise UnsafeName(name.encode("unicode_escape").decode("ascii"))
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise UnsafeName(name)
    if PurePosixPath(name).is_absolute():
        raise UnsafeName(name)
    return name


def safe_target(root: Path, name: str) -> Path:
    """``root / name`` after :func:`check_remote_name`, refused when a link already on disk
    (a folder of a resumed install, say) would take the file outside ``root``."""
    check_remote_name(name)
    base = Path(root).resolve()
    target = (base / name).resolve()  # follows any link on the way, existing or not
    if not target.is_relative_to(base):
        raise UnsafeName(name)
    return base / name
