"""The benchmark report as tables: plain text for the terminal, Markdown for
docs/performance.md. Both are rendered from the JSON report alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.variants import variant_label
from bench.whole_poster import FIRST_POSTER_LIMIT_S, POSTER_LOADED_LIMIT_S, RSS_LIMIT_MB
from bench.whole_poster import STAGES as POSTER_STAGES

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows
Column = tuple[str, Callable[[dict[str, Any]], str]]


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _x(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _get(*path: str, digits: int = 2, ratio: bool = False) -> Callable[[dict[str, Any]], str]:
    def read(row: dict[str, Any]) -> str:
        value: Any = row
        for key in path:
            if value == "":  # a continuation row leaves model-wide columns blank
                return ""
            value = (value or {}).get(key) if isinstance(value, dict) else None
        return _x(value) if ratio else fmt(value, digits)

    return read


def _table(title: str, columns: list[Column], rows: list[dict[str, Any]]) -> Table:
    head = [name for name, _ in columns]
    body = []
    for row in rows:
        if row.get("ok") is False:
            why = "skipped: " if row.get("skipped") else "FAILED: "
            failed = why + str(row.get("error", "?"))[:160]
            body.append([row.get("model", row.get("label", "")), row.get("variant", ""), failed])
            body[-1] += [""] * (len(head) - 3)
        else:
            body.append([read(row) for _, read in columns])
    return title, head, body


MODEL = [("model", _get("model")), ("variant", _get("variant"))]
GENERATOR = MODEL + [
    ("load s", _get("load_s", digits=1)),
    ("prefill s", _get("prefill_s")),
    ("decode s", _get("decode_s")),
    ("ms/token", _get("decode_token_ms", digits=0)),
    ("total s", _get("total_s")),
    ("CPU s", _get("cpu_s")),
    ("× torch", _get("speedup", "total", ratio=True)),
    ("peak MB", _get("peak_rss_mb", digits=0)),
    ("greedy agree", _get("correctness", "greedy_token_agreement")),
    ("top-1 agree", _get("correctness", "teacher_forced_top1_agreement")),
    ("rel. logit err", _get("correctness", "rel_logits_err", digits=4)),
]
RANKER = MODEL + [
    ("load s", _get("load_s", digits=1)),
    ("8 texts s", _get("total_s", digits=3)),
    ("× torch", _get("speedup", "total", ratio=True)),
    ("peak MB", _get("peak_rss_mb", digits=0)),
    ("max |Δscore|", _get("correctness", "max_abs_score_diff", digits=4)),
    ("same ranking", _get("correctness", "same_ranking")),
]
ILLUSTRATOR = MODEL + [
    ("size", _get("size")),
    ("steps", _get("steps")),
    ("encode s", _get("cell", "encode_s")),
    ("UNet step s", _get("cell", "unet_step_s")),
    ("decode s", _get("cell", "decode_s")),
    ("total s", _get("cell", "total_s")),
    ("CPU s", _get("cell", "cpu_s")),
    ("× torch", _get("ratio", "total", ratio=True)),
    ("UNet × torch", _get("ratio", "unet_step", ratio=True)),
    ("load s", _get("load_s", digits=1)),
    ("peak MB", _get("peak_rss_mb", digits=0)),
    ("image |Δ|", _get("correctness", "image_mean_abs_diff")),
    ("latents rel. err", _get("correctness", "latents_rel_err", digits=4)),
    ("UNet rel. err", _get("correctness", "unet_rel_err", digits=4)),
]


def _verdict(tid: str) -> Callable[[dict[str, Any]], str]:
    def read(row: dict[str, Any]) -> str:
        cell = (row.get("targets") or {}).get(tid) or {}
        value = fmt(cell.get("measured"), 0 if tid == "peak" else 2)
        if cell.get("measured") is None:
            return "not measured"
        if not cell.get("applies"):
            return f"n/a, not the target models ({value})"
        return f"{'met' if cell['met'] else 'NOT met'} ({value})"

    return read


def _load_share(row: dict[str, Any]) -> str:
    share = row.get("first_load_share")
    return fmt(row.get("first_load_s")) + (f" ({share:.0%})" if share is not None else "")


def _memory_parts(row: dict[str, Any]) -> str:
    return " + ".join(f"{k} {v:.0f}" for k, v in (row.get("memory_mb") or {}).items())


WHOLE_POSTER = [
    ("run", _get("label")),
    ("models", lambda r: "; ".join((r.get("models") or {}).values())),
    ("endings ≤ tokens", lambda r: f"{fmt(r.get('ending_tokens'))} ({r.get('ending_cap')})"),
    ("1st poster s", _get("first_s")),
    ("of it loading s", _load_share),
    ("loaded poster s", _get("loaded_s")),
    (
        "loaded: generate / rank / scene / draw / compose s",
        lambda r: " / ".join(fmt((r.get("stages_s") or {}).get(k)) for k, _ in POSTER_STAGES),
    ),
    ("peak MB", _get("peak_rss_mb", digits=0)),
    ("peak = process + each model's load + running, MB", _memory_parts),
    (f"loaded ≤ {POSTER_LOADED_LIMIT_S:g} s", _verdict("loaded")),
    (f"1st ≤ {FIRST_POSTER_LIMIT_S:g} s", _verdict("first")),
    (f"peak ≤ {RSS_LIMIT_MB:g} MB", _verdict("peak")),
]

EXPERIMENTS = MODEL + [
    ("setting", _get("setting")),
    ("total s", _get("total_s")),
    ("default setting s", _get("default_setting_total_s")),
    ("× default setting", _get("speedup_vs_default_setting", ratio=True)),
]
TARGETS = [
    ("target", _get("target")),
    ("limit", _get("limit")),
    ("measured", lambda t: fmt(t["measured"]) + (f" ({t['note']})" if t.get("note") else "")),
    ("met", lambda t: {None: "not measured", True: "met", False: "NOT met"}[t["met"]]),
]


def _image_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (variant, size, steps) cell; model-wide columns only on the first."""
    out = []
    for row in rows:
        if not row.get("ok"):
            out.append(row)
            continue
        for i, (cell, values) in enumerate((row.get("cells") or {}).items()):
            size, steps = cell.split("x")

            def shared(key: str, i: int = i, row: dict = row) -> Any:
                return row.get(key) if i == 0 else ""

            out.append(
                {
                    "model": shared("model"),
                    "variant": shared("variant"),
                    "size": f"{size}²",
                    "steps": steps,
                    "cell": values,
                    "ratio": (row.get("speedup") or {}).get(cell),
                    "load_s": shared("load_s"),
                    "peak_rss_mb": shared("peak_rss_mb"),
                    "correctness": shared("correctness"),
                }
            )
    return out


def _poster_title(report: dict[str, Any]) -> str:
    settings = report.get("settings", {})
    rows = report.get("whole_poster") or [{}]
    scene, size = rows[0].get("scene_tokens"), max(settings.get("sizes") or [0])
    return (
        f"Whole poster: {settings.get('candidates')} candidates, random-weight endings capped"
        f" at {settings.get('whole_poster_ending_tokens')} tokens (the measured real median),"
        f" scene ≤ {scene} tokens (the app's cap), {size}², two posters per process"
    )


def _labelled(report: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The role's rows with each variant labelled (LM head precision, the app's default)."""
    default = (report.get("settings", {}).get("default_variants") or {}).get(role)
    return [
        {**r, "variant": variant_label(r["variant"], r.get("prepare"), r["variant"] == default)}
        for r in report.get("stages", {}).get(role) or []
    ]


def tables(report: dict[str, Any]) -> list[Table]:
    stages = report.get("stages", {})
    out = []
    if stages.get("generator"):
        title = "Generator: 8 candidates × 48 new tokens from a 20-token prompt"
        out.append(_table(title, GENERATOR, _labelled(report, "generator")))
    if stages.get("ranker"):
        out.append(_table("Ranker: scores for 8 texts", RANKER, _labelled(report, "ranker")))
    if stages.get("illustrator"):
        title = "Illustrator: 1 and 4 steps, TAESD vs full VAE decoder"
        rows = _image_rows(_labelled(report, "illustrator"))
        out.append(_table(title, ILLUSTRATOR, rows))
    if stages.get("experiments"):
        out.append(_table("Settings experiments", EXPERIMENTS, stages["experiments"]))
    small = []
    if isinstance(stages.get("composer"), dict):
        small.append(["composer (1024 px poster)", fmt(stages["composer"].get("total_s"), 3)])
    gui = stages.get("gui")
    if isinstance(gui, dict):
        value = fmt(gui.get("first_window_s")) if gui.get("ok") else "FAILED"
        small.append([f"GUI first window ({gui.get('method', '')})", value])
    if small:
        out.append(("Composer and GUI", ["what", "seconds"], small))
    if report.get("whole_poster"):
        out.append(_table(_poster_title(report), WHOLE_POSTER, report["whole_poster"]))
    out.append(_table("Targets", TARGETS, report.get("targets", [])))
    return out


def _aligned(cells: list[str], widths: list[int]) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()


def render_text(report: dict[str, Any]) -> str:
    parts = []
    for title, head, rows in tables(report):
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
        lines = [head, ["-" * w for w in widths], *rows]
        parts += [title, *(_aligned(cells, widths) for cells in lines), ""]
    return "\n".join(parts)


def render_markdown(report: dict[str, Any]) -> str:
    parts = []
    for title, head, rows in tables(report):
        parts += [
            f"### {title}",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
            "",
        ]
    return "\n".join(parts)
