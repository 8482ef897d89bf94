"""``demotivator train ranker-from-anekdot [--jokes N] [--work DIR] [--base ID|DIR] …``:
scrape → prepare → train → install, resumable step by step (see training/ranker_flow.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors
from inference.terminal.cli_progress import StderrProgressBars
from training.cli_args import _positive_int, add_train_arguments, train_options
from training.cli_ranker import EXIT_NOT_LEARNED

if TYPE_CHECKING:
    from training.ranker_flow import FlowConfig

DOMAIN = "ranker_flow"


def default_work_dir() -> Path:
    from inference.core.settings import data_dir

    return data_dir() / "training" / "ranker-from-anekdot"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date", DOMAIN, value=value)) from None


def _label(stage: str) -> str:
    from inference.terminal.cli_progress import stage_label

    key = f"step.{stage}"
    text = tr(key, DOMAIN)
    return stage_label(stage) if text == key else text  # e.g. the installer's download


def build_parser() -> ArgumentParser:
    from training.ranker_flow import FlowConfig

    d = FlowConfig(work=Path())
    p = ArgumentParser(
        prog="demotivator train ranker-from-anekdot", description=tr("cli.help", DOMAIN)
    )
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        metavar="DIR",
        help=tr("cli.work", DOMAIN, path=str(default_work_dir())),
    )
    p.add_argument(
        "--jokes", type=_positive_int, default=d.jokes, metavar="N", help=tr("cli.jokes", DOMAIN)
    )
    p.add_argument(
        "--to",
        dest="last_day",
        type=_day,
        default=d.last_day,
        metavar="YYYY-MM-DD",
        help=tr("cli.to", DOMAIN),
    )
    p.add_argument(
        "--stride-days",
        type=_positive_int,
        default=d.stride_days,
        metavar="N",
        help=tr("cli.stride", DOMAIN),
    )
    p.add_argument("--base", default=d.base, metavar="ID|DIR", help=tr("cli.base", DOMAIN))
    p.add_argument("--name", default=d.name, metavar="ID", help=tr("cli.name", DOMAIN, name=d.name))
    p.add_argument("--base-url", default=None, metavar="URL", help=tr("cli.base_url", DOMAIN))
    p.add_argument("--delay", type=float, default=None, metavar="S", help=tr("cli.delay", DOMAIN))
    p.add_argument("--hub-endpoint", default=None, metavar="URL", help=tr("cli.hub", DOMAIN))
    p.add_argument(
        "--max-length",
        type=_positive_int,
        default=d.max_length,
        metavar="TOKENS",
        help=tr("cli.max_length", DOMAIN),
    )
    p.add_argument("--no-use", action="store_true", help=tr("cli.no_use", DOMAIN))
    add_train_arguments(p, epochs=3.0)
    return p


def config_from_args(args: argparse.Namespace) -> FlowConfig:
    from training.ranker_flow import FlowConfig

    return FlowConfig(
        work=(args.work or default_work_dir()).expanduser(),
        base=args.base,
        jokes=args.jokes,
        last_day=args.last_day,
        stride_days=args.stride_days,
        base_url=args.base_url,
        delay_s=args.delay,
        hub_endpoint=args.hub_endpoint,
        max_length=args.max_length,
        name=args.name,
        use=not args.no_use,
        train=train_options(args),
    )


def main(argv: list[str]) -> int:
    from training.ranker_flow import Flow, NotLearned

    def body() -> int:
        args = build_parser().parse_args(argv)
        cfg = config_from_args(args)
        bars = StderrProgressBars(enabled=not args.quiet, label=_label)
        progress = Progress(bars)
        try:
            with cancel_on_sigint(progress):
                Flow(cfg, progress).run()
        except NotLearned as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_NOT_LEARNED
        finally:
            bars.close()
        return 0

    return report_user_errors(body)
