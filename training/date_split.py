"""Split jokes by date into train / validation / test, keeping reposts on one side.

The test split is the most recent period and validation the period just before it, so the
ranker is judged on jokes "from the future" the way it will be used. Cuts fall on day
boundaries (a day is never shared, which within-day metrics need). Reposts — rows sharing a
scraper ``text_hash`` *or* a normalised-text key, transitively — form one group, and a group
goes wholly to the split of its earliest dated member, so no text is on both sides.
Undated rows (e.g. fortune-file imports) go to train.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from inference.core.errors import InputError
from inference.core.i18n import tr

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitConfig:
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    validation_from: str | None = None  # explicit first day (YYYY-MM-DD) of validation
    test_from: str | None = None  # explicit first day of test


@dataclass(frozen=True)
class DateSplit:
    splits: list[str]  # one split name per row
    validation_from: str | None
    test_from: str | None


def repost_groups(keys: Sequence[Sequence[str]]) -> list[int]:
    """Group id per row: rows sharing any key (union-find over every key of every row)."""
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, row_keys in enumerate(keys):
        for key in row_keys:
            if not key:
                continue
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    return [find(i) for i in range(len(keys))]


def _days_holding(counts: Counter[str], dates_desc: list[str], rows: float) -> int:
    """How many of the latest days in ``dates_desc`` hold ``rows`` rows (at least one day)."""
    taken = 0
    for i, day in enumerate(dates_desc):
        taken += counts[day]
        if taken >= rows:
            return i + 1
    return len(dates_desc)


def _cut_dates(group_dates: list[str], cfg: SplitConfig) -> tuple[str | None, str | None]:
    """First day of validation and of test (None: that split is empty)."""
    counts = Counter(group_dates)
    days = sorted(counts, reverse=True)
    total = len(group_dates)
    test_from, val_from = cfg.test_from, cfg.validation_from
    if test_from is None and cfg.test_fraction > 0 and days:
        test_from = days[_days_holding(counts, days, cfg.test_fraction * total) - 1]
    rest = [d for d in days if test_from is None or d < test_from]
    if val_from is None and cfg.validation_fraction > 0 and rest:
        val_from = rest[_days_holding(counts, rest, cfg.validation_fraction * total) - 1]
    train_days = [d for d in rest if val_from is None or d < val_from]
    if days and not train_days:
        raise InputError(tr("split.too_few_days", "training", days=len(days)))
    return val_from, test_from


def split_by_date(
    dates: Sequence[str | None], keys: Sequence[Sequence[str]], cfg: SplitConfig = SplitConfig()
) -> DateSplit:
    """``dates[i]`` is ``YYYY-MM-DD`` or None; ``keys[i]`` the repost keys of row ``i``."""
    groups = repost_groups(keys)
    earliest: dict[int, str] = {}
    for group, day in zip(groups, dates, strict=True):
        if day and (group not in earliest or day < earliest[group]):
            earliest[group] = day
    val_from, test_from = _cut_dates(list(earliest.values()), cfg)

    def which(day: str | None) -> str:
        if day is None:
            return "train"
        if test_from is not None and day >= test_from:
            return "test"
        if val_from is not None and day >= val_from:
            return "validation"
        return "train"

    splits = [which(earliest.get(g)) for g in groups]
    return DateSplit(splits=splits, validation_from=val_from, test_from=test_from)
