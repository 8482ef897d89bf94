"""``demotivator train lite [options]``: rebuild the bundled lite generator and ranker.

demotivator train lite                         # everything, into resources/models
demotivator train lite --steps generator,generator-eval --work /tmp/lite
demotivator train lite --from export           # after training elsewhere (a GPU box)
demotivator train lite --set generator.epochs=0.2 --out /tmp/bundle   # a quick trial
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from inference.core.i18n import tr
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors
from training.lite.build import EXTRA_STEPS, ORDER, STEPS, Build, clean_work
from training.lite.paths import default_out_dir, default_work_dir
from training.lite.recipe import Recipe

DOMAIN = "lite_train"


def _steps(value: str) -> list[str]:
    steps = [s.strip() for s in value.split(",") if s.strip()]
    if value == "all":
        return list(STEPS)
    known = STEPS + EXTRA_STEPS
    bad = [s for s in steps if s not in known]
    if not steps or bad:
        raise argparse.ArgumentTypeError(
            tr("cli.bad_steps", DOMAIN, value=value, choices=",".join(known))
        )
    return sorted(steps, key=ORDER.index)


def _archive(value: str) -> tuple[str, Path]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(tr("cli.bad_archive", DOMAIN, value=value))
    return name, Path(path)


def apply_overrides(recipe: Recipe, items: list[str]) -> Recipe:
    """``generator.epochs=0.2``-style edits; each value takes the type of the field."""
    for item in items:
        key, sep, raw = item.partition("=")
        part, _, name = key.partition(".")
        section = getattr(recipe, part, None) if sep else None
        if section is None or not dataclasses.is_dataclass(section) or not hasattr(section, name):
            raise argparse.ArgumentTypeError(tr("cli.bad_set", DOMAIN, value=item))
        kind = type(getattr(section, name))
        try:
            value = kind(raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(tr("cli.bad_set", DOMAIN, value=item)) from exc
        recipe = dataclasses.replace(
            recipe, **{part: dataclasses.replace(section, **{name: value})}
        )
    return recipe


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="demotivator train lite", description=tr("cli.help", DOMAIN))
    p.add_argument("--work", type=Path, default=None, help=tr("cli.work", DOMAIN))
    p.add_argument("--out", type=Path, default=None, help=tr("cli.out", DOMAIN))
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--steps",
        type=_steps,
        default=None,
        metavar="LIST",
        help=tr("cli.steps", DOMAIN, choices=",".join(STEPS + EXTRA_STEPS)),
    )
    which.add_argument(
        "--from", dest="first", choices=STEPS, default=None, help=tr("cli.from", DOMAIN)
    )
    p.add_argument("--clean", action="store_true", help=tr("cli.clean", DOMAIN))
    p.add_argument(
        "--archive",
        type=_archive,
        action="append",
        default=[],
        metavar="NAME=PATH",
        help=tr("cli.archive", DOMAIN),
    )
    p.add_argument("--compare-quantization", action="store_true", help=tr("cli.compare", DOMAIN))
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help=tr("cli.set", DOMAIN),
    )
    p.add_argument("--threads", type=int, default=0, help=tr("cli.threads", DOMAIN))
    p.add_argument("--quiet", action="store_true", help=tr("cli.quiet", DOMAIN))
    return p


def main(argv: list[str]) -> int:
    def body() -> int:
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            recipe = apply_overrides(Recipe(), args.overrides)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
        steps = args.steps or list(STEPS[STEPS.index(args.first) :] if args.first else STEPS)
        build = Build(
            work=(args.work or default_work_dir()).expanduser(),
            out=(args.out or default_out_dir()).expanduser(),
            recipe=recipe,
            threads=args.threads,
            show_progress=not args.quiet,
            archives=dict(args.archive),
            compare_quantization=args.compare_quantization,
        )
        if args.clean:
            clean_work(build.work)
        with cancel_on_sigint(build.progress):
            build.run(steps)
        # only the export step writes models to --out; earlier steps leave work files only
        key = "cli.done" if "export" in steps else "cli.done_steps"
        print(tr(key, DOMAIN, out=str(build.out), work=str(build.work), steps=",".join(steps)))
        return 0

    return report_user_errors(body)
