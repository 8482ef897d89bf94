"""``demotivator scrape …``: anekdot.ru crawl, local corpus importers, export.

demotivator scrape anekdot --from 2024-01-01 --to 2024-01-31 --db jokes.sqlite
demotivator scrape import-fortune /usr/share/games/fortunes/ru --db jokes.sqlite
demotivator scrape import-table anekdots.parquet --db jokes.sqlite --text-col text
demotivator scrape export --db jokes.sqlite --out jokes.jsonl
demotivator scrape stats --db jokes.sqlite
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import inference  # noqa: F401  (process-wide env defaults, as in every entry point)
from inference.core.errors import Cancelled, InputError
from inference.core.progress import Progress
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors
from scraper.errors import msg

PROG = "demotivator scrape"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(msg("cli.bad_date", value=value)) from None


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0:
        raise argparse.ArgumentTypeError(msg("cli.bad_number", value=value))
    return number


def _build_parser() -> ArgumentParser:
    p = ArgumentParser(prog=PROG, description=msg("cli.description"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)

    a = sub.add_parser("anekdot", help=msg("cli.anekdot.help"))
    a.add_argument(
        "--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD", help=msg("cli.from")
    )
    a.add_argument(
        "--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD", help=msg("cli.to")
    )
    a.add_argument("--db", type=Path, required=True, help=msg("cli.db"))
    a.add_argument("--base-url", default=None, help=msg("cli.base_url"))
    a.add_argument("--delay", type=_non_negative, default=None, help=msg("cli.delay"))
    a.add_argument("--timeout", type=_non_negative, default=None, help=msg("cli.timeout"))
    a.add_argument("--retries", type=int, default=None, help=msg("cli.retries"))
    a.add_argument("--backoff", type=_non_negative, default=None, help=msg("cli.backoff"))
    a.add_argument("--quiet", action="store_true", help=msg("cli.quiet"))

    f = sub.add_parser("import-fortune", help=msg("cli.fortune.help"))
    f.add_argument("paths", nargs="+", type=Path, help=msg("cli.fortune.paths"))
    f.add_argument("--db", type=Path, required=True, help=msg("cli.db"))

    t = sub.add_parser("import-table", help=msg("cli.table.help"))
    t.add_argument("file", type=Path, help=msg("cli.table.file"))
    t.add_argument("--db", type=Path, required=True, help=msg("cli.db"))
    t.add_argument("--text-col", required=True, help=msg("cli.table.col", what="text"))
    for name in ("id", "date", "up", "down", "net", "total", "tags", "category", "attribution"):
        t.add_argument(f"--{name}-col", default=None, help=msg("cli.table.col", what=name))
    t.add_argument("--source", default=None, help=msg("cli.table.source"))
    t.add_argument("--category", default=None, help=msg("cli.table.category"))
    t.add_argument("--format", choices=("csv", "jsonl", "parquet"), default=None)
    t.add_argument("--delimiter", default=",", help=msg("cli.table.delimiter"))

    e = sub.add_parser("export", help=msg("cli.export.help"))
    e.add_argument("--db", type=Path, required=True, help=msg("cli.db"))
    e.add_argument("--out", type=Path, required=True, help=msg("cli.export.out"))
    e.add_argument("--format", choices=("jsonl", "parquet"), default=None)
    e.add_argument("--source", action="append", default=None, help=msg("cli.export.source"))

    s = sub.add_parser("stats", help=msg("cli.stats.help"))
    s.add_argument("--db", type=Path, required=True, help=msg("cli.db"))
    return p


def _run_anekdot(args: argparse.Namespace) -> int:
    from scraper.anekdot_crawl import DEFAULT_BASE_URL, CrawlStats, crawl_days
    from scraper.cli_report import CrawlBar, print_crawl_summary
    from scraper.db import connect
    from scraper.http import HttpSettings, PoliteClient

    defaults = HttpSettings()
    if args.retries is not None and args.retries < 0:
        raise InputError(msg("cli.bad_number", value=args.retries))
    settings = HttpSettings(
        delay_s=defaults.delay_s if args.delay is None else args.delay,
        timeout_s=args.timeout or defaults.timeout_s,
        retries=defaults.retries if args.retries is None else args.retries,
        backoff_s=defaults.backoff_s if args.backoff is None else args.backoff,
    )
    conn = connect(args.db)
    progress = Progress()
    bar = CrawlBar(enabled=not args.quiet)

    def on_update(stats: CrawlStats) -> None:
        if bar.enabled and bar.is_new:  # inputs checked, Ctrl+C handler installed
            bar.say(msg("crawl.started"))
        bar.update(stats)

    def on_wait(seconds: float, reason: str) -> None:
        bar.say(msg("wait.notice", seconds=f"{seconds:.0f}", reason=reason))

    client = PoliteClient(
        args.base_url or DEFAULT_BASE_URL,
        settings,
        cancelled=lambda: progress.cancelled,
        on_wait=on_wait,
        on_notice=bar.say,
    )
    try:
        with cancel_on_sigint(progress, notice=msg("crawl.stopping")):
            stats = crawl_days(
                conn, client, args.first, args.last, progress=progress, on_update=on_update
            )
    except (Cancelled, KeyboardInterrupt):
        bar.close()
        print(msg("crawl.resume_hint"), file=sys.stderr)
        raise
    finally:
        bar.close()
        client.close()
        conn.close()
    print_crawl_summary(stats, args.db)
    return 1 if stats.pages_failed else 0


def _run_import_fortune(args: argparse.Namespace) -> int:
    from scraper.cli_report import print_import_summary
    from scraper.db import connect
    from scraper.fortune import import_fortunes

    conn = connect(args.db)
    try:
        stats = import_fortunes(conn, args.paths)
    finally:
        conn.close()
    print_import_summary(stats, args.db)
    return 0


def _run_import_table(args: argparse.Namespace) -> int:
    from scraper.cli_report import print_import_summary
    from scraper.db import connect
    from scraper.table import ColumnMap, import_table

    columns = ColumnMap(
        text=args.text_col,
        **{
            name: getattr(args, f"{name}_col")
            for name in ("id", "date", "up", "down", "net", "total", "tags", "category")
        },
        attribution=args.attribution_col,
    )
    source = args.source or args.file.stem
    conn = connect(args.db)
    try:
        stats = import_table(
            conn,
            args.file,
            columns,
            source=source,
            category=args.category,
            fmt=args.format,
            delimiter=args.delimiter,
        )
    finally:
        conn.close()
    print_import_summary(stats, args.db)
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from scraper.export import export_dataset

    count = export_dataset(args.db, args.out, fmt=args.format, sources=args.source)
    print(msg("export.done", count=count, path=str(args.out)))
    return 0


def _run_stats(args: argparse.Namespace) -> int:
    from scraper.dataset import count_by_source

    counts = count_by_source(args.db)
    for source, count in counts.items():
        print(f"{source}\t{count}")
    print(msg("stats.total", count=sum(counts.values())))
    return 0


COMMANDS = {
    "anekdot": _run_anekdot,
    "import-fortune": _run_import_fortune,
    "import-table": _run_import_table,
    "export": _run_export,
    "stats": _run_stats,
}


def main(argv: list[str]) -> int:
    args = _build_parser().parse_args(argv)
    return report_user_errors(lambda: COMMANDS[args.command](args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
