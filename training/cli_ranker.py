"""``demotivator train ranker --data DATA_DIR --base MODEL_DIR --out OUT
[--target zscore|approval|day_percentile] [--objective mse|pairwise] …``"""

from __future__ import annotations

import argparse
import sys

from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.terminal.cli_common import ArgumentParser
from training.cli_args import (
    DOMAIN,
    add_io_arguments,
    add_train_arguments,
    run_command,
    train_options,
)
from training.targets import TARGETS

EXIT_NOT_LEARNED = 3  # trained and saved, but no better than the constant on held-out data


def build_parser() -> ArgumentParser:
    from training.ranker_train import OBJECTIVES, PAIRWISE_LOSSES, RankerConfig

    d = RankerConfig(data_dir=None, base=None, out=None)  # type: ignore[arg-type]
    p = ArgumentParser(prog="demotivator train ranker", description=tr("cli.help.ranker", DOMAIN))
    add_io_arguments(p)
    p.add_argument("--target", choices=TARGETS, default=d.target, help=tr("cli.target", DOMAIN))
    p.add_argument(
        "--objective", choices=OBJECTIVES, default=d.objective, help=tr("cli.objective", DOMAIN)
    )
    p.add_argument(
        "--pairwise-loss",
        choices=PAIRWISE_LOSSES,
        default=d.pairwise_loss,
        help=tr("cli.pairwise_loss", DOMAIN),
    )
    p.add_argument("--margin", type=float, default=d.margin, help=tr("cli.margin", DOMAIN))
    add_train_arguments(p, epochs=3.0)
    return p


def main(argv: list[str]) -> int:
    def run(args: argparse.Namespace, progress: Progress) -> int:
        from training.ranker_train import RankerConfig, train_ranker

        cfg = RankerConfig(
            data_dir=args.data,
            base=args.base,
            out=args.out,
            target=args.target,
            objective=args.objective,
            pairwise_loss=args.pairwise_loss,
            margin=args.margin,
            max_length=args.max_length,
            train=train_options(args),
        )
        metrics = train_ranker(cfg, progress)
        if metrics["verdict"]["learned"]:
            return 0
        # the folder and metrics.json are written (to look at), but a script must not take
        # this model for a ranker: the summary above said why
        print(tr("ranker.not_learned_exit", DOMAIN, out=str(args.out)), file=sys.stderr)
        return EXIT_NOT_LEARNED

    return run_command(argv, build_parser, run)
