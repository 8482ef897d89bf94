"""The Qwen3 path end to end on a tiny random Qwen3: export with the default quantization,
both backends generate, thinking is off in the prompt and no <think> block reaches a
candidate (the catalogue's default generator is a Qwen3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.chat import render_generation_prompt
from inference.text.generator import load_generator
from tests.tiny_text_models import build_tiny_qwen

PROMPT = "Приходит мужик в бар"
PARAMS = GenerationParams(
    temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=12, seed=2
)
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


@pytest.fixture(scope="module")
def qwen3(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(PyTorch folder, its export with ``--quantize auto``, the parity report)."""
    from export.cli import export_model

    root = tmp_path_factory.mktemp("qwen3")
    src = build_tiny_qwen(root / "tiny-qwen3", qwen3=True)
    report = export_model("generator", src, root / "tiny-qwen3-onnx", "auto", Progress())
    return src, root / "tiny-qwen3-onnx", report


def test_export_with_the_default_quantization(qwen3) -> None:
    import onnx

    src, dst, report = qwen3
    assert load_generator(src, "torch").model.config.model_type == "qwen3"
    assert report["quantize"] == "int8wo" and report["quantization"]["bits"] == 8
    assert report["quantization"]["lm_head_quantized"] is False  # the head stays fp32
    assert {"greedy_token_agreement", "teacher_forced_top1_agreement", "verdict"} <= set(report)
    ops = {n.op_type for n in onnx.load(str(dst / "model.onnx")).graph.node}
    assert "MatMulNBits" in ops  # int8 weight-only blocks


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_both_backends_generate_with_thinking_off(qwen3, backend) -> None:
    src, dst, _ = qwen3
    gen = load_generator(dst if backend == "onnx" else src, backend, threads=1)
    assert gen.backend == backend
    prompt = render_generation_prompt(gen.tokenizer, PROMPT)
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    rows = gen.raw_batch(PROMPT, 8, PARAMS, Progress())
    assert len(rows) == 8 and all(r["ids"] for r in rows)
    # the tiny model's loud <think> logit: some rows open a think block anyway
    assert any("<think>" in r["raw"] for r in rows)
    candidates = gen.generate(PROMPT, 8, PARAMS, Progress())
    assert all("<think>" not in c.text and "</think>" not in c.text for c in candidates)
