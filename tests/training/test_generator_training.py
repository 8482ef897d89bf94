"""train generator with the tiny Qwen2: label masking token by token, loss going down, the
trained folder loading in inference/, resuming after a stop, and a LoRA-merged folder that
exports with export/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.chat import render_generation_prompt
from tests.training.conftest import copy_model
from training.generator_data import IGNORE, CompletionCollator, encode_pair, punchline_nll
from training.generator_train import GeneratorConfig, train_generator
from training.trainer_common import TrainOptions

SETUP = "Учитель спрашивает Вовочку, почему он опоздал."
PUNCHLINE = "— Так ведь знак висит!"


def tokenizer_of(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def test_labels_mask_prompt_and_padding_token_by_token(tiny_generator_dir: Path):
    tok = tokenizer_of(tiny_generator_dir)
    enc = encode_pair(tok, SETUP, PUNCHLINE, max_length=256)
    prompt = tok(render_generation_prompt(tok, SETUP), add_special_tokens=False)["input_ids"]
    assert enc.input_ids[: len(prompt)] == prompt  # exactly what the generator is prompted with
    assert len(enc.input_ids) == len(enc.labels) > len(prompt)
    for i, (token, label) in enumerate(zip(enc.input_ids, enc.labels, strict=True)):
        assert label == (IGNORE if i < len(prompt) else token), i
    completion = enc.input_ids[len(prompt) :]
    assert tok.decode(completion) == PUNCHLINE + "<|im_end|>"
    assert completion[-1] == tok.eos_token_id  # the model learns to stop

    short = encode_pair(tok, "Кот.", "Мяу.", max_length=256)
    batch = CompletionCollator(tok.pad_token_id)([enc.as_dict(), short.as_dict()])
    n = len(short.input_ids)
    assert batch["input_ids"].shape[1] % 8 == 0
    assert batch["input_ids"][1, n:].eq(tok.pad_token_id).all()
    assert batch["attention_mask"][1, :n].eq(1).all() and batch["attention_mask"][1, n:].eq(0).all()
    assert batch["labels"][1, n:].eq(IGNORE).all()
    assert batch["labels"][1, :n].tolist() == short.labels

    # our per-token NLL uses the same shift as the model's own loss
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_generator_dir)
    one = CompletionCollator(tok.pad_token_id, pad_to_multiple_of=1)([enc.as_dict()])
    with torch.no_grad():
        nll, count = punchline_nll(model, one)
        reference = float(model(**one).loss)
    assert int(count) == len(completion)
    assert float(nll / count) == pytest.approx(reference, rel=1e-5)


def test_plain_model_and_truncation(tiny_generator_plain_dir: Path):
    tok = tokenizer_of(tiny_generator_plain_dir)
    enc = encode_pair(tok, SETUP, PUNCHLINE, max_length=256)
    completion = [t for t, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE]
    assert tok.decode(completion) == "\n" + PUNCHLINE + tok.eos_token  # full_joke's separator
    cut = encode_pair(tok, SETUP * 10, PUNCHLINE, max_length=len(completion) + 5)
    assert len(cut.input_ids) == len(completion) + 5 and cut.labels.count(IGNORE) == 5
    assert encode_pair(tok, SETUP, PUNCHLINE, max_length=len(completion)) is None


def _options(**kw) -> TrainOptions:
    base = dict(lr=3e-3, batch_size=8, logging_steps=2, threads=2, show_progress=False)
    return TrainOptions(**(base | kw))


def test_full_finetune_lowers_the_loss_and_loads_in_inference(
    tmp_path: Path, prepared_data: Path, tiny_generator_dir: Path
):
    from inference.text.generator import load_generator

    cfg = GeneratorConfig(
        data_dir=prepared_data,
        base=copy_model(tiny_generator_dir, tmp_path, "base"),
        out=tmp_path / "out",
        train=_options(max_steps=16),
    )
    report = train_generator(cfg)
    losses = [e["loss"] for e in report["training"]["history"] if "loss" in e]
    assert len(losses) >= 8 and sum(losses[-3:]) / 3 < losses[0] - 0.3
    ppl = report["validation_perplexity"]
    assert ppl["after"]["perplexity"] < ppl["before"]["perplexity"] * 0.8
    assert ppl["after"]["tokens"] == ppl["before"]["tokens"] > 0
    saved = json.loads((tmp_path / "out" / "training_report.json").read_text(encoding="utf-8"))
    assert saved["validation_perplexity"] == ppl and saved["mode"] == "full"
    assert not (tmp_path / "out" / "checkpoints").exists()

    gen = load_generator(tmp_path / "out", backend="torch", threads=2)
    assert gen.has_chat_template
    rows = gen.raw_batch(SETUP, 3, GenerationParams(seed=3, max_new_tokens=12), Progress())
    assert len(rows) == 3 and all(r["generated_tokens"] > 0 for r in rows)
    assert isinstance(
        gen.generate(SETUP, 3, GenerationParams(seed=3, max_new_tokens=12), Progress()), list
    )


class StopAfter(Progress):
    """The Progress a GUI's Stop button would cancel, cancelling itself after N steps."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps, self.checks = steps, 0

    @property
    def cancelled(self) -> bool:
        self.checks += 1
        return self.checks >= self.steps


def test_stop_saves_a_checkpoint_and_the_next_run_resumes(
    tmp_path: Path, prepared_data: Path, tiny_generator_dir: Path, capsys
):
    from inference.core.errors import Cancelled

    cfg = GeneratorConfig(
        data_dir=prepared_data,
        base=copy_model(tiny_generator_dir, tmp_path, "base"),
        out=tmp_path / "out",
        train=_options(max_steps=6, logging_steps=1, save_steps=100),
    )
    with pytest.raises(Cancelled):
        train_generator(cfg, StopAfter(3))
    assert (tmp_path / "out" / "checkpoints" / "checkpoint-3").is_dir()
    assert not (tmp_path / "out" / "training_report.json").exists()
    capsys.readouterr()

    report = train_generator(cfg)
    assert "checkpoint-3" in capsys.readouterr().err
    assert report["training"]["steps"] == 6
    steps = [e["step"] for e in report["training"]["history"] if "loss" in e]
    assert steps == [1, 2, 3, 4, 5, 6]  # the first three come from the checkpoint's state
    assert not (tmp_path / "out" / "checkpoints").exists()


@pytest.mark.slow
def test_lora_is_merged_into_a_plain_folder_that_exports(
    tmp_path: Path, prepared_data: Path, tiny_generator_dir: Path
):
    from safetensors.torch import load_file

    from export.text import export_generator
    from inference.text.generator import load_generator

    base = copy_model(tiny_generator_dir, tmp_path, "base")
    cfg = GeneratorConfig(
        data_dir=prepared_data,
        base=base,
        out=tmp_path / "lora",
        lora=True,
        lora_r=4,
        train=_options(max_steps=4, lr=5e-3),
    )
    report = train_generator(cfg)
    assert report["mode"] == "lora"
    out = tmp_path / "lora"
    assert not (out / "adapter_config.json").exists()
    weights = load_file(out / "model.safetensors")
    assert not any("lora" in k for k in weights)
    before = load_file(base / "model.safetensors")
    key = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(weights[key], before[key])  # the adapter really was merged in

    parity = export_generator(out, tmp_path / "onnx")
    assert parity["greedy_tokens_identical"] and parity["max_abs_logits_diff"] < 1e-3
    gen = load_generator(tmp_path / "onnx", backend="onnx", threads=2)
    rows = gen.raw_batch(SETUP, 2, GenerationParams(seed=5, max_new_tokens=8), Progress())
    assert len(rows) == 2
