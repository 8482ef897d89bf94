"""Rating targets for the ranker (pure functions over vote counts).

``zscore``
    The seed baseline: net votes (up − down) standardised with the mean and standard
    deviation of the *training* split, so nothing of the test period leaks into the scale.
``approval``
    Smoothed share of up-votes, ``(up + a) / (up + down + a + b)``: a joke with 3 votes out
    of 3 does not beat one with 290 out of 300 (``a``, ``b`` act as a Beta prior).
``day_percentile``
    Where the joke's net votes stand among the jokes published the same day, in [0, 1]
    (mid-rank for ties; a lone joke gets 0.5). It removes the drift of site traffic over
    the years: a good joke of 2005 and a good joke of 2024 both score near 1.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

TARGETS = ("zscore", "approval", "day_percentile")


@dataclass(frozen=True)
class ZScale:
    mean: float
    std: float

    def apply(self, value: float) -> float:
        return (value - self.mean) / self.std


def fit_zscale(values: Sequence[float]) -> ZScale:
    """Mean and population standard deviation; a constant set gets std 1 (no blow-up)."""
    if not values:
        return ZScale(0.0, 1.0)
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return ZScale(mean, math.sqrt(var) if var > 0 else 1.0)


def approval(up: float, down: float, a: float = 1.0, b: float = 1.0) -> float:
    return (up + a) / (up + down + a + b)


def mid_rank_percentiles(values: Sequence[float]) -> list[float]:
    """Percentile of each value within ``values``: (below + (equal − 1) / 2) / (n − 1)."""
    n = len(values)
    if n == 1:
        return [0.5]
    order = sorted(values)
    out = []
    for v in values:
        below = bisect_left(order, v)
        equal = bisect_right(order, v) - below
        out.append((below + (equal - 1) / 2) / (n - 1))
    return out


def day_percentiles(days: Sequence[Hashable], nets: Sequence[float]) -> list[float]:
    """:func:`mid_rank_percentiles` of ``nets`` computed separately inside each day."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        groups[day].append(i)
    out = [0.0] * len(nets)
    for idx in groups.values():
        for i, p in zip(idx, mid_rank_percentiles([nets[i] for i in idx]), strict=True):
            out[i] = p
    return out
