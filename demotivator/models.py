"""``demotivator models`` — the catalogue, the models folder, and what each role uses.

    demotivator models [list] [--json]
    demotivator models install ID|OWNER/NAME[@REV] [--onnx] [--role R]
                               [--quantize auto|none|int8|int4|int8wo] [--remove-torch]
    demotivator models convert ID [--quantize auto|…] [--remove-torch]
    demotivator models import DIR --role generator|ranker|illustrator [--id ID]
    demotivator models verify [ID] [--quick] [--load] [--json]
    demotivator models remove ID
    demotivator models use ID [--backend onnx|torch]

Conversion lives in export/, which inference/ never imports: the command is started by
``demotivator.models_command``, which hands the conversion step in (``main(argv, converter)``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from demotivator.models_progress import DownloadBar, StageBars
from inference.core.errors import ModelError
from inference.core.human_units import format_bytes
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.core.registry import ROLES, backend_names
from inference.core.settings import Settings, load_settings, save_settings
from inference.models.catalog import load_catalog
from inference.models.downloader import DownloadOptions
from inference.models.installer import install
from inference.models.model_manager import ModelManager
from inference.models.model_store import (
    QUANTIZATIONS,
    InstalledModel,
    ModelStore,
    release_roles,
    use_model,
)
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors

DOMAIN = "models"
EXIT_PROBLEMS = 1


def _settings() -> Settings:
    settings, warnings = load_settings()
    for warning in warnings:
        print(tr("cli.warning", message=warning), file=sys.stderr)
    return settings


def _state_text(state: str, onnx: bool, partial: int) -> str:
    text = tr(f"state.{state}", DOMAIN)
    if state == "partial":
        text = tr("state.partial_bytes", DOMAIN, size=format_bytes(partial))
    return text + (", " + tr("state.onnx", DOMAIN) if onnx else "")


def list_models(as_json: bool) -> int:
    settings = _settings()
    manager, store = ModelManager(settings), ModelStore.from_settings(settings)
    catalog = load_catalog()
    configured = {}
    for role in ROLES:
        spec = manager.spec(role)
        configured[role] = {"path": str(spec.path), "backend": spec.backend} if spec else None
    rows = []
    for entry in catalog.entries:
        status = store.status(entry)
        rows.append(
            {
                "id": entry.id,
                "role": entry.role,
                "kind": entry.kind,
                "repo": entry.repo,
                "size_bytes": catalog.download_size(entry),
                "state": status.state,
                "onnx": status.onnx.id if status.onnx else None,
                "partial_bytes": status.partial_bytes,
                "licence": entry.licence.name,
                "licence_url": entry.licence.url,
                "default": entry.default,
                "verified": entry.verified,
                "description": entry.text(),
            }
        )
    installed = [_installed_dict(m) for m in store.list()]
    if as_json:
        out = {
            "configured": configured,
            "models_dir": str(store.root),
            "catalog": rows,
            "installed": installed,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(tr("cli.models.configured"))
    for role, conf in configured.items():
        where = f"{conf['path']} [{conf['backend']}]" if conf else tr("cli.models.none")
        print(f"  {tr(f'role.{role}'):<22} {where}")
    print(tr("list.catalog", DOMAIN))
    for row in rows:
        size = format_bytes(row["size_bytes"]) if row["size_bytes"] else "—"
        star = " ★" if row["default"] else ""
        state = _state_text(row["state"], bool(row["onnx"]), row["partial_bytes"])
        role = tr("role." + row["role"])
        print(f"  {row['id']:<24} {role:<18} {size:>9}  {state}{star}")
        print(f"  {'':<24} {row['description']}")
        if row["licence_url"]:
            licence = f"{row['licence']} — {row['licence_url']}"
            print(f"  {'':<24} {tr('list.licence', DOMAIN)}: {licence}")
    print(tr("cli.models.folder", path=str(store.root)))
    for m in installed:
        role, source = tr("role." + str(m["role"])), tr("source." + m["source"], DOMAIN)
        if m["repo"] and not m["catalog_id"]:  # installed by its Hub id, not from the catalogue
            source = tr("source.hub_repo", DOMAIN, repo=m["repo"])
        print(f"  {m['id']:<30} {role:<18} {format_bytes(m['size_bytes']):>9}  {source}")
    if not installed:
        print("  " + tr("cli.models.empty"))
    return 0


def _installed_dict(model: InstalledModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "role": model.role,
        "kind": model.kind,
        "path": str(model.path),
        "source": model.source_type,
        "repo": str(model.manifest.source.get("repo", "")) if model.manifest else "",
        "catalog_id": model.manifest.catalog_id if model.manifest else "",
        "size_bytes": model.size,
        "onnx": model.is_onnx,
    }


# Gives the conversion step (imported only when a command converts).
ConverterFactory = Callable[[], Callable[..., InstalledModel]]


def _converter(args: Any) -> Callable[..., InstalledModel]:
    factory: ConverterFactory | None = getattr(args, "converter", None)
    if factory is None:
        raise ModelError(tr("cli.no_export", DOMAIN))
    return factory()


def _run_with_bars(quiet: bool, body: Callable[[Progress, DownloadBar], Any]) -> Any:
    bars, download_bar = StageBars(not quiet), DownloadBar(not quiet)
    progress = Progress(bars)
    try:
        with cancel_on_sigint(progress):
            return body(progress, download_bar)
    finally:
        download_bar.close()
        bars.close()


def install_model(args: Any) -> int:
    settings = _settings()
    store, catalog = ModelStore.from_settings(settings), load_catalog()
    convert = _converter(args) if args.onnx else None
    options = DownloadOptions(endpoint=args.endpoint)

    def body(progress: Progress, bar: DownloadBar) -> InstalledModel:
        model = install(args.id, store, catalog, options, progress, bar, role=args.role)
        bar.close()
        print(tr("cli.installed", DOMAIN, id=model.id, path=str(model.path)), file=sys.stderr)
        if convert is not None:
            model = convert(model.id, store, args.quantize, not args.remove_torch, progress)
            print(tr("cli.converted", DOMAIN, id=model.id, path=str(model.path)), file=sys.stderr)
        return model

    model = _run_with_bars(args.quiet, body)
    print(model.path)
    return 0


def convert_model(args: Any) -> int:
    store = ModelStore.from_settings(_settings())
    convert = _converter(args)
    model = _run_with_bars(
        args.quiet, lambda p, _: convert(args.id, store, args.quantize, not args.remove_torch, p)
    )
    print(tr("cli.converted", DOMAIN, id=model.id, path=str(model.path)), file=sys.stderr)
    print(model.path)
    return 0


def import_model(args: Any) -> int:
    store = ModelStore.from_settings(_settings())
    if Path(args.dir).expanduser().is_file():  # a GGUF: copied, or linked with --link
        from inference.models.gguf_store import import_gguf

        def body(p: Progress, _: Any) -> Any:
            return import_gguf(store, args.dir, args.role, args.id, args.link, p)
    else:

        def body(p: Progress, _: Any) -> Any:
            return store.import_folder(args.dir, args.role, args.id, p)

    model = _run_with_bars(args.quiet, body)
    print(tr("cli.imported", DOMAIN, id=model.id, path=str(model.path)), file=sys.stderr)
    print(model.path)
    return 0


def verify_models(args: Any) -> int:
    store = ModelStore.from_settings(_settings())
    ids = [args.id] if args.id else [m.id for m in store.list()]
    if not ids:
        print(tr("cli.nothing_installed", DOMAIN, root=str(store.root)), file=sys.stderr)
        return 0
    reports = [
        _run_with_bars(args.quiet, lambda p, _, i=i: store.verify(i, not args.quick, args.load, p))
        for i in ids
    ]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.model_id,
                        "ok": r.ok,
                        "problems": r.problems,
                        "files_checked": r.files_checked,
                        "hashed": r.hashed,
                        "backends": r.backends,
                        "loaded_with": r.loaded_with,
                    }
                    for r in reports
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    for r in reports:
        if r.ok:
            key = "verify.ok_loaded" if r.loaded_with else "verify.ok"
            line = tr(key, DOMAIN, id=r.model_id, files=r.files_checked, backend=r.loaded_with)
            print(line, file=sys.stderr if args.json else sys.stdout)
        else:
            print(tr("verify.failed", DOMAIN, id=r.model_id), file=sys.stderr)
            for problem in r.problems:
                print(f"  - {problem}", file=sys.stderr)
    return 0 if all(r.ok for r in reports) else EXIT_PROBLEMS


def remove_model(args: Any) -> int:
    settings = _settings()
    store = ModelStore.from_settings(settings)
    found = store.find(args.id)
    link = found.path if found is not None and found.path.is_symlink() else None
    target = link.resolve() if link is not None else None
    path = store.remove(args.id)
    if target is not None:  # only the link went; say that its folder is still there
        print(tr("cli.removed_link", DOMAIN, id=args.id, path=str(path), target=str(target)))
    else:
        print(tr("cli.removed", DOMAIN, id=args.id, path=str(path)))
    released = release_roles(settings, path)
    if released:  # no role may point at a folder that is gone
        save_settings(settings)
        for role in released:
            print(tr("cli.role_reset", DOMAIN, id=args.id, role=tr(f"role.{role}")))
    return 0


def _chosen(store: ModelStore, model_id: str) -> tuple[InstalledModel, bool]:
    """(the model, whether it is bundled): an installed model, or a bundled catalogue entry
    (lite-generator, …) as the folder the app ships; "not installed" otherwise."""
    if store.find(model_id) is None:
        entry = load_catalog().find(model_id)
        bundled = store.status(entry).installed if entry and entry.is_bundled else None
        if bundled is not None:
            return bundled, True
    return store.get(model_id), False


def use_installed(args: Any) -> int:
    settings = _settings()
    model, bundled = _chosen(ModelStore.from_settings(settings), args.id)
    use_model(settings, model, args.backend)
    if bundled:  # "" means the bundled model, also after an app update moves it
        setattr(settings.models, f"{model.role}_dir", "")
    save_settings(settings)
    print(tr("cli.using", DOMAIN, id=model.id, role=tr(f"role.{model.role}"), path=str(model.path)))
    return 0


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="demotivator models", description=tr("cli.help.models"))
    sub = p.add_subparsers(dest="action", parser_class=ArgumentParser)
    lst = sub.add_parser("list", help=tr("cli.help.list", DOMAIN))
    lst.add_argument("--json", action="store_true", help=tr("cli.opt.json", DOMAIN))
    for name in ("install", "convert"):
        sp = sub.add_parser(name, help=tr(f"cli.help.{name}", DOMAIN))
        id_help = "cli.opt.install_id" if name == "install" else "cli.opt.id"
        sp.add_argument("id", help=tr(id_help, DOMAIN))
        sp.add_argument(
            "--quantize",
            choices=QUANTIZATIONS,
            default="auto",
            help=tr("cli.opt.quantize", DOMAIN),
        )
        sp.add_argument(
            "--remove-torch", action="store_true", help=tr("cli.opt.remove_torch", DOMAIN)
        )
        sp.add_argument("--quiet", action="store_true", help=tr("cli.make.quiet"))
        if name == "install":
            sp.add_argument("--onnx", action="store_true", help=tr("cli.opt.onnx", DOMAIN))
            sp.add_argument("--endpoint", default=None, help=tr("cli.opt.endpoint", DOMAIN))
            sp.add_argument(
                "--role", choices=ROLES, default=None, help=tr("cli.opt.install_role", DOMAIN)
            )
    imp = sub.add_parser("import", help=tr("cli.help.import", DOMAIN))
    imp.add_argument("dir", type=Path, help=tr("cli.opt.dir", DOMAIN))
    imp.add_argument("--role", choices=ROLES, required=True, help=tr("cli.opt.role", DOMAIN))
    imp.add_argument("--id", default=None, help=tr("cli.opt.new_id", DOMAIN))
    imp.add_argument("--link", action="store_true", help=tr("cli.opt.link", "llm"))
    imp.add_argument("--quiet", action="store_true", help=tr("cli.make.quiet"))
    ver = sub.add_parser("verify", help=tr("cli.help.verify", DOMAIN))
    ver.add_argument("id", nargs="?", help=tr("cli.opt.id", DOMAIN))
    ver.add_argument("--quick", action="store_true", help=tr("cli.opt.quick", DOMAIN))
    ver.add_argument("--load", action="store_true", help=tr("cli.opt.load", DOMAIN))
    ver.add_argument("--json", action="store_true", help=tr("cli.opt.json", DOMAIN))
    ver.add_argument("--quiet", action="store_true", help=tr("cli.make.quiet"))
    rem = sub.add_parser("remove", help=tr("cli.help.remove", DOMAIN))
    rem.add_argument("id", help=tr("cli.opt.id", DOMAIN))
    use = sub.add_parser("use", help=tr("cli.help.use", DOMAIN))
    use.add_argument("id", help=tr("cli.opt.id", DOMAIN))
    use.add_argument(
        "--backend", choices=backend_names(), default=None, help=tr("cli.opt.backend", DOMAIN)
    )
    return p


ACTIONS: dict[str, Callable[[Any], int]] = {
    "install": install_model,
    "convert": convert_model,
    "import": import_model,
    "verify": verify_models,
    "remove": remove_model,
    "use": use_installed,
}


def main(argv: list[str], converter: ConverterFactory | None = None) -> int:
    """``converter``: where the ONNX conversion comes from (export/ passes it in)."""
    args = _parser().parse_args(argv)
    args.converter = converter
    if args.action in (None, "list"):
        return report_user_errors(lambda: list_models(getattr(args, "json", False)))
    return report_user_errors(lambda: ACTIONS[args.action](args))
