"""Architecture rules: Qt only in desktop_app/, imports flow one way, start-up stays light.

Checked twice: in the source (every import statement, those inside functions too, and
``importlib.import_module("...")`` calls) and at run time (each package imported in a clean
interpreter, then ``sys.modules`` read), so an import hidden behind a string or a plugin
hook is seen as well."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inference", "export", "scraper", "training", "resources", "bench", "demotivator")
OURS = (*PACKAGES, "desktop_app")
QT = ("PySide6", "shiboken6")
ABOVE_THE_CORE = ("export", "training", "scraper", "bench", "desktop_app", "demotivator")
# The command line sits on top of every package; nothing but it (and tests) imports it.
FRONT_DOOR = "demotivator"


def imported_modules(path: Path, with_names: bool = False) -> set[str]:
    """Modules ``path`` imports anywhere in it; ``with_names``: ``from a import b`` also
    counts as ``a.b`` (b may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if with_names:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def files_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offenders(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for package in packages:
        for path in files_of(package):
            for name in imported_modules(path):
                if name.split(".")[0] in forbidden:
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_only_desktop_app_imports_qt():
    assert offenders(PACKAGES, ("PySide6", "desktop_app", "shiboken6")) == []


def test_inference_never_imports_export_or_training():
    assert offenders(("inference",), ABOVE_THE_CORE) == []


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for package in OURS for p in files_of(package)}

    def ours(name: str) -> str | None:  # the module of ours ``name`` is, or lies in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    return {
        name: {m for d in imported_modules(path, with_names=True) if (m := ours(d)) != name}
        - {None}
        for name, path in modules.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_circles():
    """Not even through imports inside functions, which only hide a circle."""
    assert circles(import_graph()) == []


def test_circle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]] and circles({"a": {"b"}, "b": set()}) == []


def test_the_core_names_no_package_above_it():
    """A module name in a string is an import waiting to happen (importlib, plugin
    tables): inside inference/ none may name a package above the core."""
    pattern = re.compile(rf"(?:{'|'.join(ABOVE_THE_CORE)})(?:\.\w+)+")
    found = set()
    for path in files_of("inference"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and pattern.fullmatch(text):
                found.add(str(path.relative_to(ROOT)))
    assert found == set()


def test_only_the_entry_points_import_the_command_line():
    """demotivator/ dispatches to the packages; none of them reaches back up into it."""
    below = tuple(p for p in PACKAGES if p != FRONT_DOOR) + ("desktop_app",)
    assert offenders(below, (FRONT_DOOR,)) == []


def modules_of(package: str) -> list[str]:
    return [m for p in files_of(package) if not (m := module_name(p)).endswith("__main__")]


def loaded_packages(modules: list[str]) -> set[str]:
    """Top-level packages in ``sys.modules`` after importing ``modules`` in a fresh process."""
    code = (
        "import importlib, json, sys\n"
        "for name in json.loads(sys.argv[1]): importlib.import_module(name)\n"
        "print(json.dumps(sorted({n.partition('.')[0] for n in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize("package", PACKAGES)
def test_what_each_package_loads_at_run_time(package):
    forbidden = (*QT, "desktop_app") + (ABOVE_THE_CORE if package == "inference" else ())
    loaded = loaded_packages(modules_of(package))
    assert package in loaded
    assert sorted(loaded & set(forbidden)) == []


def test_scanner_sees_real_imports(tmp_path):
    # The contract above is only worth something if the scanner finds imports at all.
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom PySide6.QtWidgets import QLabel\nfrom . import x\n")
    assert imported_modules(sample) == {"os", "PySide6.QtWidgets"}


def test_cli_and_pipeline_import_without_heavy_libraries():
    """`demotivator make --help` and the GUI start must not pay for torch & co."""
    code = (
        "import sys, demotivator.cli, demotivator.make;"
        "import inference.runs.pipeline, inference.core.registry;"
        "heavy = [m for m in ('torch', 'transformers', 'diffusers', 'onnxruntime', 'PySide6')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_importing_inference_sets_passive_omp_wait():
    code = "import os, inference; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "PASSIVE"
