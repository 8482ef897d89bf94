"""``demotivator train generator --data DATA_DIR --base MODEL_DIR --out OUT [--lora] …``"""

from __future__ import annotations

import argparse

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


def build_parser() -> ArgumentParser:
    from training.generator_train import DTYPES, GeneratorConfig

    d = GeneratorConfig(data_dir=None, base=None, out=None)  # type: ignore[arg-type]
    p = ArgumentParser(
        prog="demotivator train generator", description=tr("cli.help.generator", DOMAIN)
    )
    add_io_arguments(p)
    p.add_argument("--lora", action="store_true", help=tr("cli.lora", DOMAIN))
    p.add_argument(
        "--lora-r", type=int, default=d.lora_r, metavar="R", help=tr("cli.lora_r", DOMAIN)
    )
    p.add_argument(
        "--lora-alpha",
        type=int,
        default=d.lora_alpha,
        metavar="A",
        help=tr("cli.lora_alpha", DOMAIN),
    )
    p.add_argument(
        "--lora-dropout",
        type=float,
        default=d.lora_dropout,
        metavar="P",
        help=tr("cli.lora_dropout", DOMAIN),
    )
    p.add_argument(
        "--lora-targets",
        default=d.lora_targets,
        metavar="MODULES",
        help=tr("cli.lora_targets", DOMAIN),
    )
    p.add_argument("--dtype", choices=DTYPES, default=d.dtype, help=tr("cli.dtype", DOMAIN))
    add_train_arguments(p, epochs=2.0)
    return p


def main(argv: list[str]) -> int:
    def run(args: argparse.Namespace, progress: Progress) -> None:
        from training.generator_train import GeneratorConfig, train_generator

        cfg = GeneratorConfig(
            data_dir=args.data,
            base=args.base,
            out=args.out,
            lora=args.lora,
            lora_r=args.lora_r,
            lora_alpha=args.lora_alpha,
            lora_dropout=args.lora_dropout,
            lora_targets=args.lora_targets,
            max_length=args.max_length,
            dtype=args.dtype,
            train=train_options(args),
        )
        train_generator(cfg, progress)

    return run_command(argv, build_parser, run)
