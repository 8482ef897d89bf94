"""Ranker stage on a tiny real BERT regressor, in both backends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from inference.core.errors import ModelError
from inference.core.stages import Ranker
from inference.text.ranker import BATCH_SIZE, TextRanker, load_ranker
from tests.tiny_text_models import build_tiny_bert_ranker

TEXTS = [
    "Приходит мужик в бар, а бармен — медведь.",
    "Лучше поздно, чем в понедельник.",
    "Кот",
    "Штирлиц долго смотрел в одну точку. Потом в другую.",
]
BACKENDS = ["torch", "onnx"]
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


@pytest.fixture(scope="module")
def rankers(tiny_ranker_dir: Path, tiny_ranker_onnx_dir: Path) -> dict[str, TextRanker]:
    return {
        "torch": load_ranker(tiny_ranker_dir, "torch", threads=1),
        "onnx": load_ranker(tiny_ranker_onnx_dir, "onnx", threads=1),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_scores_a_batch(rankers, backend) -> None:
    ranker = rankers[backend]
    assert ranker.backend == backend and ranker.warnings == []
    assert isinstance(ranker, Ranker)
    scores = ranker.score(TEXTS)
    assert len(scores) == len(TEXTS)
    assert all(isinstance(s, float) for s in scores)
    assert len({round(s, 6) for s in scores}) > 1  # the texts really are read
    assert ranker.score([]) == []


def test_backends_agree(rankers) -> None:
    assert rankers["torch"].score(TEXTS) == pytest.approx(rankers["onnx"].score(TEXTS), abs=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_padding_and_batching_do_not_change_scores(rankers, backend) -> None:
    ranker = rankers[backend]
    texts = [TEXTS[i % len(TEXTS)] + " " * (i % 3) + "!" * (i % 5) for i in range(BATCH_SIZE + 3)]
    batched = ranker.score(texts)
    one_by_one = [ranker.score([t])[0] for t in texts]
    assert batched == pytest.approx(one_by_one, abs=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_and_empty_texts_are_scored(rankers, backend) -> None:
    ranker = rankers[backend]
    long_text = " ".join(["понедельник"] * 2000)  # far beyond the 128 positions
    scores = ranker.score([long_text, "", TEXTS[0]])
    assert len(scores) == 3 and ranker.max_length == 128


def test_backend_falls_back_with_a_warning(tiny_ranker_dir, tiny_ranker_onnx_dir) -> None:
    ranker = load_ranker(tiny_ranker_dir, "onnx")
    assert ranker.backend == "torch" and len(ranker.warnings) == 1
    ranker = load_ranker(tiny_ranker_onnx_dir, "torch")
    assert ranker.backend == "onnx" and len(ranker.warnings) == 1


def test_a_classifier_with_two_labels_is_rejected(tmp_path) -> None:
    folder = build_tiny_bert_ranker(tmp_path / "classifier", num_labels=2)
    with pytest.raises(ModelError, match="num_labels=1"):
        load_ranker(folder)


def test_num_labels_read_from_id2label(tmp_path, tiny_ranker_dir) -> None:
    folder = shutil.copytree(tiny_ranker_dir, tmp_path / "three")
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {"0": "a", "1": "b", "2": "c"}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="3"):
        load_ranker(folder)


def test_a_generator_folder_is_not_a_ranker(tiny_generator_dir) -> None:
    with pytest.raises(ModelError, match="Qwen2ForCausalLM"):
        load_ranker(tiny_generator_dir)


def test_missing_folder_and_corrupt_weights(tmp_path, tiny_ranker_dir) -> None:
    with pytest.raises(ModelError):
        load_ranker(tmp_path / "nope")
    folder = shutil.copytree(tiny_ranker_dir, tmp_path / "broken")
    (folder / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="повреждены"):
        load_ranker(folder, "torch")


def test_gate_threshold_and_score_scale_are_read_from_the_folder(tiny_ranker_dir, tmp_path):
    from inference.text.ranker import GATE_FILE, SCALE_FILE, to_percent

    folder = Path(shutil.copytree(tiny_ranker_dir, tmp_path / "ranker"))
    plain = load_ranker(folder, "torch", threads=1)
    assert plain.gate_threshold is None and plain.percent(0.3) is None
    (folder / GATE_FILE).write_text(json.dumps({"threshold": 0.25}), encoding="utf-8")
    (folder / SCALE_FILE).write_text(json.dumps({"reference": [0.0, 0.5, 1.0]}), encoding="utf-8")
    ranker = load_ranker(folder, "torch", threads=1)
    assert ranker.gate_threshold == 0.25
    assert [ranker.percent(s) for s in (-1.0, 0.0, 0.25, 0.5, 0.75, 2.0)] == pytest.approx(
        [0.0, 0.0, 25.0, 50.0, 75.0, 100.0]
    )
    assert to_percent(0.5, [0.0, 0.5, 0.5, 1.0]) == pytest.approx(200 / 3)  # ties: upper end
    # damaged extras are ignored: the ranker still ranks
    (folder / GATE_FILE).write_text("{not json", encoding="utf-8")
    (folder / SCALE_FILE).write_text(json.dumps({"reference": ["x"]}), encoding="utf-8")
    damaged = load_ranker(folder, "torch", threads=1)
    assert damaged.gate_threshold is None and damaged.score_scale is None
    assert len(damaged.score(TEXTS)) == len(TEXTS)
