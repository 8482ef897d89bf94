"""The lite models' training text: fetched from the package registries, pinned, licences kept.

Every source is a pinned package version, so a rebuild reads exactly the same text:

- Debian ``fortunes-ru`` — ``apt-get download`` + ``dpkg -x`` (no installation, no root);
- PyPI ``pyjokes`` (its Russian jokes) and ``ru-proverbs`` — ``pip download --no-deps``
  and unzip (nothing is installed or imported).

Archives and their unpacked trees live in a cache folder; a second run reuses them. The
SHA-256 of each archive is recorded so the model card can say exactly what was read.
"""

from __future__ import annotations

import ast
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from inference.core.errors import InputError
from inference.core.i18n import tr

DOMAIN = "lite_train"


@dataclass(frozen=True)
class Source:
    name: str  # also the scraper source name the texts are imported under
    registry: str  # "debian" | "pypi"
    package: str
    version: str
    licence: str  # SPDX identifier
    licence_file: str  # inside the unpacked package
    upstream: str
    content: str  # what the lite build reads from it


SOURCES: tuple[Source, ...] = (
    Source(
        name="fortune",
        registry="debian",
        package="fortunes-ru",
        version="1.52-3.1",
        licence="GPL-2.0-or-later",
        licence_file="usr/share/doc/fortunes-ru/copyright",
        upstream="http://jack.kiev.ua/fortune-mod-ru (Debian bookworm package fortunes-ru)",
        content="Russian aphorisms, sayings and jokes (usr/share/games/fortunes/ru/*.u8)",
    ),
    Source(
        name="pyjokes",
        registry="pypi",
        package="pyjokes",
        version="0.8.3",
        licence="BSD-3-Clause",
        licence_file="pyjokes-0.8.3.dist-info/LICENCE.txt",
        upstream="https://pypi.org/project/pyjokes/0.8.3/",
        content="the Russian programmer jokes (pyjokes/jokes_ru.py: neutral, chuck)",
    ),
    Source(
        name="ru-proverbs",
        registry="pypi",
        package="ru-proverbs",
        version="1.1.2",
        licence="Apache-2.0",
        licence_file="LICENSE",
        upstream="https://pypi.org/project/ru-proverbs/1.1.2/",
        content="Russian proverbs (ru_proverbs/ru_proverbs.txt, one a line)",
    ),
)


@dataclass(frozen=True)
class Fetched:
    source: Source
    archive: Path
    root: Path  # the unpacked package
    sha256: str

    @property
    def licence_path(self) -> Path:
        return self.root / self.source.licence_file


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path, hint_key: str) -> None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise InputError(tr(hint_key, DOMAIN, cmd=cmd[0], err=str(exc))) from exc
    if done.returncode != 0:
        err = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise InputError(tr(hint_key, DOMAIN, cmd=" ".join(cmd), err=" | ".join(err)))


def extract_deb(deb: Path, dst: Path) -> None:
    """``dpkg -x``; where dpkg is missing, the same in Python (a .deb is an ``ar`` archive
    holding ``data.tar.*``)."""
    dst.mkdir(parents=True, exist_ok=True)
    if shutil.which("dpkg"):
        _run(["dpkg", "-x", str(deb), str(dst)], dst, "fetch.unpack_failed")
        return
    data = deb.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise InputError(tr("fetch.unpack_failed", DOMAIN, cmd=str(deb), err="not a .deb"))
    pos = 8
    while pos + 60 <= len(data):
        name = data[pos : pos + 16].decode().strip().rstrip("/")
        size = int(data[pos + 48 : pos + 58].decode().strip())
        body = data[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                tar.extractall(dst, filter="data")
            return
        pos += 60 + size + (size % 2)
    raise InputError(tr("fetch.unpack_failed", DOMAIN, cmd=str(deb), err="no data.tar"))


def _fetch_debian(src: Source, folder: Path) -> Path:
    debs = sorted(folder.glob(f"{src.package}_{src.version}_*.deb"))
    if not debs:
        _run(["apt-get", "download", f"{src.package}={src.version}"], folder, "fetch.apt_failed")
        debs = sorted(folder.glob(f"{src.package}_{src.version}_*.deb"))
    if not debs:
        raise InputError(tr("fetch.apt_failed", DOMAIN, cmd=src.package, err="no .deb"))
    return debs[0]


def _fetch_pypi(src: Source, folder: Path) -> Path:
    pattern = f"{src.package.replace('-', '_')}-{src.version}-*.whl"
    wheels = sorted(folder.glob(pattern))
    if not wheels:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--disable-pip-version-check", "-d", str(folder), f"{src.package}=={src.version}"]
        _run(cmd, folder, "fetch.pip_failed")
        wheels = sorted(folder.glob(pattern))
    if not wheels:
        raise InputError(tr("fetch.pip_failed", DOMAIN, cmd=src.package, err="no wheel"))
    return wheels[0]


def fetch(src: Source, cache: Path, local_archive: Path | None = None) -> Fetched:
    """Download (unless cached or given) and unpack one source."""
    folder = Path(cache) / src.package
    folder.mkdir(parents=True, exist_ok=True)
    if local_archive is not None:
        archive = Path(local_archive)
        if not archive.is_file():
            raise InputError(tr("fetch.no_archive", DOMAIN, path=str(archive)))
    elif src.registry == "debian":
        archive = _fetch_debian(src, folder)
    else:
        archive = _fetch_pypi(src, folder)
    root = folder / "unpacked"
    marker = root / ".complete"
    digest = sha256_of(archive)
    if not marker.is_file() or marker.read_text() != digest:
        shutil.rmtree(root, ignore_errors=True)
        if archive.suffix == ".deb":
            extract_deb(archive, root)
        else:
            with zipfile.ZipFile(archive) as whl:
                whl.extractall(root)
        marker.write_text(digest)
    fetched = Fetched(src, archive, root, digest)
    if not fetched.licence_path.is_file():
        raise InputError(tr("fetch.no_licence", DOMAIN, path=str(fetched.licence_path)))
    return fetched


def fetch_all(cache: Path, archives: dict[str, Path] | None = None) -> dict[str, Fetched]:
    """Every source in :data:`SOURCES`, keyed by name; ``archives`` may name local copies
    of the .deb / wheels (for machines without the registries)."""
    archives = archives or {}
    return {s.name: fetch(s, cache, archives.get(s.name)) for s in SOURCES}


# --- reading the texts -------------------------------------------------------------------


def fortune_dir(fetched: Fetched) -> Path:
    return fetched.root / "usr/share/games/fortunes/ru"


def pyjokes_texts(fetched: Fetched) -> list[tuple[str, str]]:
    """``(category, text)`` of the Russian jokes, read with ``ast`` (never imported)."""
    module = ast.parse((fetched.root / "pyjokes/jokes_ru.py").read_text(encoding="utf-8"))
    out = []
    for node in module.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            name = node.targets[0].id if isinstance(node.targets[0], ast.Name) else ""
            out += [(name, t) for t in ast.literal_eval(node.value) if isinstance(t, str)]
    return out


def proverb_texts(fetched: Fetched) -> list[tuple[str, str]]:
    path = fetched.root / "ru_proverbs/ru_proverbs.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [("proverb", line.strip()) for line in lines if line.strip()]
