"""train ranker on the synthetic dataset with the tiny BERT regressor: it must learn the
hidden rule (cats up, Mondays down) well past the baselines, and its folder must load in
inference/ and score on the target's scale."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.training.conftest import copy_model
from tests.training.synthetic_jokes import true_quality
from training.metrics import METRIC_NAMES, spearman
from training.ranker_train import pairwise_loss

FAST = ["--batch-size", "16", "--max-length", "64", "--threads", "2", "--quiet"]


@pytest.fixture(scope="module")
def trained_ranker(tmp_path_factory, prepared_data: Path, tiny_ranker_dir: Path) -> Path:
    from training.cli import main

    tmp = tmp_path_factory.mktemp("ranker")
    base = copy_model(tiny_ranker_dir, tmp, "base")
    out = tmp / "out"
    argv = ["ranker", "--data", str(prepared_data), "--base", str(base), "--out", str(out)]
    # no --lr: the default must suit a small base (at 3e-5 this one learnt nothing)
    assert (
        main([*argv, "--target", "day_percentile", "--objective", "mse", "--epochs", "8", *FAST])
        == 0
    )
    return out


def test_metrics_beat_both_baselines(trained_ranker: Path, capsys):
    m = json.loads((trained_ranker / "metrics.json").read_text(encoding="utf-8"))
    assert (m["target"], m["objective"], m["split"]) == ("day_percentile", "mse", "test")
    assert m["test"]["n"] == 72 and m["test"]["days"] == 6
    for block in (m["model"], *m["baselines"].values(), m["validation"]["model"]):
        assert set(METRIC_NAMES) <= set(block)
        assert all(math.isfinite(block[k]) for k in METRIC_NAMES)
    model, const, length = (
        m["model"],
        m["baselines"]["constant_mean"],
        m["baselines"]["text_length"],
    )
    assert const["spearman"] == 0.0 and const["pairwise_accuracy"] == 0.5  # chance, by design
    assert model["spearman"] >= 0.4 and model["spearman"] >= const["spearman"] + 0.3
    assert model["spearman"] > length["spearman"] + 0.2
    assert model["pairwise_accuracy"] > 0.62 and model["ndcg_at_5"] > const["ndcg_at_5"]
    assert model["mse"] < const["mse"] and model["r2"] > 0.1
    assert m["calibration"]["folded_into_head"] and m["training"]["steps"] == 8 * 16
    assert 5e-4 < m["training"]["learning_rate"] <= 2e-3  # sized for a 60 k-parameter base
    assert m["verdict"]["learned"] and all(m["verdict"]["checks"].values())
    for key in ("pairwise_accuracy", "spearman", "mse", "mae", "r2"):  # the headline block
        assert m[key] == {
            "model": model[key],
            "constant_mean": const[key],
            "text_length": length[key],
        }
    assert m["seed_target"]["target"] == "zscore" and m["seed_target"]["model"]["spearman"] > 0.2
    assert m["references"]["seed_project"]["r2"] == 0.04
    assert len([e for e in m["training"]["history"] if "eval_loss" in e]) == 8
    for png in m["plots"].values():
        assert (trained_ranker / png).read_bytes()[:4] == b"\x89PNG"
    assert not (trained_ranker / "checkpoints").exists()  # OUT is a plain model folder


def test_trained_folder_loads_in_inference_and_scores_on_the_target_scale(
    trained_ranker: Path, prepared_data: Path
):
    from inference.text.ranker import load_ranker
    from training.ranker_data import load_target_rows

    test = load_target_rows(prepared_data, "test", "day_percentile")
    ranker = load_ranker(trained_ranker, backend="torch", threads=2)
    scores = np.asarray(ranker.score(test.texts))
    m = json.loads((trained_ranker / "metrics.json").read_text(encoding="utf-8"))
    # the saved model is the evaluated one (calibration folded in: same numbers)
    assert spearman(scores, test.targets) == pytest.approx(m["model"]["spearman"], abs=1e-6)
    assert float(np.mean((scores - test.targets) ** 2)) == pytest.approx(
        m["model"]["mse"], rel=1e-4
    )
    good = [s for s, t in zip(scores, test.texts, strict=True) if true_quality(t) > 0]
    bad = [s for s, t in zip(scores, test.texts, strict=True) if true_quality(t) < 0]
    assert np.mean(good) > np.mean(bad) + 0.2


def test_pairwise_objective_learns_the_within_day_order(
    tmp_path: Path, prepared_data: Path, tiny_ranker_dir: Path
):
    from training.ranker_train import RankerConfig, train_ranker
    from training.trainer_common import TrainOptions

    opts = TrainOptions(epochs=6, lr=2e-3, batch_size=16, threads=2, show_progress=False)
    cfg = RankerConfig(
        data_dir=prepared_data,
        base=copy_model(tiny_ranker_dir, tmp_path, "base"),
        out=tmp_path / "out",
        target="zscore",
        objective="pairwise",
        max_length=64,
        train=opts,
    )
    m = train_ranker(cfg)
    assert m["objective"] == "pairwise/ranknet"
    assert m["calibration"]["method"] == "least_squares_on_validation" and m["calibration"]["a"] > 0
    assert m["model"]["pairwise_accuracy"] > 0.62
    assert m["model"]["spearman"] > m["baselines"]["constant_mean"]["spearman"] + 0.2
    assert (
        json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))["model"]
        == m["model"]
    )


def test_pairwise_losses_by_hand():
    scores = torch.tensor([2.0, 0.0, 5.0], requires_grad=True)
    labels, days = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0, 0, 1])
    # the only same-day ordered pair is (0 better than 1): softplus(-(2 - 0))
    ranknet = pairwise_loss(scores, labels, days).item()
    assert ranknet == pytest.approx(math.log1p(math.exp(-2.0)))
    assert pairwise_loss(scores, labels, days, "margin", 3.0).item() == pytest.approx(1.0)
    none = pairwise_loss(scores, labels, torch.tensor([0, 1, 2]))
    none.backward()  # no pair: zero loss that still has a graph
    assert none.item() == 0.0 and scores.grad is not None


def test_pairwise_without_any_same_day_pair_is_refused(
    tmp_path: Path, tiny_ranker_dir: Path, capsys
):
    """One joke a day: the pairwise loss would be zero on every batch, so training would
    "succeed" with an untrained model. It must stop with one line instead (mse still works)."""
    from scraper.dataset import JokeRecord
    from scraper.textnorm import text_hash
    from tests.training.synthetic_jokes import write_db
    from training.cli import main

    texts = [f"Сосед {i} раз чинил крыльцо, а дождь всё равно пришёл раньше." for i in range(12)]
    records = [
        JokeRecord(
            id=f"anekdot.ru:{i}",
            source="anekdot.ru",
            text=t,
            text_hash=text_hash(t),
            date=f"2022-03-{i + 1:02d}",
            up=10 + i,
            down=3,
            net=7 + i,
            total=13 + i,
        )
        for i, t in enumerate(texts)
    ]
    db = write_db(tmp_path / "one_a_day.sqlite", records)
    data = tmp_path / "data"
    assert main(["prepare", "--db", str(db), "--out", str(data), "--test-fraction", "0.25"]) == 0
    argv = ["ranker", "--data", str(data), "--base", str(tiny_ranker_dir), "--out"]
    capsys.readouterr()
    assert main([*argv, str(tmp_path / "p"), "--objective", "pairwise", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--objective mse" in err[0]
    assert not (tmp_path / "p").exists()
    # mse trains (one step on three test jokes cannot show learning: exit 3, files written)
    from training.cli_ranker import EXIT_NOT_LEARNED

    assert main([*argv, str(tmp_path / "m"), "--max-steps", "1", "--quiet"]) == EXIT_NOT_LEARNED
    assert (tmp_path / "m" / "metrics.json").is_file()


def test_a_run_that_learns_nothing_says_so_and_exits_non_zero(
    tmp_path: Path, tiny_ranker_dir: Path, capsys
):
    """Votes that do not depend on the text: nothing to learn. The model and metrics.json are
    written, the summary says it learned nothing, and the exit code is not 0."""
    import dataclasses
    import random

    from tests.training.synthetic_jokes import synthetic_records, write_db
    from training.cli import main
    from training.cli_ranker import EXIT_NOT_LEARNED

    records = synthetic_records(days=20, per_day=10, seed=11)
    rng = random.Random(3)
    votes = [rng.randint(0, 200) for _ in records]
    rng.shuffle(votes)
    records = [
        dataclasses.replace(rec, up=up, down=10, net=up - 10, total=up + 10)
        for rec, up in zip(records, votes, strict=True)
    ]
    db = write_db(tmp_path / "noise.sqlite", records)
    data = tmp_path / "data"
    assert main(["prepare", "--db", str(db), "--out", str(data), "--quiet"]) == 0
    capsys.readouterr()
    base = copy_model(tiny_ranker_dir, tmp_path, "base")
    out = tmp_path / "out"
    argv = ["ranker", "--data", str(data), "--base", str(base), "--out", str(out)]
    code = main([*argv, "--target", "day_percentile", "--epochs", "2", *FAST])
    captured = capsys.readouterr()
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert not m["verdict"]["learned"]
    assert code == EXIT_NOT_LEARNED
    assert "ничему не научилась" in captured.out and str(out) in captured.err
