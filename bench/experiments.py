"""Settings experiments behind the defaults: the default generator and illustrator variants
measured again with one thread, and the generator with ONNX Runtime's spin-waiting on.

ONNX Runtime's intra-op threads spin while waiting for work unless told otherwise; the app
turns that off for every session (``inference.core.ort_options.session_options``). Spinning
saves a wake-up per operator on an idle machine but burns the cores other programs — and
our own other threads — need on a busy one, the same trap as OpenMP's active waiting in
shared/DESIGN.md. The row shows what the choice costs or saves here.
"""

from __future__ import annotations

from typing import Any

from bench.specs import Suite

SPINNING_KEY = "session.intra_op.allow_spinning"


def enable_text_ort_spinning() -> None:
    """Let the text backends' ONNX Runtime threads spin while idle (this process only: an
    experiment, the app's code is unchanged)."""
    import inference.core.ort_options as ort_options

    original = ort_options.session_options

    def spinning(threads: int) -> Any:
        options = original(threads)
        options.add_session_config_entry(SPINNING_KEY, "1")
        return options

    ort_options.session_options = spinning


def _main_row(stages: dict[str, Any], role: str, model: str, variant: str) -> dict | None:
    return next(
        (r for r in stages.get(role) or [] if r["model"] == model and r["variant"] == variant),
        None,
    )


def _total(role: str, row: dict[str, Any]) -> float | None:
    if role == "generator":
        return row.get("total_s")
    cells = row.get("cells") or {}
    largest = max(cells, key=lambda c: tuple(int(v) for v in c.split("x")), default=None)
    return cells[largest]["total_s"] if largest else None


def run_experiments(bench, suite: Suite, stages: dict[str, Any]) -> list[dict[str, Any]]:
    """``bench`` is the running :class:`bench.runner.BenchRun`."""
    plans = []
    for role in ("generator", "illustrator"):
        spec = suite.defaults.get(role)
        if spec is None or role in bench.o.skip:
            continue
        variant = bench.o.defaults[role]
        if bench.o.threads > 1:
            plans.append((spec, variant, {"threads": 1}, "1 thread"))
        if role == "generator" and variant.startswith("onnx"):
            plans.append((spec, variant, {"ort_spinning": True}, "ORT spinning on"))
    rows = []
    for spec, variant, change, label in plans:
        prepared = bench.prepare(spec, variant)
        if not prepared.get("ok"):
            continue
        bench.o.say(f"  experiment {spec.name} {variant}: {label}")
        task = {**bench.stage_task(spec, variant, prepared["folder"]), **change}
        task.update(artifacts=None, label=f"{spec.name}-{variant}-{label.replace(' ', '_')}")
        result = bench.task(task)
        main = _main_row(stages, spec.role, spec.name, variant)
        ours, theirs = _total(spec.role, result), _total(spec.role, main or {})
        ratio = round(theirs / ours, 3) if ours and theirs else None
        rows.append(
            {
                "model": spec.name,
                "variant": variant,
                "setting": label,
                "threads": task.get("threads", bench.o.threads),
                "total_s": ours,
                "default_setting_total_s": theirs,
                "speedup_vs_default_setting": ratio,
                "ok": result.get("ok"),
                "error": result.get("error"),
                "peak_rss_mb": result.get("peak_rss_mb"),
            }
        )
    return rows
