"""Benchmark model specs: the small JSON files under ``bench/configs`` and their suites.

Each file describes one model shape (``role``: generator, ranker or illustrator), where its
numbers come from (``source``) and whether they were checked against public documentation
(``verified``). ``suite.json`` in the same folder says which specs a full or a ``--quick``
run covers and which of them are the app's defaults.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.core.errors import InputError
from inference.core.i18n import tr
from inference.core.registry import ROLES

DOMAIN = "bench"
CONFIGS_DIR = Path(__file__).resolve().parent / "configs"
SUITE_FILE = "suite.json"
# Bumped whenever the way models are built changes (tokenizer corpus, layout): cached
# builds from an older benchmark are then rebuilt instead of silently reused.
BUILD_VERSION = 2


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: str
    data: dict[str, Any] = field(hash=False, compare=False)
    path: Path | None = None

    @property
    def verified(self) -> bool:
        return bool(self.data.get("verified"))

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that shapes the built model changes (cache key)."""
        shape = {k: v for k, v in self.data.items() if k not in ("source", "verified", "reference")}
        blob = json.dumps([BUILD_VERSION, shape], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "reference": self.data.get("reference", ""),
            "verified": self.verified,
            "source": self.data.get("source", ""),
            "config_file": str(self.path) if self.path else "",
        }


@dataclass(frozen=True)
class Suite:
    specs: dict[str, list[ModelSpec]]  # role -> specs, in order
    defaults: dict[str, ModelSpec]  # role -> the app's default model of that role
    sizes: tuple[int, ...] = (256, 512)  # picture sides the illustrator is timed at
    steps: tuple[int, ...] = (1, 4)  # step counts (one above 1 gives the UNet step time)

    def all_specs(self) -> list[ModelSpec]:
        return [spec for role in ROLES for spec in self.specs.get(role, [])]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(tr("bench.bad_config", DOMAIN, path=str(path), err=exc)) from exc
    if not isinstance(data, dict):
        raise InputError(tr("bench.bad_config", DOMAIN, path=str(path), err="not an object"))
    return data


def load_specs(folder: Path) -> dict[str, ModelSpec]:
    """Every model spec in ``folder`` by name."""
    specs: dict[str, ModelSpec] = {}
    for path in sorted(Path(folder).glob("*.json")):
        if path.name == SUITE_FILE:
            continue
        data = _read(path)
        name, role = data.get("name"), data.get("role")
        if not isinstance(name, str) or role not in ROLES:
            raise InputError(tr("bench.bad_config", DOMAIN, path=str(path), err="name/role"))
        specs[name] = ModelSpec(name, role, data, path)
    return specs


def load_suite(folder: Path = CONFIGS_DIR, quick: bool = False) -> Suite:
    folder = Path(folder)
    suite_path = folder / SUITE_FILE
    if not suite_path.is_file():
        raise InputError(tr("bench.no_suite", DOMAIN, path=str(suite_path)))
    entry = _read(suite_path).get("quick" if quick else "full") or {}
    specs = load_specs(folder)

    def pick(name: str) -> ModelSpec:
        if name not in specs:
            raise InputError(tr("bench.unknown_model", DOMAIN, name=name, path=str(folder)))
        return specs[name]

    chosen = {role: [pick(n) for n in entry.get(role, [])] for role in ROLES}
    defaults = {role: pick(n) for role, n in (entry.get("default") or {}).items()}
    sizes = tuple(int(v) for v in entry.get("sizes", Suite.sizes))
    steps = tuple(int(v) for v in entry.get("steps", Suite.steps))
    return Suite(chosen, defaults, sizes, steps)
