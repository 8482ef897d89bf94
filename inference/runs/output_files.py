"""Writing a poster with its companions (raw picture, JSON sidecar) so that two runs saving
into one folder at once, or a run killed mid-write, never leave a broken or mismatched set.

- Every file is first written whole to its own hidden temporary name in the target folder
  (``.<name>.<pid>.<random>.part``) and renamed into place: nobody sees half a file, and no
  run can delete or rename another run's temporary file.
- The final renames of one set happen under an exclusive lock on the folder (POSIX
  ``flock``; the kernel drops it when a process dies, even by kill -9), picture and poster
  first, sidecar last: the last writer of an explicit name wins with a whole, matching set;
  an automatic name is given a free ``-2``, ``-3``… suffix instead of replacing anything.
- Temporary files of processes that no longer exist are removed on the next save into the
  same folder; nothing reads ``*.part`` files.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from inference.core.file_hashes import sha256_file

PART_SUFFIX = ".part"
_PART_NAME = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.part$")
MAX_UNIQUE_TRIES = 10_000


def companion_paths(poster: Path) -> tuple[Path, Path]:
    """(raw picture, sidecar) beside ``poster``: ``x.picture.png`` / ``x.json`` for a PNG
    poster, ``x.jpg.picture.png`` / ``x.jpg.json`` for any other format, so that ``x.jpg``
    and ``x.webp`` in one folder never share (and overwrite) one sidecar."""
    base = poster.stem if poster.suffix == ".png" else poster.name
    return poster.with_name(base + ".picture.png"), poster.with_name(base + ".json")


@dataclass
class PartFile:
    """A temporary file being written; ``commit`` renames it over its target."""

    path: Path
    file: BinaryIO

    def close(self) -> None:
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())  # the rename must not overtake the data on disk
            self.file.close()

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.path.unlink(missing_ok=True)


def new_part(target: Path) -> PartFile:
    """A fresh temporary file for ``target`` in its folder (same file system, so the final
    rename is atomic); created with the usual permissions (0666 less the umask)."""
    for _ in range(100):
        # The target's name cut to 100 bytes: a 250-byte file name must still leave room.
        short = target.name.encode()[:100].decode(errors="ignore")
        name = f".{short}.{os.getpid()}.{secrets.token_hex(4)}{PART_SUFFIX}"
        path = target.with_name(name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return PartFile(path, os.fdopen(fd, "wb"))
    raise FileExistsError(target)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Serialises the final renames of all savers in ``folder``. A lock on the folder itself
    leaves no lock file behind; where flock is missing (Windows) each rename is still
    atomic on its own, but two sets may then interleave."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def clean_stale_parts(folder: Path) -> list[Path]:
    """Remove temporary files left by processes that died (kill -9, power loss); another
    live run's files are kept. Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PART_NAME.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _free(poster: Path) -> bool:
    return not any(p.exists() or p.is_symlink() for p in (poster, *companion_paths(poster)))


def unique_poster_path(wanted: Path) -> Path:
    """``wanted`` if neither it nor its companions exist, else the first free ``-N`` name.
    Call it under :func:`folder_lock` so no other saver takes the name meanwhile."""
    if _free(wanted):
        return wanted
    for n in range(2, MAX_UNIQUE_TRIES):
        candidate = wanted.with_name(f"{wanted.stem}-{n}{wanted.suffix}")
        if _free(candidate):
            return candidate
    raise FileExistsError(wanted)


def save_poster_set(
    poster_path: Path,
    write_poster: Callable[[BinaryIO], None],
    write_picture: Callable[[BinaryIO], None] | None,
    sidecar_bytes: Callable[[Path, Path | None, Path, str], bytes],
    unique: bool,
) -> Path:
    """Write poster, picture and sidecar as one set; returns the poster's final path.

    ``sidecar_bytes(poster, picture, sidecar, poster_sha256)`` is called under the lock
    with the final paths (they are only known there when ``unique`` picks a new name)."""
    folder = poster_path.parent
    parts: list[PartFile] = []
    try:
        poster_part = new_part(poster_path)
        parts.append(poster_part)
        write_poster(poster_part.file)
        poster_part.close()
        sha256 = sha256_file(poster_part.path)
        picture_part = None
        if write_picture is not None:
            picture_part = new_part(companion_paths(poster_path)[0])
            parts.append(picture_part)
            write_picture(picture_part.file)
            picture_part.close()
        with folder_lock(folder):
            clean_stale_parts(folder)
            final = unique_poster_path(poster_path) if unique else poster_path
            picture, sidecar = companion_paths(final)
            sidecar_part = new_part(sidecar)
            parts.append(sidecar_part)
            payload = sidecar_bytes(final, picture if picture_part else None, sidecar, sha256)
            sidecar_part.file.write(payload)
            sidecar_part.close()
            # Picture and poster first, the sidecar last: a sidecar on disk always
            # describes files that are there.
            if picture_part is not None:
                picture_part.path.replace(picture)
            else:
                picture.unlink(missing_ok=True)  # another run's picture must not look ours
            poster_part.path.replace(final)
            sidecar_part.path.replace(sidecar)
        return final
    finally:
        for part in parts:
            part.discard()
