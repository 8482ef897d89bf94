"""``demotivator bench [--json OUT] [--quick] …``: the speed benchmark on real-size models.

Builds random-weight models with the real architectures (``bench/configs``), exports them
with ``export/`` in every supported variant, measures every stage side by side against
PyTorch fp32, checks each variant's correctness, then the whole pipeline and the GUI start,
and prints a table (``--json`` / ``--markdown`` also write it). Models are cached outside
the repository (``--cache``, default: the user cache folder), so only the first run pays
for building and exporting them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import inference  # noqa: F401  (OMP_WAIT_POLICY=PASSIVE for every child process)
from bench.specs import CONFIGS_DIR, DOMAIN, load_suite
from bench.whole_poster import ENDING_TOKENS_REAL_MEDIAN
from inference.core.errors import InputError, OutputError
from inference.core.i18n import tr
from inference.core.runtime_env import default_threads
from inference.terminal.cli_common import ArgumentParser, report_user_errors

SCHEMA = "demotivator-bench/1"
ROLES_AND_STAGES = (
    "generator",
    "ranker",
    "illustrator",
    "experiments",
    "composer",
    "pipeline",
    "gui",
)


def default_cache() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("DEMOTIVATOR_BENCH_CACHE") or user_cache_dir("demotivator-bench"))


def _parse_defaults(items: list[str]) -> dict[str, str]:
    from bench.runner import DEFAULT_VARIANTS
    from bench.variants import VARIANTS

    chosen = dict(DEFAULT_VARIANTS)
    for item in items:
        role, _, variant = item.partition("=")
        if role not in VARIANTS or variant not in VARIANTS[role]:
            raise InputError(tr("bench.bad_default", DOMAIN, value=item))
        chosen[role] = variant
    return chosen


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="demotivator bench", description=tr("cli.help.bench"))
    p.add_argument("--json", type=Path, metavar="OUT", help=tr("bench.opt.json", DOMAIN))
    p.add_argument("--markdown", type=Path, metavar="OUT", help=tr("bench.opt.markdown", DOMAIN))
    p.add_argument("--quick", action="store_true", help=tr("bench.opt.quick", DOMAIN))
    p.add_argument(
        "--configs", type=Path, default=CONFIGS_DIR, help=tr("bench.opt.configs", DOMAIN)
    )
    p.add_argument("--cache", type=Path, default=None, help=tr("bench.opt.cache", DOMAIN))
    p.add_argument("--threads", type=int, default=0, help=tr("bench.opt.threads", DOMAIN))
    p.add_argument("--repeats", type=int, default=None, help=tr("bench.opt.repeats", DOMAIN))
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=ROLES_AND_STAGES,
        help=tr("bench.opt.skip", DOMAIN),
    )
    p.add_argument(
        "--default",
        action="append",
        default=[],
        metavar="ROLE=VARIANT",
        help=tr("bench.opt.default", DOMAIN),
    )
    p.add_argument(
        "--ending-tokens",
        type=int,
        default=ENDING_TOKENS_REAL_MEDIAN,
        metavar="N",
        help=tr("bench.opt.ending_tokens", DOMAIN, default=ENDING_TOKENS_REAL_MEDIAN),
    )
    p.add_argument("--in-process", action="store_true", help=tr("bench.opt.in_process", DOMAIN))
    p.add_argument("--keep-artifacts", action="store_true", help=tr("bench.opt.keep", DOMAIN))
    p.add_argument("--timeout", type=float, default=3600.0, help=tr("bench.opt.timeout", DOMAIN))
    return p


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(tr("bench.unwritable", DOMAIN, path=str(path), err=exc)) from exc


def run_benchmark(args) -> dict:
    from bench.machine import describe_machine, load_snapshot
    from bench.runner import BenchRun, RunOptions
    from bench.targets import evaluate
    from bench.whole_poster import poster_rows

    if args.threads < 0:
        raise InputError(tr("bench.bad_threads", DOMAIN, value=args.threads))
    if args.ending_tokens < 1:
        raise InputError(tr("bench.bad_ending_tokens", DOMAIN, value=args.ending_tokens))
    suite = load_suite(args.configs, quick=args.quick)
    cache = (args.cache or default_cache()).expanduser()
    threads = args.threads or default_threads()
    options = RunOptions(
        configs=args.configs,
        cache=cache,
        quick=args.quick,
        threads=threads,
        repeats=args.repeats,
        in_process=args.in_process,
        skip=set(args.skip),
        defaults=_parse_defaults(args.default),
        timeout_s=args.timeout,
        keep_artifacts=args.keep_artifacts,
        ending_tokens=args.ending_tokens,
        sizes=suite.sizes,
        steps=suite.steps,
    )
    started = time.time()
    report = {
        "schema": SCHEMA,
        "mode": "quick" if args.quick else "full",
        "machine": describe_machine(),
        "load_before": load_snapshot(),
        "settings": {
            "configs": str(args.configs),
            "cache": str(cache),
            "threads": threads,
            "isolated_processes": not args.in_process,
            "default_variants": options.defaults,
            "repeats": {
                s: options.repeats_for(s)
                for s in ("generator", "ranker", "illustrator", "composer")
            },
            "candidates": options.candidates,
            "new_tokens": options.new_tokens,
            "whole_poster_ending_tokens": options.ending_tokens,
            "prompt_tokens": options.prompt_tokens,
            "sizes": list(options.sizes),
            "steps": list(options.steps),
        },
        "models": [spec.describe() for spec in suite.all_specs()],
    }
    report["stages"] = BenchRun(options).run(suite)
    report["whole_poster"] = poster_rows(report["stages"].get("pipeline"))
    report["load_after"] = load_snapshot()
    report["duration_s"] = round(time.time() - started, 1)
    report["targets"] = evaluate(report)
    return report


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)

    def body() -> int:
        from bench.report import render_markdown, render_text

        report = run_benchmark(args)
        print(render_text(report))
        if args.json:
            _write(args.json, json.dumps(report, ensure_ascii=False, indent=2))
        if args.markdown:
            _write(args.markdown, render_markdown(report))
        return 0

    return report_user_errors(body)


if __name__ == "__main__":
    sys.exit(main())
