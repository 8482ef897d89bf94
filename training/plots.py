"""PNG figures for the reports (matplotlib with the Agg backend: no display, no Qt)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)  # never a GUI backend: runs on servers and under Qt
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)  # pyplot keeps every open figure alive otherwise
    return path


def histogram(
    path: Path, title: str, series: Mapping[str, Sequence[float]], bins: int = 30
) -> Path:
    """One histogram with a layer per split (e.g. train / validation / test)."""
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    everything = [v for values in series.values() for v in values]
    edges = np.histogram_bin_edges(everything, bins=bins) if everything else bins
    for name, values in series.items():
        if len(values):  # the same bin edges for every split, so the layers compare
            ax.hist(values, bins=edges, alpha=0.5, label=f"{name} ({len(values)})", density=True)
    ax.set_title(title)
    ax.set_xlabel("value")
    ax.set_ylabel("density")
    if any(len(v) for v in series.values()):
        ax.legend()
    return _save(plt, fig, path)


def predicted_vs_true(path: Path, title: str, pred: Sequence[float], true: Sequence[float]) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.scatter(true, pred, s=8, alpha=0.6)
    if len(true):
        lo, hi = min(min(true), min(pred)), max(max(true), max(pred))
        ax.plot([lo, hi], [lo, hi], color="grey", linewidth=1, linestyle="--")
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.set_title(title)
    return _save(plt, fig, path)


def training_curve(path: Path, title: str, log_history: Sequence[Mapping[str, Any]]) -> Path:
    """Training loss per logged step and evaluation loss per evaluation, from the Trainer's
    ``state.log_history``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e and "step" in e]
    evals = [(e["step"], e["eval_loss"]) for e in log_history if "eval_loss" in e]
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss")
    if evals:
        ax.plot(*zip(*evals, strict=True), marker="o", label="validation loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if train or evals:
        ax.legend()
    return _save(plt, fig, path)
