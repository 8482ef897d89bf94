"""``demotivator train prepare --db jokes.sqlite --out DATA_DIR [...]`` (no torch needed)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from inference.core.i18n import tr
from inference.terminal.cli_common import ArgumentParser, report_user_errors
from training.date_split import SplitConfig
from training.prepare import PrepareConfig, prepare_dataset
from training.punchline import METHODS, PairConfig
from training.text_clean import TextFilter

DOMAIN = "training"


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date", DOMAIN, value=value)) from None


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError(tr("cli.bad_fraction", DOMAIN, value=value))
    return number


def _methods(value: str) -> tuple[str, ...]:
    methods = tuple(m.strip() for m in value.split(",") if m.strip())
    if not methods or any(m not in METHODS for m in methods):
        raise argparse.ArgumentTypeError(
            tr("cli.bad_methods", DOMAIN, value=value, choices=",".join(METHODS))
        )
    return methods


def build_parser() -> ArgumentParser:
    t, pc, s = TextFilter(), PairConfig(), SplitConfig()
    p = ArgumentParser(prog="demotivator train prepare", description=tr("cli.help.prepare", DOMAIN))
    p.add_argument("--db", type=Path, required=True, help=tr("cli.db", DOMAIN))
    p.add_argument(
        "--out", type=Path, required=True, metavar="DATA_DIR", help=tr("cli.prepare_out", DOMAIN)
    )
    p.add_argument("--sources", default=None, help=tr("cli.sources", DOMAIN))
    p.add_argument("--min-votes", type=int, default=None, help=tr("cli.min_votes", DOMAIN))
    p.add_argument("--min-chars", type=int, default=t.min_chars, help=tr("cli.min_chars", DOMAIN))
    p.add_argument("--max-chars", type=int, default=t.max_chars, help=tr("cli.max_chars", DOMAIN))
    p.add_argument("--min-words", type=int, default=t.min_words, help=tr("cli.min_words", DOMAIN))
    p.add_argument("--allow-urls", action="store_true", help=tr("cli.allow_urls", DOMAIN))
    p.add_argument("--keep-reposts", action="store_true", help=tr("cli.keep_reposts", DOMAIN))
    p.add_argument(
        "--validation-fraction",
        type=_fraction,
        default=s.validation_fraction,
        help=tr("cli.validation_fraction", DOMAIN),
    )
    p.add_argument(
        "--test-fraction",
        type=_fraction,
        default=s.test_fraction,
        help=tr("cli.test_fraction", DOMAIN),
    )
    p.add_argument(
        "--validation-from",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help=tr("cli.validation_from", DOMAIN),
    )
    p.add_argument(
        "--test-from",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help=tr("cli.test_from", DOMAIN),
    )
    p.add_argument(
        "--split-methods",
        type=_methods,
        default=pc.methods,
        metavar="LIST",
        help=tr("cli.split_methods", DOMAIN),
    )
    p.add_argument(
        "--min-setup-chars",
        type=int,
        default=pc.min_setup_chars,
        help=tr("cli.min_setup_chars", DOMAIN),
    )
    p.add_argument(
        "--max-punchline-chars",
        type=int,
        default=pc.max_punchline_chars,
        help=tr("cli.max_punchline_chars", DOMAIN),
    )
    p.add_argument(
        "--approval-a",
        type=float,
        default=PrepareConfig.approval_a,
        help=tr("cli.approval_a", DOMAIN),
    )
    p.add_argument(
        "--approval-b",
        type=float,
        default=PrepareConfig.approval_b,
        help=tr("cli.approval_b", DOMAIN),
    )
    p.add_argument("--quiet", action="store_true", help=tr("cli.quiet", DOMAIN))
    return p


def config_from_args(args: argparse.Namespace) -> PrepareConfig:
    return PrepareConfig(
        text=TextFilter(
            min_chars=args.min_chars,
            max_chars=args.max_chars,
            min_words=args.min_words,
            allow_urls=args.allow_urls,
        ),
        pairs=PairConfig(
            methods=args.split_methods,
            min_setup_chars=args.min_setup_chars,
            max_punchline_chars=args.max_punchline_chars,
        ),
        split=SplitConfig(
            validation_fraction=args.validation_fraction,
            test_fraction=args.test_fraction,
            validation_from=args.validation_from,
            test_from=args.test_from,
        ),
        approval_a=args.approval_a,
        approval_b=args.approval_b,
        keep_reposts=args.keep_reposts,
        sources=tuple(s.strip() for s in args.sources.split(",")) if args.sources else None,
        min_votes=args.min_votes,
    )


def prepare_summary(report: dict[str, Any], out: Path) -> str:
    lines = [
        tr(
            "prepare.summary",
            DOMAIN,
            read=report["counts"].get("read", 0),
            kept=report["counts"]["kept"],
            out=str(out),
        )
    ]
    for name, s in report["splits"].items():
        lines.append(
            tr(
                "prepare.split_line",
                DOMAIN,
                split=name,
                jokes=s["jokes"],
                votes=s["with_votes"],
                days=s["days"],
                first=s["first_day"] or "—",
                last=s["last_day"] or "—",
                pairs=s["pairs"],
            )
        )
    left_out = {k: v for k, v in report["counts"].items() if k.startswith("rejected_")}
    left_out["reposts_merged"] = report["counts"].get("reposts_merged", 0)
    lines.append(
        tr(
            "prepare.left_out",
            DOMAIN,
            counts=", ".join(f"{k}={v}" for k, v in sorted(left_out.items())),
        )
    )
    lines.append(
        tr(
            "prepare.pairs",
            DOMAIN,
            counts=", ".join(f"{k}={v}" for k, v in sorted(report["pairs"].items())),
        )
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    def body() -> int:
        args = build_parser().parse_args(argv)
        report = prepare_dataset(
            args.db, args.out, config_from_args(args), show_progress=not args.quiet
        )
        print(prepare_summary(report, args.out), file=sys.stdout)
        return 0

    return report_user_errors(body)
