"""Tiny Qwen2 generator and BERT ranker folders, built (and exported with the project's own
export code) once per test session. Names used across the suite: ``tiny_generator_dir``,
``tiny_generator_plain_dir``, ``tiny_generator_onnx_dir``, ``tiny_ranker_dir``,
``tiny_ranker_onnx_dir``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_text_models import build_tiny_bert_ranker, build_tiny_qwen


@pytest.fixture(scope="session")
def tiny_generator_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PyTorch weights (safetensors), ChatML chat template, EOS = <|im_end|>."""
    return build_tiny_qwen(tmp_path_factory.mktemp("text-models") / "tiny-qwen")


@pytest.fixture(scope="session")
def tiny_generator_plain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PyTorch weights, no chat template (a base model: plain continuation)."""
    return build_tiny_qwen(
        tmp_path_factory.mktemp("text-models") / "tiny-qwen-base", chat_template=False
    )


@pytest.fixture(scope="session")
def tiny_generator_onnx_dir(
    tmp_path_factory: pytest.TempPathFactory, tiny_generator_dir: Path
) -> Path:
    """``tiny_generator_dir`` exported with :func:`export.text.export_generator`."""
    from export.text import export_generator

    dst = tmp_path_factory.mktemp("text-models") / "tiny-qwen-onnx"
    export_generator(tiny_generator_dir, dst)
    return dst


@pytest.fixture(scope="session")
def tiny_ranker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BertForSequenceClassification, num_labels=1, problem_type "regression"."""
    return build_tiny_bert_ranker(tmp_path_factory.mktemp("text-models") / "tiny-ranker")


@pytest.fixture(scope="session")
def tiny_ranker_onnx_dir(tmp_path_factory: pytest.TempPathFactory, tiny_ranker_dir: Path) -> Path:
    """``tiny_ranker_dir`` exported with :func:`export.text.export_ranker`."""
    from export.text import export_ranker

    dst = tmp_path_factory.mktemp("text-models") / "tiny-ranker-onnx"
    export_ranker(tiny_ranker_dir, dst)
    return dst


@pytest.fixture(scope="module")
def restore_torch_threads():
    """Loading with ``threads=N`` sets torch's process-wide thread count; put it back so
    later test modules run with the default."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
