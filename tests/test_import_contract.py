"""Architecture rules: Qt only in desktop_app/, imports flow one way, start-up stays light."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inference", "export", "scraper", "training", "resources")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
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
    assert offenders(("inference",), ("export", "training", "scraper")) == []


def test_scanner_sees_real_imports(tmp_path):
    # The contract above is only worth something if the scanner finds imports at all.
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom PySide6.QtWidgets import QLabel\nfrom . import x\n")
    assert imported_modules(sample) == {"os", "PySide6.QtWidgets"}


def test_cli_and_pipeline_import_without_heavy_libraries():
    """`demotivator make --help` and the GUI start must not pay for torch & co."""
    code = (
        "import sys, inference.cli, inference.cli_make, inference.pipeline;"
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
