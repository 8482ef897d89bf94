"""Ranker metrics on hand-checked examples (numpy implementations, no scipy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inference.core import i18n
from training.metrics import (
    METRIC_NAMES,
    ndcg_at_k,
    pairwise_accuracy,
    regression_metrics,
    spearman,
)
from training.ranker_data import TargetRows
from training.ranker_eval import baseline_predictions, fit_affine, format_table


def a(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=float)


def test_spearman_with_ties():
    assert spearman(a(1, 2, 3, 4), a(10, 20, 30, 40)) == pytest.approx(1.0)
    assert spearman(a(4, 3, 2, 1), a(10, 20, 30, 40)) == pytest.approx(-1.0)
    # ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5)
    assert spearman(a(1, 2, 2, 3), a(1, 2, 3, 4)) == pytest.approx(4.5 / math.sqrt(22.5))
    assert spearman(a(7, 7, 7), a(1, 2, 3)) == 0.0


def test_pairwise_accuracy_counts_same_day_pairs_only():
    days = ["a", "a", "a", "b", "b"]
    acc, pairs = pairwise_accuracy(a(1, 3, 2, 0, 0), a(1, 2, 3, 5, 4), days)
    assert pairs == 4  # 3 in day a, 1 in day b; cross-day pairs ignored
    assert acc == pytest.approx((2 + 0.5) / 4)  # one wrong pair in a, one tie in b


def test_ndcg_at_5_tie_aware():
    true, days = a(3, 2, 1, 0), ["d"] * 4
    gains = [1, 2 / 3, 1 / 3, 0]  # within-day percentiles of the truth
    disc = [1 / math.log2(i + 2) for i in range(4)]
    ideal = sum(g * d for g, d in zip(gains, disc, strict=True))
    assert ndcg_at_k(a(9, 8, 7, 6), true, days)[0] == pytest.approx(1.0)
    reversed_dcg = sum(g * d for g, d in zip(gains[::-1], disc, strict=True))
    assert ndcg_at_k(a(6, 7, 8, 9), true, days)[0] == pytest.approx(reversed_dcg / ideal)
    constant = 0.5 * sum(disc)  # every position gets the tied block's mean gain
    assert ndcg_at_k(a(1, 1, 1, 1), true, days)[0] == pytest.approx(constant / ideal)
    assert ndcg_at_k(a(1, 1, 1, 1), true[::-1], days)[0] == pytest.approx(constant / ideal)


def test_regression_metrics_has_every_field():
    m = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ["x", "x", "y"])
    assert set(METRIC_NAMES) <= set(m)
    assert (m["mse"], m["mae"], m["r2"], m["spearman"]) == (0.0, 0.0, 1.0, 1.0)
    assert m["n"] == 3 and m["n_pairs"] == 1


def test_baselines_and_calibration():
    train = TargetRows(["x"] * 4, a(1, 2, 3, 4), ["d"] * 4, a(10, 20, 30, 40))
    test = TargetRows(["x"] * 2, a(5, 6), ["e"] * 2, a(50, 60))
    preds = baseline_predictions(train, test)
    assert preds["constant_mean"].tolist() == [2.5, 2.5]
    assert preds["text_length"] == pytest.approx([5.0, 6.0], abs=1e-6)  # length explains it
    assert fit_affine(a(0, 1, 2), a(1, 3, 5)) == pytest.approx((2.0, 1.0))
    slope, intercept = fit_affine(a(0, 1, 2), a(5, 3, 1))  # never reverse the order
    assert slope > 0 and intercept == pytest.approx(3.0)
    block = {
        "model": regression_metrics([5, 6], [5, 6], test.days),
        "baselines": {"constant_mean": regression_metrics([2.5, 2.5], [5, 6], test.days)},
    }
    table = format_table(block, {"model": "model"})
    assert "ρ" in table.splitlines()[0] and len(table.splitlines()) == 3


def test_table_header_is_in_the_users_language():
    """The printed metrics table speaks Russian by default and English with --lang en."""
    days = ["d", "d"]
    block = {
        "model": regression_metrics([5, 6], [5, 6], days),
        "baselines": {"constant_mean": regression_metrics([2.5, 2.5], [5, 6], days)},
    }
    header_ru = format_table(block, {}).splitlines()[0]
    assert "ρ Спирмена" in header_ru and "пары (день)" in header_ru
    assert "pair acc" not in header_ru
    i18n.set_language("en")
    header_en = format_table(block, {}).splitlines()[0]
    assert "Spearman ρ" in header_en and "pair acc (day)" in header_en
