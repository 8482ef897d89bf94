"""Ranker inputs: prepared rows with one chosen target, tokenised, plus a sampler that keeps
the jokes of one day together (the pairwise objective compares jokes of the same day)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from training.data_files import load_split


@dataclass
class TargetRows:
    """The jokes of one split that have a value for the chosen target."""

    texts: list[str]
    targets: np.ndarray
    days: list[str]
    n_chars: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def load_target_rows(data_dir: str | Path, split: str, target: str) -> TargetRows:
    rows = [r for r in load_split(data_dir, split) if r["targets"].get(target) is not None]
    return TargetRows(
        texts=[r["text"] for r in rows],
        targets=np.asarray([r["targets"][target] for r in rows], dtype=float),
        days=[r["date"] or "" for r in rows],
        n_chars=np.asarray([len(r["text"]) for r in rows], dtype=float),
    )


def has_same_day_pair(rows: TargetRows) -> bool:
    """Whether some day holds two jokes with different targets: the pairwise objective
    learns from nothing else (a linear pass; days can be large)."""
    seen: dict[str, float] = {}
    for day, value in zip(rows.days, rows.targets.tolist(), strict=True):
        if seen.setdefault(day, value) != value:
            return True
    return False


class RankerDataset(Dataset):
    """Tokenised once up front (texts are short); ``labels`` are the training labels (the
    target standardised), ``day`` an integer per distinct date."""

    def __init__(
        self, tokenizer: Any, rows: TargetRows, labels: np.ndarray, max_length: int
    ) -> None:
        enc = tokenizer(rows.texts, truncation=True, max_length=max_length)
        day_ids: dict[str, int] = {}
        self.days = [day_ids.setdefault(d, len(day_ids)) for d in rows.days]
        self.features = [{k: enc[k][i] for k in enc} for i in range(len(rows))]
        self.labels = [float(v) for v in labels]

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {**self.features[i], "labels": self.labels[i], "day": self.days[i]}


class RankerCollator:
    """Pads the token fields with the tokenizer; labels and days become tensors."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        tokens = [{k: v for k, v in f.items() if k not in ("labels", "day")} for f in features]
        batch = self.tokenizer.pad(tokens, padding=True, return_tensors="pt")
        batch["labels"] = torch.tensor([f["labels"] for f in features], dtype=torch.float32)
        batch["day"] = torch.tensor([f["day"] for f in features], dtype=torch.long)
        return dict(batch)


class DayGroupedSampler(Sampler[int]):
    """Every epoch: days in a random order, the jokes of each day shuffled and kept together,
    so consecutive batches are (almost always) single-day and give many same-day pairs."""

    def __init__(self, days: Sequence[int], seed: int) -> None:
        self.groups: dict[int, list[int]] = defaultdict(list)
        for i, day in enumerate(days):
            self.groups[day].append(i)
        self.seed = seed
        self.epoch = 0
        self.n = len(days)

    def set_epoch(self, epoch: int) -> None:  # called by the Trainer / accelerate each epoch
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        order = list(self.groups)
        rng.shuffle(order)
        for day in order:
            members = list(self.groups[day])
            rng.shuffle(members)
            yield from members
