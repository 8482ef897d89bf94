"""Train the lite ranker: WordPiece tokenizer, a small BERT regressor, and the project's own
ranker trainer (:func:`training.ranker_train.train_ranker`) on real-vs-degraded groups.

The groups (:mod:`training.lite.degrade`) are written as a prepared-data folder that
``train ranker`` reads: the label (1 real, 0 degraded) is stored as the ``approval`` target
(a share in [0, 1], which is what it is: "looks like an approved corpus entry"), and the
group id — the real joke's id — in the ``date`` field, because the trainer's pairwise
objective and its within-day metrics compare texts of one "day": here, of one group. The
objective is pairwise RankNet inside each group, then a least-squares calibration on
validation folded into the head, so the score reads roughly as P(real).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from inference.core.params import GenerationParams
from training.data_files import (
    SPLITS,
    jokes_file,
    load_split,
    prepare_output_dir,
    write_json,
    write_jsonl,
)
from training.lite.degrade import NEGATIVE_KINDS, build_groups, roc_auc
from training.lite.recipe import GeneratorRecipe, RankerRecipe, train_options
from training.lite.tokenizer_build import train_wordpiece_tokenizer

TARGET = "approval"


def prepare_ranker_base(data_dir: Path, recipe: RankerRecipe, dst: Path) -> Path:
    """WordPiece tokenizer trained on the training texts + an untrained BERT regressor."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    dst = prepare_output_dir(dst)
    texts = [j["text"] for j in load_split(data_dir, "train")]
    tokenizer = train_wordpiece_tokenizer(texts, recipe.vocab_size, recipe.context, dst)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=recipe.hidden_size,
        num_hidden_layers=recipe.layers,
        num_attention_heads=recipe.heads,
        intermediate_size=recipe.intermediate_size,
        max_position_embeddings=recipe.context,
        num_labels=1,
        problem_type="regression",
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(recipe.seed)
    BertForSequenceClassification(config).save_pretrained(dst, safe_serialization=True)
    return dst


def _ordered(pairs: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """A fixed pseudo-random order (hash of seed and id), independent of file order."""
    return sorted(pairs, key=lambda p: hashlib.sha256(f"{seed}:{p['id']}".encode()).hexdigest())


def bundled_generator() -> Path:
    from resources import resource_path

    return resource_path("models", "lite-generator")


def onnx_endings(
    generator: Any, setups: list[str], per_prompt: int, params: GenerationParams
) -> list[list[str]]:
    """The app's own generate call per beginning (ONNX Runtime; no batching across
    beginnings, but the prompt is read once for its endings)."""
    import dataclasses

    from inference.core.progress import Progress

    out = []
    for i, setup in enumerate(setups):
        seeded = dataclasses.replace(params, seed=(params.seed or 0) + i)
        out.append([c.text for c in generator.generate(setup, per_prompt, seeded, Progress())])
    return out


def build_ranker_data(
    data_dir: Path,
    generator_dir: Path,
    out_dir: Path,
    recipe: RankerRecipe,
    gen_recipe: GeneratorRecipe,
) -> dict[str, Any]:
    """Groups for every split, written as a prepared-data folder; returns its report."""
    from inference.text.generator import load_generator
    from training.lite.batch_generate import sample_endings
    from training.lite.lm_data import split_examples
    from training.lite.ngram import BigramModel

    params = GenerationParams(seed=recipe.seed)  # the app's default sampling
    trained = (Path(generator_dir) / "model.safetensors").is_file()
    if trained:
        generator = load_generator(generator_dir, backend="torch")
        tokenizer = generator.tokenizer
        train_lm, _ = split_examples(tokenizer, data_dir, "train", gen_recipe.max_length)
        bigram = BigramModel(len(tokenizer)).fit(train_lm)
    else:  # rebuilding the ranker alone: the bundled generator's endings, no bigram
        generator = load_generator(bundled_generator(), backend="onnx")
        tokenizer, bigram = None, None
    out = prepare_output_dir(out_dir)
    report: dict[str, Any] = {"target": TARGET, "splits": {}}
    for n, split in enumerate(SPLITS):
        pairs = _ordered(load_split(data_dir, split, "pairs"), recipe.seed)
        if split == "train":
            pairs = pairs[: recipe.train_groups]
        setups = [p["setup"] for p in pairs]
        if trained:
            endings = sample_endings(generator, setups, recipe.generated_per_joke, params)
        else:
            endings = onnx_endings(generator, setups, recipe.generated_per_joke, params)
        texts = build_groups(pairs, endings, tokenizer, bigram, recipe.seed + n)
        rows = [
            {
                "id": f"{t.group}#{t.kind}{i}",
                "date": t.group,
                "text": t.text,
                "kind": t.kind,
                "targets": {TARGET: t.label},
            }
            for i, t in enumerate(texts)
        ]
        write_jsonl(jokes_file(out, split), rows)
        report["splits"][split] = {"groups": len(pairs), **Counter(t.kind for t in texts)}
    write_json(out / "report.json", report)
    return report


def train_lite_ranker(
    ranker_data: Path,
    base: Path,
    out: Path,
    recipe: RankerRecipe,
    threads: int = 0,
    show_progress: bool = True,
) -> dict[str, Any]:
    from training.ranker_train import RankerConfig, train_ranker

    cfg = RankerConfig(
        data_dir=ranker_data,
        base=base,
        out=out,
        target=TARGET,
        objective=recipe.objective,
        pairwise_loss="ranknet",
        max_length=recipe.max_length,
        train=train_options(recipe, threads, show_progress, eval_batch_size=128, save_steps=1000),
    )
    metrics = train_ranker(cfg)
    metrics["recipe"] = asdict(recipe)
    return metrics


def auc_report(model_dir: Path, ranker_data: Path, backend: str = "torch") -> dict[str, Any]:
    """ROC-AUC of the ranker's scores, real vs each kind of degraded text, on the test
    groups; next to the text-length baseline of :mod:`training.ranker_eval`."""
    from inference.text.ranker import load_ranker
    from training.ranker_data import load_target_rows
    from training.ranker_eval import baseline_predictions

    ranker = load_ranker(model_dir, backend=backend)
    rows = load_split(ranker_data, "test")
    scores = np.asarray(ranker.score([r["text"] for r in rows]))
    labels = np.asarray([r["targets"][TARGET] for r in rows])
    kinds = np.asarray([r["kind"] for r in rows])
    length = baseline_predictions(
        load_target_rows(ranker_data, "train", TARGET),
        load_target_rows(ranker_data, "test", TARGET),
    )["text_length"]

    def aucs(values: np.ndarray) -> dict[str, float]:
        out = {"all": roc_auc(values, labels)}
        for kind in NEGATIVE_KINDS:
            keep = (kinds == "real") | (kinds == kind)
            out[kind] = roc_auc(values[keep], labels[keep])
        return out

    return {
        "split": "test",
        "texts": len(rows),
        "real": int(labels.sum()),
        "roc_auc": {"lite_ranker": aucs(scores), "text_length_baseline": aucs(length)},
    }


GATE_REAL_PASS = 0.95  # the gate lets through this share of real endings (validation)


def gate_report(
    model_dir: Path, ranker_data: Path, data_dir: Path, backend: str = "torch"
) -> dict[str, Any]:
    """The gate's threshold, set so that 95 % of the real endings of the validation
    beginnings pass — the endings as the bundled collection has them (whole cuts: no
    mid-sentence ``words`` cut, which is continuation material and no ending; see
    :mod:`training.lite.joke_pairs`), scored as the app scores a candidate — and what passes
    it on the test groups: the share of real texts, of each negative kind, and of the
    collection's test endings (``real_collection``)."""
    from inference.core.params import full_joke
    from inference.text.ranker import load_ranker
    from training.lite.joke_pairs import collection_rows

    ranker = load_ranker(model_dir, backend=backend)

    def scored(split: str) -> tuple[np.ndarray, np.ndarray]:
        rows = load_split(ranker_data, split)
        kinds = np.asarray([r["kind"] for r in rows])
        return np.asarray(ranker.score([r["text"] for r in rows])), kinds

    collection = collection_rows(data_dir)

    def endings(split: str) -> np.ndarray:
        texts = [full_joke(r["setup"], r["punchline"]) for r in collection if r["split"] == split]
        return np.asarray(ranker.score(texts))

    threshold = float(np.quantile(endings("validation"), 1.0 - GATE_REAL_PASS))
    test, kinds = scored("test")
    passes = {
        kind: float((test[kinds == kind] >= threshold).mean())
        for kind in ("real", *NEGATIVE_KINDS)
        if (kinds == kind).any()
    }
    passes["real_collection"] = float((endings("test") >= threshold).mean())
    real = test[kinds == "real"]
    return {
        "threshold": threshold,
        "target_real_pass": GATE_REAL_PASS,
        "calibrated_on": "validation endings of the collection (whole cuts)",
        "test_pass": passes,
        # the app's 0-100 reading of a score: where it falls among real endings (test)
        "scale": np.quantile(real, np.linspace(0, 1, 101)).tolist(),
    }
