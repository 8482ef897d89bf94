"""``demotivator export SRC DST --kind generator|ranker|illustrator [--quantize auto|none|…]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.models.model_store import QUANTIZATIONS
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors
from inference.terminal.cli_progress import StderrProgressBars

KINDS = ("generator", "ranker", "illustrator")


def export_model(kind: str, src: Path, dst: Path, quantize: str, progress: Progress) -> dict:
    """Dispatch to the exporter of ``kind``; returns the parity report (also in parity.json).
    ``quantize="auto"`` picks the kind's benchmarked default (export.common)."""
    from export.common import resolve_quantization
    from export.file_modes import match_umask

    quantize = resolve_quantization(kind, quantize)
    if kind == "illustrator":
        from export.illustrator import export_illustrator

        report = export_illustrator(src, dst, quantize=quantize, progress=progress)
    else:
        from export import text

        exporter = text.export_generator if kind == "generator" else text.export_ranker
        report = exporter(src, dst, quantize=quantize, progress=progress)
    match_umask(dst)  # ONNX's external weight files come out 0600, the rest 0644
    return report


def main(argv: list[str]) -> int:
    p = ArgumentParser(prog="demotivator export", description=tr("cli.help.export"))
    p.add_argument("src", type=Path, help=tr("cli.export.src"))
    p.add_argument("dst", type=Path, help=tr("cli.export.dst"))
    p.add_argument("--kind", choices=KINDS, required=True, help=tr("cli.export.kind"))
    p.add_argument(
        "--quantize", choices=QUANTIZATIONS, default="auto", help=tr("cli.export.quantize")
    )
    p.add_argument("--quiet", action="store_true", help=tr("cli.make.quiet"))
    args = p.parse_args(argv)

    def run() -> int:
        bars = StderrProgressBars(enabled=not args.quiet)
        progress = Progress(bars)
        try:
            with cancel_on_sigint(progress):
                report = export_model(args.kind, args.src, args.dst, args.quantize, progress)
        finally:
            bars.close()
        print(json.dumps(report, ensure_ascii=False, indent=2))
        print(tr("cli.export.done", path=str(args.dst)), file=sys.stderr)
        from export.text_parity import verdict_line

        line = verdict_line(report)  # faithful, or a warning when agreement is low
        if line:
            print(line, file=sys.stderr)
        return 0

    return report_user_errors(run)
