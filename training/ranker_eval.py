"""Ranker evaluation: the two baselines, putting scores on the target's scale, and the table.

Baselines use only the training split to fit and are scored on the same test rows as the
model: ``constant_mean`` predicts the training mean (chance level for every ranking metric),
``text_length`` is least squares on [1, chars, log(1 + chars)] — a joke's length is the
cheapest feature that correlates with votes, so a model must beat it to have learnt humour.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.core.i18n import tr
from training.metrics import regression_metrics
from training.ranker_data import TargetRows

DOMAIN = "training"

# Column keys and their message keys (resources/i18n/training.json): printed in the
# user's language, Russian by default.
TABLE_COLUMNS = (
    ("mse", "table.col.mse"),
    ("mae", "table.col.mae"),
    ("r2", "table.col.r2"),
    ("spearman", "table.col.spearman"),
    ("pairwise_accuracy", "table.col.pairwise_accuracy"),
    ("ndcg_at_5", "table.col.ndcg_at_5"),
)


def _length_features(n_chars: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(n_chars), n_chars / 100.0, np.log1p(n_chars)])


def baseline_predictions(train: TargetRows, test: TargetRows) -> dict[str, np.ndarray]:
    mean = float(train.targets.mean()) if len(train) else 0.0
    coef, *_ = np.linalg.lstsq(_length_features(train.n_chars), train.targets, rcond=None)
    return {
        "constant_mean": np.full(len(test), mean),
        "text_length": _length_features(test.n_chars) @ coef,
    }


def fit_affine(raw: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Least-squares ``a * raw + b ≈ true`` for scores trained only to rank (pairwise). The
    slope is kept positive: a calibration must never reverse the model's order."""
    if len(raw) < 2 or float(np.var(raw)) == 0.0:
        return 1e-6, float(true.mean()) if len(true) else 0.0
    a, b = np.polyfit(raw, true, 1)
    if a <= 0:
        return 1e-6, float(true.mean())
    return float(a), float(b)


def head_linear(model: Any) -> Any:
    """The last ``nn.Linear`` with one output: the regression head's final projection in
    every transformers ``*ForSequenceClassification`` model with num_labels=1."""
    import torch

    found = None
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module.out_features == 1:
            found = module
    return found


def fold_affine(model: Any, a: float, b: float) -> bool:
    """Make the model itself output ``a * score + b`` by scaling its head, so the saved folder
    scores on the target's scale with no side file. False if the head has no bias."""
    import torch

    head = head_linear(model)
    if head is None or head.bias is None:
        return False
    with torch.no_grad():
        head.weight.mul_(a)
        head.bias.mul_(a).add_(b)
    return True


def evaluate(pred: np.ndarray, rows: TargetRows) -> dict[str, float | int]:
    return regression_metrics(pred, rows.targets, rows.days)


def metrics_block(model_pred: np.ndarray, train: TargetRows, test: TargetRows) -> dict[str, Any]:
    return {
        "model": evaluate(model_pred, test),
        "baselines": {
            name: evaluate(pred, test) for name, pred in baseline_predictions(train, test).items()
        },
    }


# What the field reached, printed next to a run's numbers so they can be read: the seed
# project's ranker (its zscore target, the same test idea) and SemEval-2020 Task 7's best
# systems at picking the funnier of two headlines; humans agree poorly (α ≈ 0.2).
REFERENCES = {
    "seed_project": {"target": "zscore", "r2": 0.04},
    "semeval_2020_task7": {"pairwise_accuracy": 0.67},
}
HEADLINE_METRICS = ("pairwise_accuracy", "spearman", "mse", "mae", "r2")
SIGNIFICANCE_Z = 2.0  # ρ·√(n−1) ≥ 2: about 95 % one-sided under "no relation"


def headline(block: dict[str, Any]) -> dict[str, dict[str, float]]:
    """``{metric: {"model": …, "constant_mean": …, "text_length": …}}`` for the five metrics a
    reader looks at first (metrics.json carries them at the top level)."""
    out: dict[str, dict[str, float]] = {}
    for key in HEADLINE_METRICS:
        row = {"model": float(block["model"][key])}
        row.update({name: float(m[key]) for name, m in block["baselines"].items()})
        out[key] = row
    return out


def verdict(block: dict[str, Any]) -> dict[str, Any]:
    """Did the model learn anything the held-out split can see? It must beat the constant
    baseline on pairwise accuracy and on Spearman's ρ, and ρ must be beyond noise for the
    number of test rows (a random scorer's ρ has a standard error of about 1/√(n−1))."""
    model, const = block["model"], block["baselines"]["constant_mean"]
    length = block["baselines"].get("text_length", const)
    n = int(model.get("n", 0))
    rho_needed = SIGNIFICANCE_Z / np.sqrt(max(1, n - 1))
    checks = {
        "pairwise_beats_constant": model["pairwise_accuracy"] > const["pairwise_accuracy"],
        "spearman_beats_constant": model["spearman"] > const["spearman"],
        "spearman_significant": model["spearman"] >= rho_needed,
    }
    return {
        "learned": all(checks.values()),
        "beats_text_length": bool(
            model["pairwise_accuracy"] > length["pairwise_accuracy"]
            and model["spearman"] > length["spearman"]
        ),
        "spearman_needed": float(rho_needed),
        "checks": {k: bool(v) for k, v in checks.items()},
    }


def format_table(block: dict[str, Any], labels: dict[str, str]) -> str:
    """The model's row and the baselines' rows under one header (fixed-width text)."""
    rows = [(labels.get("model", "model"), block["model"])]
    rows += [(labels.get(name, name), m) for name, m in block["baselines"].items()]
    width = max(len(name) for name, _ in rows) + 2
    header = " " * width + "".join(f"{tr(title, DOMAIN):>16}" for _, title in TABLE_COLUMNS)
    lines = [header]
    for name, m in rows:
        lines.append(f"{name:<{width}}" + "".join(f"{m[key]:>16.4f}" for key, _ in TABLE_COLUMNS))
    return "\n".join(lines)
