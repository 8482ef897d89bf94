"""Model cards, licences and the bundle README, filled only with numbers the build recorded
in ``WORK/build.json`` — nothing typed in by hand can drift from what was measured. The
Markdown lives in ``card_templates/`` (``str.format`` placeholders)."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from training.lite.recipe import Recipe
from training.lite.sources import SOURCES

TEMPLATES = Path(__file__).resolve().parent / "card_templates"
LICENCE_COPIES = {  # source name -> file name under OUT/licenses/
    "fortune": "fortunes-ru.copyright.txt",
    "pyjokes": "pyjokes.LICENCE.txt",
    "ru-proverbs": "ru-proverbs.LICENSE.txt",
}
GROUP_KINDS = (
    "real",
    "generated",
    "mismatched",
    "shuffled",
    "truncated",
    "bigram",
    "assistant",
    "label",
    "echo",
    "debris",
)


def _template(name: str, **values: Any) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8").format(**values)


def _q(quantize: str) -> str:
    return "fp32" if quantize == "none" else quantize


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _f(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    return (text or "").replace("\n", " / ").replace("|", "\\|")


def _device(host: dict[str, Any]) -> str:
    return host.get("gpu") or "CPU"


def sources_section(state: dict[str, Any]) -> str:
    rows = [
        [
            f"{s['registry']} `{s['package']}` {s['version']}",
            s["licence"],
            s["content"],
            f"`{s['sha256'][:16]}…`",
        ]
        for s in state["sources"].values()
    ]
    prepared = state["corpus"]["prepared"]
    split_rows = [
        [
            name,
            v["jokes"],
            v["pairs"],
            v["chars"],
            ", ".join(f"{k} {n}" for k, n in v["by_source"].items()),
        ]
        for name, v in prepared["splits"].items()
    ]
    pairs = ", ".join(f"{k} {v}" for k, v in prepared["pairs"].items())
    return "\n\n".join(
        [
            _table(["source", "licence", "what is read", "archive SHA-256"], rows),
            "Imported with the scraper's importers (fortune files; JSONL tables) into one "
            "SQLite dataset; the hard line wraps of the fortune files undone; cleaned, "
            "filtered and de-duplicated by `training.prepare`; split by "
            f"{prepared['split']}.",
            _table(["split", "texts", "setup→ending pairs", "characters", "by source"], split_rows),
            "Setup → ending cuts (`training.punchline`, plus word cuts of one-sentence "
            f"texts; `left_out_*` are texts without a cut): {pairs}.",
        ]
    )


def _quant_rows(ex: dict[str, Any], kind: str) -> list[list[Any]]:
    rows = []
    for q in ("none", "int8"):
        e = ex.get(f"{kind}-{q}")
        if not e:
            continue
        row = [_q(q), _mb(e["size_bytes"]), e["timing"]["median_s"]]
        if kind == "generator":
            row += [
                _f(e["perplexity"]["punchline"]["lite_generator"], 2),
                _f(e["perplexity"]["plain"]["lite_generator"], 2),
            ]
        else:
            row.append(_f(e["auc"]["roc_auc"]["lite_ranker"]["all"]))
        rows.append(row + [_f(e["parity"]["max_abs_logits_diff"], 4)])
    return rows


def generator_card(state: dict[str, Any], recipe: Recipe) -> str:
    r, gen, ev, ex = recipe.generator, state["generator"], state["generator_eval"], state["export"]
    bundle = ex[f"generator-{ex['generator']['quantize']}"]
    ppl_rows = [
        [
            name,
            ev["perplexity"][name]["texts"],
            ev["perplexity"][name]["tokens"],
            _f(ev["perplexity"][name]["lite_generator"], 2),
            _f(bundle["perplexity"][name]["lite_generator"], 2),
            _f(ev["perplexity"][name]["bigram"], 2),
            _f(ev["perplexity"][name]["unigram"], 2),
        ]
        for name in ("plain", "punchline")
    ]
    samples = [
        [
            i + 1,
            _cell(s["beginning"]),
            _cell(s["generated"]) or "*(empty)*",
            _cell(s["real_ending"]) or "—",
        ]
        for i, s in enumerate(ev["samples"])
    ]
    train_ex, training, t = gen["examples"]["train"], gen["training"], bundle["timing"]
    return _template(
        "generator.md",
        sources=sources_section(state),
        layers=r.layers,
        hidden=r.hidden_size,
        mlp=r.intermediate_size,
        heads=r.heads,
        kv_heads=r.kv_heads,
        context=r.context,
        parameters=f"{gen['parameters']:,}",
        vocab=r.vocab_size,
        plain_examples=f"{train_ex['plain_examples']:,}",
        chat_examples=f"{train_ex['chat_examples']:,}",
        tokens=f"{train_ex['tokens']:,}",
        loss_tokens=f"{train_ex['loss_tokens']:,}",
        epochs=f"{r.epochs:g}",
        lr=f"{r.lr:g}",
        warmup=f"{r.warmup_ratio:g}",
        batch=r.batch_size,
        weight_decay=f"{r.weight_decay:g}",
        seed=r.seed,
        steps=f"{training['steps']:,}",
        train_loss=_f(training["train_loss"]),
        minutes=_f((training["runtime_s"] or 0) / 60, 1),
        device=_device(training.get("host", {})),
        torch=training.get("host", {}).get("torch", "?"),
        ppl_table=_table(
            [
                "set",
                "texts",
                "tokens",
                "lite generator (PyTorch)",
                "bundled ONNX",
                "bigram",
                "unigram",
            ],
            ppl_rows,
        ),
        n_samples=len(samples),
        n_typed=sum(s["real_ending"] is None for s in ev["samples"]),
        samples_table=_table(["#", "beginning", "generated ending", "real ending"], samples),
        quantize=_q(ex["generator"]["quantize"]),
        size=_mb(ex["generator"]["size_bytes"]),
        parity_logits=_f(bundle["parity"]["max_abs_logits_diff"], 4),
        parity_identical=bundle["parity"]["greedy_tokens_identical"],
        parity_agreement=_f(bundle["parity"].get("greedy_token_agreement"), 2),
        t_candidates=t["candidates"],
        t_tokens=t["max_new_tokens"],
        t_median=t["median_s"],
        t_threads=t["threads"],
        t_runs=t["runs_s"],
        t_steps=t["decode_steps"],
        quant_table=_table(
            ["variant", "size", "8×40 tokens (s)", "punchline ppl", "plain ppl", "max abs Δlogits"],
            _quant_rows(ex, "generator"),
        ),
    )


def ranker_card(state: dict[str, Any], recipe: Recipe) -> str:
    r, rk, ev, ex = recipe.ranker, state["ranker"], state["ranker_eval"], state["export"]
    bundle = ex[f"ranker-{ex['ranker']['quantize']}"]
    auc, onnx_auc = ev["roc_auc"], bundle["auc"]["roc_auc"]
    auc_rows = [
        [
            k,
            _f(auc["lite_ranker"][k]),
            _f(onnx_auc["lite_ranker"][k]),
            _f(auc["text_length_baseline"][k]),
        ]
        for k in auc["lite_ranker"]
        if auc["lite_ranker"][k] == auc["lite_ranker"][k]  # a kind this build had none of: NaN
    ]
    kinds = [
        k for k in GROUP_KINDS if any(v.get(k) for v in state["ranker_data"]["splits"].values())
    ]
    group_rows = [
        [split, v["groups"], *(v.get(k, 0) for k in kinds)]
        for split, v in state["ranker_data"]["splits"].items()
    ]
    gate = ev.get("gate", {})
    gate_rows = [[k, f"{100 * v:.1f} %"] for k, v in gate.get("test_pass", {}).items()]
    trainer_rows = [["lite ranker", rk["model"]]] + [[n, b] for n, b in rk["baselines"].items()]
    training = rk["training"]
    return _template(
        "ranker.md",
        groups_table=_table(["split", "groups", *kinds], group_rows),
        objective=r.objective,
        gate_threshold=_f(gate.get("threshold"), 4),
        gate_real=f"{100 * gate.get('target_real_pass', 0):.0f} %",
        gate_table=_table(["test texts", "pass the gate"], gate_rows),
        layers=r.layers,
        hidden=r.hidden_size,
        mlp=r.intermediate_size,
        heads=r.heads,
        context=r.context,
        parameters=f"{rk['parameters']:,}",
        vocab=r.vocab_size,
        epochs=f"{r.epochs:g}",
        lr=f"{r.lr:g}",
        batch=r.batch_size,
        seed=r.seed,
        steps=f"{training['steps']:,}",
        minutes=_f((training["runtime_s"] or 0) / 60, 1),
        device=_device(training.get("host", {})),
        auc_table=_table(
            ["negatives", "lite ranker (PyTorch)", "bundled ONNX", "text length only"], auc_rows
        ),
        trainer_table=_table(
            ["", "Spearman ρ", "pair acc (group)", "NDCG@5 (group)"],
            [
                [n, _f(m["spearman"]), _f(m["pairwise_accuracy"]), _f(m["ndcg_at_5"])]
                for n, m in trainer_rows
            ],
        ),
        quantize=_q(ex["ranker"]["quantize"]),
        size=_mb(ex["ranker"]["size_bytes"]),
        parity_logits=_f(bundle["parity"]["max_abs_logits_diff"], 4),
        t_texts=bundle["timing"]["texts"],
        t_median=bundle["timing"]["median_s"],
        t_threads=bundle["timing"]["threads"],
        quant_table=_table(
            ["variant", "size", "score 8 texts (s)", "ROC-AUC (all)", "max abs Δscore"],
            _quant_rows(ex, "ranker"),
        ),
    )


def licences_md() -> str:
    rows = [
        [
            f"{s.registry} `{s.package}` {s.version}",
            s.licence,
            s.upstream,
            f"`licenses/{LICENCE_COPIES[s.name]}`",
        ]
        for s in SOURCES
    ]
    return _template(
        "licences.md", sources_table=_table(["source", "licence", "upstream", "licence text"], rows)
    )


def readme_md(state: dict[str, Any]) -> str:
    ex, gen = state["export"], state["generator"]["training"]
    note = (
        f"the bundle's generator trained in {_f((gen['runtime_s'] or 0) / 60, 1)} min on "
        f"{_device(gen.get('host', {}))}"
    )
    cpu = state.get("cpu_throughput")
    if cpu:
        note += (
            f"; its training on {cpu['threads']} CPU threads measured "
            f"{cpu['tokens_per_s']:.0f} tokens/s ≈ {cpu['estimated_hours']:.1f} h "
            f"(load average {cpu.get('load_average_1min', '?')} "
            f"on {cpu.get('cpu_count', '?')} cores)"
        )
    return _template(
        "readme.md",
        gen_quantize=_q(ex["generator"]["quantize"]),
        gen_size=_mb(ex["generator"]["size_bytes"]),
        rank_quantize=_q(ex["ranker"]["quantize"]),
        rank_size=_mb(ex["ranker"]["size_bytes"]),
        train_note=note,
    )


def write_cards(state: dict[str, Any], recipe: Recipe, out: Path, cache: Path) -> None:
    out = Path(out)
    (out / "lite-ranker" / "MODEL_CARD.md").write_text(ranker_card(state, recipe), encoding="utf-8")
    if "generator" not in state.get("export", {}):
        _merge_ranker_report(state, recipe, out)
        return
    (out / "lite-generator" / "MODEL_CARD.md").write_text(
        generator_card(state, recipe), encoding="utf-8"
    )
    (out / "LICENSES.md").write_text(licences_md(), encoding="utf-8")
    (out / "README.md").write_text(readme_md(state), encoding="utf-8")
    copies = out / "licenses"
    copies.mkdir(exist_ok=True)
    for source in SOURCES:
        shutil.copyfile(
            Path(cache) / source.package / "unpacked" / source.licence_file,
            copies / LICENCE_COPIES[source.name],
        )
    (out / "recipe.json").write_text(json.dumps(asdict(recipe), indent=1) + "\n", encoding="utf-8")
    # every recorded number, machine-readable (the cards show a selection of them)
    report = json.dumps(state, ensure_ascii=False, indent=1, default=str)
    (out / "build_report.json").write_text(report + "\n", encoding="utf-8")


def _merge_ranker_report(state: dict[str, Any], recipe: Recipe, out: Path) -> None:
    """The ranker rebuilt alone: its numbers replace the ranker's in the bundle's report and
    recipe; the generator's card, its numbers and the README stay as they were."""
    path = out / "build_report.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    for key in ("ranker_data", "ranker", "ranker_eval"):
        report[key] = state[key]
    exported = report.setdefault("export", {})
    exported.update({k: v for k, v in state["export"].items() if k.startswith("ranker")})
    recipe_path = out / "recipe.json"
    kept = json.loads(recipe_path.read_text(encoding="utf-8")) if recipe_path.is_file() else {}
    kept["ranker"] = asdict(recipe.ranker)
    recipe_path.write_text(json.dumps(kept, indent=1) + "\n", encoding="utf-8")
    text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    if "generator" in exported and "generator" in report:  # the README names both sizes
        (out / "README.md").write_text(readme_md(report), encoding="utf-8")
