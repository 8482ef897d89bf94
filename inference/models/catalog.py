"""The model catalogue: the real models the app recommends per role (``resources/catalog.json``).

Data, not code: each entry names a Hugging Face repo at a pinned revision, the files to fetch
(``allow_patterns``), an approximate size, the licence and a one-line description, or a
bundled lite model under ``resources/``. Loading validates every entry, so a slip in the JSON
is reported with the entry and field at fault instead of failing half-way through a download.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import DEFAULT_LANGUAGE, current_language, tr
from inference.core.registry import ROLES
from resources import resource_path

DOMAIN = "models"
# model: runs in its role as is; base: a starting point for training (not usable as is);
# decoder: a part that goes into another model's folder (TAESD into an illustrator).
KINDS = ("model", "base", "decoder")
SOURCES = ("hub", "bundled")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    # False: the licence forbids commercial use; its name must then say so, because the name
    # is all the models list and dialog show (checked on load).
    commercial: bool = True


@dataclass(frozen=True)
class Companion:
    """Another catalogue entry installed into a sub-folder of this one (TAESD → vae_tiny/)."""

    id: str
    subfolder: str


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    role: str
    kind: str
    source: str
    licence: Licence
    description: dict[str, str]
    size_bytes: int = 0
    repo: str = ""
    revision: str = ""
    allow_patterns: tuple[str, ...] = ()
    optional_patterns: tuple[str, ...] = ()
    companions: tuple[Companion, ...] = ()
    path: str = ""  # bundled models: relative to resources/
    default: bool = False
    verified: bool = False
    note: str = ""

    @property
    def is_bundled(self) -> bool:
        return self.source == "bundled"

    @property
    def patterns(self) -> tuple[str, ...]:
        return self.allow_patterns + self.optional_patterns

    def text(self, language: str | None = None) -> str:
        """The one-line description in ``language`` (default: the current UI language)."""
        lang = language or current_language()
        return self.description.get(lang) or self.description.get(DEFAULT_LANGUAGE, "")

    def bundled_path(self) -> Path | None:
        """Where a bundled model lives, if this build ships it."""
        if not self.is_bundled:
            return None
        path = resource_path(*Path(self.path).parts)
        return path if path.is_dir() else None


@dataclass(frozen=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]
    path: Path = field(default_factory=lambda: resource_path("catalog.json"))

    def get(self, model_id: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.id == model_id:
                return entry
        known = ", ".join(e.id for e in self.entries if not e.is_bundled)
        raise ModelError(tr("catalog.unknown_id", DOMAIN, id=model_id, known=known))

    def find(self, model_id: str) -> CatalogEntry | None:
        return next((e for e in self.entries if e.id == model_id), None)

    def for_role(self, role: str) -> list[CatalogEntry]:
        return [e for e in self.entries if e.role == role]

    def downloadable(self) -> list[CatalogEntry]:
        return [e for e in self.entries if e.source == "hub"]

    def recommended(self) -> list[CatalogEntry]:
        """The first-run set: the default model of each role (installing one also installs
        its companions; :meth:`download_size` counts them)."""
        return [e for e in self.entries if e.default and e.source == "hub"]

    def download_size(self, entry: CatalogEntry) -> int:
        """Approximate bytes to fetch for ``entry`` including its companions."""
        return entry.size_bytes + sum(self.get(c.id).size_bytes for c in entry.companions)


class CatalogError(ModelError):
    """The catalogue file itself is broken (a packaging bug, not a user mistake)."""


def _fail(path: Path, where: str, problem: str) -> CatalogError:
    return CatalogError(tr("catalog.invalid", DOMAIN, path=str(path), where=where, problem=problem))


def _strings(value: Any, path: Path, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, where, "a list of non-empty strings")
    return tuple(value)


def _entry(raw: Any, path: Path, index: int) -> CatalogEntry:
    if not isinstance(raw, dict):
        raise _fail(path, f"models[{index}]", "an object")
    where = f"models[{index}] ({raw.get('id', '?')})"
    model_id, role = raw.get("id"), raw.get("role")
    kind, source = raw.get("kind", "model"), raw.get("source")
    if not isinstance(model_id, str) or not _ID.match(model_id):
        raise _fail(path, where, "id: lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise _fail(path, where, f"role: one of {', '.join(ROLES)}")
    if kind not in KINDS:
        raise _fail(path, where, f"kind: one of {', '.join(KINDS)}")
    if source not in SOURCES:
        raise _fail(path, where, f"source: one of {', '.join(SOURCES)}")
    licence = raw.get("licence")
    if not isinstance(licence, dict) or not isinstance(licence.get("name"), str):
        raise _fail(path, where, "licence: {name, url}")
    commercial = licence.get("commercial", True)
    if not isinstance(commercial, bool):
        raise _fail(path, where, "licence.commercial: true or false")
    if not commercial and "non-commercial" not in licence["name"].lower():
        raise _fail(path, where, "licence.name: say '(non-commercial)' plainly")
    description = raw.get("description")
    if not isinstance(description, dict) or not all(
        isinstance(description.get(lang), str) and description[lang] for lang in ("ru", "en")
    ):
        raise _fail(path, where, "description: {ru, en}")
    size = raw.get("size_bytes", 0)
    if not isinstance(size, int) or size < 0:
        raise _fail(path, where, "size_bytes: a non-negative integer")
    companions = []
    for comp in raw.get("companions", []):
        if not isinstance(comp, dict) or not comp.get("id") or not comp.get("subfolder"):
            raise _fail(path, where, "companions: [{id, subfolder}]")
        companions.append(Companion(str(comp["id"]), str(comp["subfolder"])))
    entry = CatalogEntry(
        id=model_id,
        role=role,
        kind=kind,
        source=source,
        licence=Licence(licence["name"], str(licence.get("url", "")), commercial),
        description={k: str(v) for k, v in description.items()},
        size_bytes=size,
        repo=str(raw.get("repo", "")),
        revision=str(raw.get("revision", "")),
        allow_patterns=_strings(raw.get("allow_patterns", []), path, where + " allow_patterns"),
        optional_patterns=_strings(
            raw.get("optional_patterns", []), path, where + " optional_patterns"
        ),
        companions=tuple(companions),
        path=str(raw.get("path", "")),
        default=bool(raw.get("default", False)),
        verified=bool(raw.get("verified", False)),
        note=str(raw.get("note", "")),
    )
    if source == "hub":
        if entry.repo.count("/") != 1:
            raise _fail(path, where, "repo: owner/name")
        if not _COMMIT.match(entry.revision):
            # A branch name would let the download change under the user's feet.
            raise _fail(path, where, "revision: a full 40-hex commit hash")
        if not entry.allow_patterns:
            raise _fail(path, where, "allow_patterns: at least one pattern")
    elif not entry.path:
        raise _fail(path, where, "path: the folder under resources/")
    return entry


def parse_catalog(data: Any, path: Path) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise _fail(path, "/", "an object with a 'models' list")
    entries = tuple(_entry(raw, path, i) for i, raw in enumerate(data["models"]))
    ids = [e.id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _fail(path, "models", f"duplicate ids: {', '.join(dupes)}")
    catalog = Catalog(entries, path)
    for entry in entries:
        for comp in entry.companions:
            if catalog.find(comp.id) is None:
                raise _fail(path, entry.id, f"companion '{comp.id}' is not in the catalogue")
    for role in ROLES:
        defaults = [e.id for e in catalog.for_role(role) if e.default]
        if len(defaults) > 1:
            raise _fail(path, role, f"more than one default: {', '.join(defaults)}")
    return catalog


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalogue at ``path``, else ``$DEMOTIVATOR_CATALOG`` (a mirror's or a test
    server's catalogue), else the one shipped in resources/; validated."""
    override = path or os.environ.get("DEMOTIVATOR_CATALOG")
    if not override:
        return _shipped()
    return _read(Path(override))


@cache
def _shipped() -> Catalog:
    return _read(resource_path("catalog.json"))


def _read(path: Path) -> Catalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, "/", f"readable JSON ({exc})") from exc
    return parse_catalog(data, path)
