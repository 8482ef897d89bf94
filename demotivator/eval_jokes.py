"""``demotivator eval jokes PROMPTS_FILE`` — the quality loop of the text path.

Runs the real pipeline's text stages (generate → filter → rank) over a file of beginnings
(one a line) and reports, per beginning and in total, what share of the candidates is
assistant talk, an echo, a label, unfinished, non-Russian, a duplicate, how many words
pymorphy3 does not know, the mean length — for every generated ending, for those that reach
the ranker and for the chosen one — and the stage times. ``--baseline`` runs the text path
as it was before the joke engine (no few-shot examples, one batch, no filter) for a
before/after comparison on the same model.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from inference.core.errors import DemotivatorError, InputError
from inference.core.i18n import adopt_settings_language, tr
from inference.core.jsonfiles import write_json_file
from inference.core.progress import STAGE_GENERATE, STAGE_RANK, Progress
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors

DOMAIN = "jokes"
TABLE_FLAGS = ("assistant_talk", "echo", "label", "unfinished", "non_russian", "duplicate")


def _backends() -> tuple[str, ...]:
    try:  # the backend registry, where this build has one
        from inference.core.registry import backend_names

        return tuple(backend_names("generator"))
    except ImportError:
        from inference.core.settings import BACKENDS

        return tuple(BACKENDS)


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="demotivator eval", description=tr("eval.help", DOMAIN))
    sub = p.add_subparsers(dest="what", required=True)
    j = sub.add_parser("jokes", help=tr("eval.jokes.help", DOMAIN))
    j.add_argument("prompts", metavar="PROMPTS_FILE", help=tr("eval.prompts", DOMAIN))
    j.add_argument("--generator", metavar="DIR", help=tr("cli.make.generator"))
    j.add_argument("--ranker", metavar="DIR", help=tr("cli.make.ranker"))
    j.add_argument("--backend", choices=_backends(), help=tr("cli.make.backend"))
    j.add_argument("--candidates", type=int, metavar="N", help=tr("cli.make.candidates"))
    j.add_argument("--seed", type=int, default=1, help=tr("cli.make.seed"))
    j.add_argument("--threads", type=int, help=tr("cli.make.threads"))
    j.add_argument("--json", metavar="OUT", help=tr("eval.json", DOMAIN))
    j.add_argument("--baseline", action="store_true", help=tr("eval.baseline", DOMAIN))
    return p


def read_prompts(path: Path) -> list[str]:
    from inference.runs.pipeline import validate_prompt

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(tr("eval.cannot_read", DOMAIN, path=str(path), err=exc)) from exc
    prompts = [validate_prompt(line) for line in lines if line.strip()]
    if not prompts:
        raise InputError(tr("eval.no_prompts", DOMAIN, path=str(path)))
    return prompts


def _baseline_candidates(pipeline: Any, result: Any, n: int, progress: Progress) -> None:
    """The text path before the joke engine: one batch, no examples, only the old clean-up
    (empty, echoed and duplicate endings left out)."""
    from inference.text.postprocess import select_candidates

    generator = pipeline.models.generator(progress)
    generator.examples_per_prompt, generator.rows_per_group = 0, n
    try:
        cands = generator.generate(result.prompt, n, result.generation, progress)
    finally:
        from inference.text.few_shot import EXAMPLES_PER_SET, ROWS_PER_GROUP

        generator.examples_per_prompt, generator.rows_per_group = EXAMPLES_PER_SET, ROWS_PER_GROUP
    keep = set(select_candidates([c.text for c in cands], result.prompt))
    result.candidates = [c for i, c in enumerate(cands) if i in keep]
    result.dropped = [c for i, c in enumerate(cands) if i not in keep]
    if not result.candidates:
        raise DemotivatorError(tr("no_usable", DOMAIN, dropped=len(cands)))


def evaluate_prompt(pipeline: Any, prompt: str, n: int, seed: int, baseline: bool) -> dict:
    from inference.runs.pipeline import MakeRequest
    from inference.text import joke_metrics as jm

    result = pipeline.new_result(MakeRequest(prompt))
    result.generation.seed = seed
    progress = Progress()
    error = ""
    with cancel_on_sigint(progress):
        try:
            if baseline:
                start = time.perf_counter()
                _baseline_candidates(pipeline, result, n, progress)
                result.timings[STAGE_GENERATE] = time.perf_counter() - start
            else:
                pipeline.write_candidates(result, n, progress)
            pipeline.rank(result, progress)
        except DemotivatorError as exc:
            if getattr(exc, "partial", result) is not result and not result.dropped:
                raise
            error = str(exc)
    # the order they were written in (row), so "duplicate" means "a copy of an earlier one"
    every = sorted([*result.candidates, *result.dropped], key=lambda c: c.meta.get("row", 1e9))
    generated = [c for c in every if c.meta.get("source", "generated") == "generated"]
    ranked = result.candidates
    chosen = result.chosen_text if ranked and not error else ""
    return {
        "prompt": prompt,
        "error": error,
        "generated": jm.describe_all([c.text for c in generated], prompt),
        "dropped": [
            {"text": c.text, "reason": c.meta.get("filtered_reason", "")} for c in result.dropped
        ],
        "ranked": [
            {**jm.describe(c.text, prompt), "score": c.score, "source": c.meta.get("source")}
            for c in ranked
        ],
        "chosen": jm.describe(chosen, prompt) if chosen else None,
        "chosen_source": result.chosen.meta.get("source") if chosen and result.chosen else None,
        "ranking": result.ranking,
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }


def totals(rows: list[dict]) -> dict[str, Any]:
    from inference.text import joke_metrics as jm

    chosen = [r["chosen"] for r in rows if r["chosen"]]
    return {
        "prompts": len(rows),
        "without_ending": sum(1 for r in rows if not r["chosen"]),
        "generated": jm.summary([g for r in rows for g in r["generated"]]),
        "ranked": jm.summary([c for r in rows for c in r["ranked"]]),
        "chosen": jm.summary(chosen),
        "chosen_from_collection": sum(r["chosen_source"] == "collection" for r in rows),
        "seconds": {
            stage: round(sum(r["timings"].get(stage, 0.0) for r in rows), 2)
            for stage in (STAGE_GENERATE, STAGE_RANK)
        },
    }


def _pct(x: float) -> str:
    return f"{100 * x:4.0f}%"


def table(rows: list[dict], total: dict[str, Any]) -> str:
    from inference.text import joke_metrics as jm

    heads = [tr(f"eval.col.{f}", DOMAIN) for f in TABLE_FLAGS]
    heads += [tr("eval.col.unknown", DOMAIN), tr("eval.col.chars", DOMAIN), "s"]
    lines = [f"{'':34} {'n':>3} " + " ".join(f"{h:>6}" for h in heads)]

    def line(label: str, s: dict[str, Any], seconds: str = "") -> str:
        cells = [_pct(s[f]) + " " for f in TABLE_FLAGS]
        cells += [_pct(s["unknown_words"]) + " ", f"{s['mean_chars']:6.0f}", f"{seconds:>6}"]
        return f"{label[:34]:34} {s['count']:>3} " + " ".join(f"{c:>6}" for c in cells)

    for r in rows:
        gen_s = r["timings"].get(STAGE_GENERATE, 0.0)
        lines.append(line(r["prompt"], jm.summary(r["generated"]), f"{gen_s:.1f}"))
        chosen = r["chosen"]["text"] if r["chosen"] else tr("eval.none", DOMAIN, err=r["error"])
        marks = [k for k, v in (r["chosen"] or {}).get("flags", {}).items() if v]
        source = f" [{r['chosen_source']}]" if r.get("chosen_source") == "collection" else ""
        lines.append(f"    → {chosen}{source}" + (f"  ⚠ {', '.join(marks)}" if marks else ""))
    lines.append("")
    for key in ("generated", "ranked", "chosen"):
        seconds = str(total["seconds"][STAGE_GENERATE]) if key == "generated" else ""
        lines.append(line(tr(f"eval.total.{key}", DOMAIN), total[key], seconds))
    lines.append(
        tr(
            "eval.summary",
            DOMAIN,
            prompts=total["prompts"],
            none=total["without_ending"],
            collection=total["chosen_from_collection"],
            rank=total["seconds"][STAGE_RANK],
        )
    )
    return "\n".join(lines)


MAX_CANDIDATES = 64


def apply_overrides(settings: Any, args: Any) -> None:
    """The flags win over the settings file: only the text stages matter here."""
    models = settings.models
    for role in ("generator", "ranker"):
        folder = getattr(args, role)
        if folder:
            setattr(models, f"{role}_dir", str(Path(folder).expanduser()))
        if args.backend:
            setattr(models, f"{role}_backend", args.backend)
    if args.candidates is not None:
        if not 1 <= args.candidates <= MAX_CANDIDATES:
            raise InputError(tr("eval.bad_candidates", DOMAIN, hi=MAX_CANDIDATES))
        settings.n_candidates = args.candidates
    if args.threads is not None:
        settings.threads = max(0, args.threads)


def run_eval(args: Any) -> int:
    from inference.core.settings import load_settings
    from inference.runs.pipeline import Pipeline

    settings, warnings = load_settings()
    adopt_settings_language(settings.language)
    for warning in warnings:
        print(tr("cli.warning", message=warning), file=sys.stderr)
    apply_overrides(settings, args)
    prompts = read_prompts(Path(args.prompts).expanduser())
    n = args.candidates or settings.n_candidates
    pipeline = Pipeline(settings)
    pipeline.preflight(draw=False)
    rows = []
    for i, prompt in enumerate(prompts, 1):
        print(tr("eval.progress", DOMAIN, i=i, n=len(prompts), prompt=prompt), file=sys.stderr)
        rows.append(evaluate_prompt(pipeline, prompt, n, args.seed, args.baseline))
    total = totals(rows)
    info = [pipeline.models.info(role) for role in ("generator", "ranker")]
    report = {
        "models": [m.__dict__ for m in info if m is not None],
        "candidates": n,
        "seed": args.seed,
        "baseline": args.baseline,
        "prompts": rows,
        "total": total,
    }
    print(table(rows, total))
    if args.json:
        write_json_file(Path(args.json).expanduser(), report)
    return 0


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return report_user_errors(lambda: run_eval(args))
