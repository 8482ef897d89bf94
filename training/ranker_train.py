"""``train ranker``: a BERT-like sequence regressor (num_labels=1) that predicts a joke's
rating target, judged on the date-held-out test split next to two baselines.

Objectives: ``mse`` regresses the standardised target (the seed baseline); ``pairwise``
learns only the order of jokes published the same day — RankNet (logistic loss on the score
difference) or a margin-ranking hinge. Either way the saved model outputs the target's own
scale: MSE predictions are de-standardised, pairwise scores are calibrated by least squares
on the validation split, and the affine map is folded into the head's last layer.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.core.errors import InputError
from inference.core.i18n import tr
from inference.core.progress import Progress
from training import plots
from training.base_models import check_base_folder, load_pretrained, usable_length
from training.data_files import check_data_dir, prepare_output_dir, write_json
from training.ranker_data import (
    DayGroupedSampler,
    RankerCollator,
    RankerDataset,
    TargetRows,
    has_same_day_pair,
    load_target_rows,
)
from training.ranker_eval import (
    REFERENCES,
    fit_affine,
    fold_affine,
    format_table,
    headline,
    metrics_block,
    verdict,
)
from training.targets import TARGETS
from training.trainer_common import (
    DOMAIN,
    TrainOptions,
    cancel_callback,
    finish_checkpoints,
    loss_history,
    run_training,
    save_final_model,
    set_threads,
    training_arguments,
)

OBJECTIVES = ("mse", "pairwise")
PAIRWISE_LOSSES = ("ranknet", "margin")
# 3e-5 is the usual rate for a BERT-base (110 M parameters); a small base needs a larger one
# (at 3e-5 a 60 k-parameter BERT ends where it started: R² 0, scores = the constant). The rate
# grows as 1/√size from there, between these bounds.
BASE_LR, BASE_PARAMS, MAX_LR = 3e-5, 110e6, 2e-3
METRICS_FILE = "metrics.json"


@dataclass
class RankerConfig:
    data_dir: Path
    base: Path
    out: Path
    target: str = "zscore"
    objective: str = "mse"
    pairwise_loss: str = "ranknet"
    margin: float = 0.5  # for the margin loss, in standardised target units
    max_length: int = 256
    train: TrainOptions = field(default_factory=TrainOptions)


def pairwise_loss(
    scores: Any, labels: Any, days: Any, kind: str = "ranknet", margin: float = 0.5
) -> Any:
    """Mean loss over the ordered pairs (i better than j) of the same day in the batch; a
    batch without such pairs gives a zero that still carries the graph."""
    import torch
    import torch.nn.functional as F

    better = (labels[:, None] > labels[None, :]) & (days[:, None] == days[None, :])
    if not bool(better.any()):
        return scores.sum() * 0.0
    diff = (scores[:, None] - scores[None, :])[better]
    if kind == "margin":
        return torch.clamp(margin - diff, min=0).mean()
    return F.softplus(-diff).mean()  # = -log sigmoid(s_i - s_j): RankNet


def _trainer_class() -> type:
    from transformers import Trainer

    class RankerTrainer(Trainer):
        def __init__(
            self,
            *args: Any,
            objective: str,
            pair_kind: str,
            margin: float,
            day_sampler: Any,
            **kwargs: Any,
        ) -> None:
            super().__init__(*args, **kwargs)
            self.objective, self.pair_kind, self.margin = objective, pair_kind, margin
            self.day_sampler = day_sampler

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # noqa: ANN001
            inputs = dict(inputs)
            labels, days = inputs.pop("labels"), inputs.pop("day")
            outputs = model(**inputs)
            scores = outputs.logits.reshape(-1).float()
            if self.objective == "pairwise":
                loss = pairwise_loss(scores, labels, days, self.pair_kind, self.margin)
            else:
                loss = ((scores - labels) ** 2).mean()
            return (loss, outputs) if return_outputs else loss

        def _get_train_sampler(self, train_dataset=None):  # noqa: ANN001
            return (
                self.day_sampler
                if self.day_sampler is not None
                else super()._get_train_sampler(train_dataset)
            )

    return RankerTrainer


def default_lr(n_params: int) -> float:
    """The learning rate used when ``--lr`` is not given, from the base's size:
    rubert-tiny2 (29 M) → 5.8e-5, the lite ranker (2.7 M) → 1.9e-4, a 60 k test BERT → 1.3e-3."""
    scaled = BASE_LR * float(np.sqrt(BASE_PARAMS / max(1, n_params)))
    return float(min(MAX_LR, max(BASE_LR, scaled)))


def _load_base(base: Path, target: str) -> tuple[Any, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    info = check_base_folder(base, "sequence-classification")
    tokenizer = load_pretrained(AutoTokenizer, info)
    tokenizer.padding_side = "right"
    model = load_pretrained(
        AutoModelForSequenceClassification,
        info,
        num_labels=1,
        problem_type="regression",
        id2label={0: target},
        label2id={target: 0},
        ignore_mismatched_sizes=True,  # a base with another head gets a fresh 1-output one
    )
    if tokenizer.pad_token_id is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def _predict(trainer: Any, dataset: RankerDataset) -> np.ndarray:
    if len(dataset) == 0:
        return np.zeros(0)
    return np.asarray(trainer.predict(dataset).predictions, dtype=float).reshape(-1)


def _check_config(cfg: RankerConfig) -> None:
    if cfg.target not in TARGETS:
        raise InputError(
            tr("ranker.bad_target", DOMAIN, target=cfg.target, choices=", ".join(TARGETS))
        )
    if cfg.objective not in OBJECTIVES:
        raise InputError(tr("ranker.bad_objective", DOMAIN, objective=cfg.objective))


def train_ranker(cfg: RankerConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Train, evaluate, save OUT (model + tokenizer + metrics.json + PNGs); returns metrics."""
    from transformers import set_seed

    _check_config(cfg)
    progress = progress or Progress()
    data_dir = check_data_dir(cfg.data_dir)
    rows = {s: load_target_rows(data_dir, s, cfg.target) for s in ("train", "validation", "test")}
    for split in ("train", "test"):
        if len(rows[split]) < 2:
            raise InputError(
                tr(
                    "ranker.too_few_rows",
                    DOMAIN,
                    split=split,
                    target=cfg.target,
                    n=len(rows[split]),
                )
            )
    if cfg.objective == "pairwise" and not has_same_day_pair(rows["train"]):
        # every pair loss would be zero: training would "succeed" and learn nothing
        raise InputError(tr("ranker.no_same_day_pairs", DOMAIN, target=cfg.target))
    out = prepare_output_dir(cfg.out)
    set_threads(cfg.train.threads)
    set_seed(cfg.train.seed)
    model, tokenizer = _load_base(Path(cfg.base), cfg.target)

    mu = float(rows["train"].targets.mean())
    sd = float(rows["train"].targets.std()) or 1.0
    max_length = usable_length(cfg.max_length, tokenizer, model.config)
    datasets = {
        s: RankerDataset(tokenizer, r, (r.targets - mu) / sd, max_length) for s, r in rows.items()
    }
    sampler = (
        DayGroupedSampler(datasets["train"].days, cfg.train.seed)
        if cfg.objective == "pairwise"
        else None
    )
    has_eval = len(datasets["validation"]) > 0
    lr = cfg.train.lr or default_lr(sum(p.numel() for p in model.parameters()))
    args = training_arguments(cfg.train, out, lr, has_eval)
    trainer = _trainer_class()(
        model=model,
        args=args,
        train_dataset=datasets["train"],
        eval_dataset=datasets["validation"] if has_eval else None,
        data_collator=RankerCollator(tokenizer),
        processing_class=tokenizer,
        callbacks=[cancel_callback(progress)],
        objective=cfg.objective,
        pair_kind=cfg.pairwise_loss,
        margin=cfg.margin,
        day_sampler=sampler,
    )
    result = run_training(trainer, out, cfg.train, progress)

    calib_split = "validation" if has_eval else "train"
    if cfg.objective == "mse":
        a, b, method = sd, mu, "destandardise"
    else:
        a, b = fit_affine(_predict(trainer, datasets[calib_split]), rows[calib_split].targets)
        method = f"least_squares_on_{calib_split}"
    raw_test = _predict(trainer, datasets["test"])
    folded = fold_affine(trainer.model, a, b)
    test_pred = _predict(trainer, datasets["test"]) if folded else a * raw_test + b
    if folded and not np.allclose(
        test_pred, a * raw_test + b, rtol=1e-3, atol=1e-3 * max(1.0, abs(b))
    ):
        raise RuntimeError("folding the calibration into the ranker head changed its outputs")

    block = metrics_block(test_pred, rows["train"], rows["test"])
    metrics = {
        "target": cfg.target,
        "objective": cfg.objective if cfg.objective == "mse" else f"pairwise/{cfg.pairwise_loss}",
        "base": str(Path(cfg.base).resolve()),
        "data": str(data_dir.resolve()),
        "split": "test",
        "test": _split_summary(rows["test"]),
        **headline(block),
        **block,
        "verdict": verdict(block),
        "seed_target": _seed_target(data_dir, cfg.target, test_pred),
        "references": REFERENCES,
        "calibration": {"a": a, "b": b, "method": method, "folded_into_head": folded},
        "training": {
            "train_rows": len(rows["train"]),
            "validation_rows": len(rows["validation"]),
            "steps": trainer.state.global_step,
            "epochs": trainer.state.epoch,
            "train_loss": result.training_loss,
            "runtime_s": result.metrics.get("train_runtime"),
            "learning_rate": lr,
            "options": asdict(cfg.train),
            "history": loss_history(trainer),
        },
    }
    if has_eval:
        val_pred = _predict(trainer, datasets["validation"])
        metrics["validation"] = metrics_block(val_pred, rows["train"], rows["validation"])
    save_final_model(trainer, out)
    if trainer.is_world_process_zero():
        _write_report(out, metrics, test_pred, rows["test"], trainer)
    finish_checkpoints(trainer, out, cfg.train.keep_checkpoints)
    return metrics


def _seed_target(data_dir: Path, target: str, test_pred: np.ndarray) -> dict[str, Any] | None:
    """The model's test scores judged against the seed project's target (net votes as a
    z-score), so a run on another target still compares with the seed's R² 0.04. Only the
    scale-free metrics: the model does not predict on that scale."""
    if target == "zscore":
        return None
    rows = load_target_rows(data_dir, "test", "zscore")
    mine = load_target_rows(data_dir, "test", target)
    if len(rows) != len(mine) or rows.texts != mine.texts:
        return None  # some test jokes lack votes for one of the two targets
    m = metrics_block(test_pred, load_target_rows(data_dir, "train", "zscore"), rows)
    keys = ("spearman", "pairwise_accuracy", "ndcg_at_5")
    return {"target": "zscore", "model": {k: m["model"][k] for k in keys}}


def _split_summary(rows: TargetRows) -> dict[str, Any]:
    days = sorted({d for d in rows.days if d})
    return {
        "n": len(rows),
        "days": len(days),
        "first_day": days[0] if days else None,
        "last_day": days[-1] if days else None,
    }


def _write_report(
    out: Path, metrics: dict[str, Any], pred: np.ndarray, test: TargetRows, trainer: Any
) -> None:
    title = f"{metrics['target']} · {metrics['objective']}"
    metrics["plots"] = {
        "predicted_vs_true": plots.predicted_vs_true(
            out / "predicted_vs_true.png", title, pred.tolist(), test.targets.tolist()
        ).name,
        "training_curve": plots.training_curve(
            out / "training_curve.png", title, trainer.state.log_history
        ).name,
    }
    write_json(out / METRICS_FILE, metrics)
    print(ranker_summary(metrics), file=sys.stdout)


def ranker_summary(metrics: dict[str, Any]) -> str:
    """The header line and the metrics table printed at the end of ``train ranker``."""
    labels = {
        "model": tr("table.model", DOMAIN),
        "constant_mean": tr("table.constant_mean", DOMAIN),
        "text_length": tr("table.text_length", DOMAIN),
    }
    test = metrics["test"]
    head = tr(
        "ranker.summary",
        DOMAIN,
        target=metrics["target"],
        objective=metrics["objective"],
        n=test["n"],
        days=test["days"],
        first=test["first_day"],
        last=test["last_day"],
    )
    lines = [head, format_table(metrics, labels)]
    v = metrics.get("verdict")
    if v is not None:
        key = "ranker.learned" if v["learned"] else "ranker.learned_nothing"
        lines.append(tr(key, DOMAIN, needed=f"{v['spearman_needed']:.3f}"))
    return "\n".join(lines)
