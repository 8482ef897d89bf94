"""``demotivator models`` — which model each role uses and what lies in the models folder."""

from __future__ import annotations

import json
from pathlib import Path

from inference.cli_common import ArgumentParser, report_user_errors
from inference.i18n import tr
from inference.model_manager import ROLES, ModelManager
from inference.settings import load_settings


def describe_folder(path: Path) -> str:
    """A one-word kind for a model folder, read from its config files only (no loading)."""
    if (path / "model_index.json").is_file():
        return "illustrator"
    config = path / "config.json"
    if not config.is_file():
        return "?"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "?"
    archs = " ".join(data.get("architectures") or [])
    if "CausalLM" in archs:
        return "generator"
    if "SequenceClassification" in archs:
        return "ranker"
    return data.get("model_type", "?")


def list_models() -> int:
    settings, warnings = load_settings()
    for warning in warnings:
        print(tr("cli.warning", message=warning))
    manager = ModelManager(settings)
    print(tr("cli.models.configured"))
    for role in ROLES:
        spec = manager.spec(role)
        where = f"{spec.path} [{spec.backend}]" if spec else tr("cli.models.none")
        print(f"  {tr(f'role.{role}'):<22} {where}")
    folder = settings.models_path()
    print(tr("cli.models.folder", path=str(folder)))
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    for sub in subdirs:
        onnx = " onnx" if any(sub.rglob("*.onnx")) else ""
        print(f"  {sub.name:<30} {describe_folder(sub)}{onnx}")
    if not subdirs:
        print("  " + tr("cli.models.empty"))
    return 0


def main(argv: list[str]) -> int:
    parser = ArgumentParser(prog="demotivator models", description=tr("cli.help.models"))
    parser.add_argument("action", nargs="?", default="list", choices=["list"])
    parser.parse_args(argv)
    return report_user_errors(list_models)
