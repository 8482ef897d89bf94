"""The benchmark report as tables: plain text for the terminal, Markdown for
docs/performance.md. Both are rendered from the JSON report alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
            failed = "FAILED: " + str(row.get("error", "?"))[:80]
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
PIPELINE = [
    ("run", _get("label")),
    ("models", lambda r: "; ".join((r.get("models") or {}).values())),
    ("1st poster s", _get("first_poster", "total_s")),
    ("2nd poster s", _get("second_poster", "total_s")),
    (
        "2nd: generate / rank / scene / draw / compose s",
        lambda r: " / ".join(
            _get("second_poster", "stages_s", k)(r)
            for k in ("generate", "rank", "visual_prompt", "draw", "compose")
        ),
    ),
    ("models reused", _get("models_reused")),
    ("peak MB", _get("peak_rss_mb", digits=0)),
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


def tables(report: dict[str, Any]) -> list[Table]:
    stages = report.get("stages", {})
    out = []
    if stages.get("generator"):
        title = "Generator: 8 candidates × 48 new tokens from a 20-token prompt"
        out.append(_table(title, GENERATOR, stages["generator"]))
    if stages.get("ranker"):
        out.append(_table("Ranker: scores for 8 texts", RANKER, stages["ranker"]))
    if stages.get("illustrator"):
        title = "Illustrator: 1 and 4 steps, TAESD vs full VAE decoder"
        out.append(_table(title, ILLUSTRATOR, _image_rows(stages["illustrator"])))
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
    if stages.get("pipeline"):
        title = "Whole pipeline: 8 candidates × 48 tokens, largest picture, two posters"
        out.append(_table(title, PIPELINE, stages["pipeline"]))
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
