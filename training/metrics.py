"""Ranker metrics in numpy: regression errors and ranking quality within a day.

Ranking metrics look only inside a day because that is how the site's votes compare
(traffic drifts across years) and how the app uses the ranker (candidates of one prompt).
Ties in the predictions are never broken in the model's favour: a tied pair counts one
half in pairwise accuracy, and NDCG gives every position of a tied block the block's mean
gain — so a constant predictor scores exactly chance, whatever the input order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np

METRIC_NAMES = ("mse", "mae", "r2", "spearman", "pairwise_accuracy", "ndcg_at_5")


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their mean rank (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_x)) + 1]
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x), dtype=float)
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = (s + e + 1) / 2
    return ranks


def spearman(pred: np.ndarray, true: np.ndarray) -> float:
    """Spearman's ρ; 0.0 when either side is constant (no ordering information)."""
    if len(pred) < 2:
        return 0.0
    rp, rt = average_ranks(pred), average_ranks(true)
    rp, rt = rp - rp.mean(), rt - rt.mean()
    denom = float(np.sqrt((rp**2).sum() * (rt**2).sum()))
    return float((rp * rt).sum() / denom) if denom > 0 else 0.0


def _by_day(days: Sequence[Hashable]) -> list[np.ndarray]:
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        groups[day].append(i)
    return [np.asarray(idx) for idx in groups.values()]


def pairwise_accuracy(
    pred: np.ndarray, true: np.ndarray, days: Sequence[Hashable]
) -> tuple[float, int]:
    """Share of same-day pairs with different true scores that the predictions order the
    same way (ties in the predictions count one half), and the number of such pairs."""
    hits, pairs = 0.0, 0
    for idx in _by_day(days):
        p, t = pred[idx], true[idx]
        dp = np.sign(p[:, None] - p[None, :])
        dt = np.sign(t[:, None] - t[None, :])
        mask = np.triu(dt != 0, k=1)
        pairs += int(mask.sum())
        hits += float((dp[mask] == dt[mask]).sum() + 0.5 * (dp[mask] == 0).sum())
    return (hits / pairs if pairs else 0.5), pairs


def _dcg_tie_aware(pred: np.ndarray, gains: np.ndarray, k: int) -> float:
    order = np.argsort(-pred, kind="mergesort")
    sorted_pred, sorted_gain = pred[order], gains[order].astype(float)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_pred)) + 1]
    ends = np.r_[starts[1:], len(pred)]
    for s, e in zip(starts, ends, strict=True):
        sorted_gain[s:e] = sorted_gain[s:e].mean()
    discounts = 1.0 / np.log2(np.arange(2, min(k, len(pred)) + 2))
    return float((sorted_gain[:k] * discounts).sum())


def ndcg_at_k(
    pred: np.ndarray, true: np.ndarray, days: Sequence[Hashable], k: int = 5
) -> tuple[float, int]:
    """Mean NDCG@k over days with at least two jokes and non-constant truth; the gain of a
    joke is the within-day percentile of its true score (non-negative for any target)."""
    from training.targets import mid_rank_percentiles

    scores = []
    for idx in _by_day(days):
        t = true[idx]
        if len(idx) < 2 or np.all(t == t[0]):
            continue
        gains = np.asarray(mid_rank_percentiles(t.tolist()))
        ideal = _dcg_tie_aware(gains, gains, k)
        scores.append(_dcg_tie_aware(pred[idx], gains, k) / ideal)
    return (float(np.mean(scores)) if scores else 0.0), len(scores)


def regression_metrics(
    pred: Sequence[float], true: Sequence[float], days: Sequence[Hashable]
) -> dict[str, float | int]:
    """Every metric of the report for one predictor on one split."""
    p = np.asarray(pred, dtype=float)
    t = np.asarray(true, dtype=float)
    err = p - t
    var = float(((t - t.mean()) ** 2).sum()) if len(t) else 0.0
    acc, n_pairs = pairwise_accuracy(p, t, days)
    ndcg, n_days = ndcg_at_k(p, t, days, k=5)
    return {
        "mse": float((err**2).mean()) if len(t) else 0.0,
        "mae": float(np.abs(err).mean()) if len(t) else 0.0,
        "r2": 1.0 - float((err**2).sum()) / var if var > 0 else 0.0,
        "spearman": spearman(p, t),
        "pairwise_accuracy": acc,
        "ndcg_at_5": ndcg,
        "n": len(t),
        "n_pairs": n_pairs,
        "n_days": n_days,
    }
