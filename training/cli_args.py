"""Command-line options shared by ``train generator`` and ``train ranker``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.terminal.cli_common import cancel_on_sigint, report_user_errors
from training.trainer_common import TrainOptions

DOMAIN = "training"


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number <= 0:
        raise argparse.ArgumentTypeError(tr("cli.not_positive", DOMAIN, value=value))
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(tr("cli.not_positive", DOMAIN, value=value))
    return number


def add_io_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", type=Path, required=True, metavar="DATA_DIR", help=tr("cli.data", DOMAIN)
    )
    p.add_argument(
        "--base", type=Path, required=True, metavar="MODEL_DIR", help=tr("cli.base", DOMAIN)
    )
    p.add_argument("--out", type=Path, required=True, metavar="OUT", help=tr("cli.out", DOMAIN))
    p.add_argument(
        "--max-length",
        type=_positive_int,
        default=256,
        metavar="TOKENS",
        help=tr("cli.max_length", DOMAIN),
    )


def add_train_arguments(p: argparse.ArgumentParser, epochs: float) -> None:
    d = TrainOptions()
    p.add_argument(
        "--epochs", type=_positive_float, default=epochs, metavar="E", help=tr("cli.epochs", DOMAIN)
    )
    p.add_argument(
        "--max-steps",
        type=_positive_int,
        default=None,
        metavar="N",
        help=tr("cli.max_steps", DOMAIN),
    )
    p.add_argument(
        "--lr", type=_positive_float, default=None, metavar="LR", help=tr("cli.lr", DOMAIN)
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=d.batch_size,
        metavar="B",
        help=tr("cli.batch_size", DOMAIN),
    )
    p.add_argument(
        "--eval-batch-size",
        type=_positive_int,
        default=d.eval_batch_size,
        metavar="B",
        help=tr("cli.eval_batch_size", DOMAIN),
    )
    p.add_argument(
        "--grad-accum",
        type=_positive_int,
        default=d.grad_accum,
        metavar="N",
        help=tr("cli.grad_accum", DOMAIN),
    )
    p.add_argument(
        "--warmup-ratio",
        type=float,
        default=d.warmup_ratio,
        metavar="R",
        help=tr("cli.warmup_ratio", DOMAIN),
    )
    p.add_argument(
        "--weight-decay",
        type=float,
        default=d.weight_decay,
        metavar="W",
        help=tr("cli.weight_decay", DOMAIN),
    )
    p.add_argument("--seed", type=int, default=d.seed, help=tr("cli.seed", DOMAIN))
    p.add_argument(
        "--logging-steps",
        type=_positive_int,
        default=d.logging_steps,
        metavar="N",
        help=tr("cli.logging_steps", DOMAIN),
    )
    p.add_argument(
        "--save-steps",
        type=_positive_int,
        default=d.save_steps,
        metavar="N",
        help=tr("cli.save_steps", DOMAIN),
    )
    p.add_argument(
        "--eval-steps",
        type=_positive_int,
        default=None,
        metavar="N",
        help=tr("cli.eval_steps", DOMAIN),
    )
    p.add_argument("--no-resume", action="store_true", help=tr("cli.no_resume", DOMAIN))
    p.add_argument(
        "--keep-checkpoints", action="store_true", help=tr("cli.keep_checkpoints", DOMAIN)
    )
    p.add_argument("--threads", type=int, default=0, help=tr("cli.threads", DOMAIN))
    p.add_argument("--bf16", action="store_true", help=tr("cli.bf16", DOMAIN))
    p.add_argument(
        "--gradient-checkpointing",
        action="store_true",
        help=tr("cli.gradient_checkpointing", DOMAIN),
    )
    p.add_argument("--quiet", action="store_true", help=tr("cli.quiet", DOMAIN))


def train_options(args: argparse.Namespace) -> TrainOptions:
    return TrainOptions(
        epochs=args.epochs,
        max_steps=args.max_steps or -1,
        lr=args.lr,
        batch_size=args.batch_size,
        eval_batch_size=args.eval_batch_size,
        grad_accum=args.grad_accum,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        seed=args.seed,
        logging_steps=args.logging_steps,
        save_steps=args.save_steps,
        eval_steps=args.eval_steps or 0,
        resume=not args.no_resume,
        keep_checkpoints=args.keep_checkpoints,
        threads=args.threads,
        bf16=args.bf16,
        gradient_checkpointing=args.gradient_checkpointing,
        show_progress=not args.quiet,
    )


def run_command(
    argv: list[str],
    build_parser: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace, Progress], Any],
) -> int:
    """Parse, then ``run(args, progress)`` with Ctrl+C turned into a clean stop and user
    errors into one line (the body of every training sub-command's ``main``); an int that
    ``run`` returns is the exit code."""

    def body() -> int:
        args = build_parser().parse_args(argv)
        progress = Progress()
        with cancel_on_sigint(progress):
            code = run(args, progress)
        return code if isinstance(code, int) else 0

    return report_user_errors(body)
