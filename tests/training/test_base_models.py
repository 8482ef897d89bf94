"""Base folders for the trainers: any causal LM transformers knows trains as a generator, a
BERT-like encoder as a ranker; a folder of the wrong kind, of an unknown architecture or with
damaged weights ends in one clear line, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from inference.core.errors import ModelError
from training.base_models import check_base_folder
from training.cli import main


def _gpt2_with_tokenizer_of(src: Path, dst: Path) -> Path:
    """A real GPT2LMHeadModel (the class name does not end in ForCausalLM) sharing the tiny
    Qwen's tokenizer files, with fewer positions (48) than the default --max-length (256)."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    tokenizer = AutoTokenizer.from_pretrained(src, local_files_only=True)
    tokenizer.save_pretrained(dst)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=32,
        n_layer=1,
        n_head=2,
        n_positions=48,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(dst, safe_serialization=True)
    return dst


def _with_config(src: Path, dst: Path, **changes: object) -> Path:
    shutil.copytree(src, dst)
    config = json.loads((dst / "config.json").read_text(encoding="utf-8"))
    (dst / "config.json").write_text(json.dumps({**config, **changes}), encoding="utf-8")
    return dst


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert not any("Traceback" in line for line in err), err
    errors = [line for line in err if line.startswith(("ошибка:", "error:"))]
    assert len(errors) == 1, err
    return errors[0]


def test_generator_accepts_any_causal_lm_and_says_when_the_app_cannot_open_it(
    tiny_generator_dir: Path, prepared_data: Path, tmp_path: Path, capsys
):
    gpt2 = _gpt2_with_tokenizer_of(tiny_generator_dir, tmp_path / "gpt2")
    assert check_base_folder(gpt2, "causal-lm").model_type == "gpt2"
    out = tmp_path / "out"
    argv = ["generator", "--data", str(prepared_data), "--base", str(gpt2), "--out", str(out)]
    assert main([*argv, "--max-steps", "1", "--quiet", "--threads", "1"]) == 0
    assert (out / "model.safetensors").is_file()
    report = json.loads((out / "training_report.json").read_text(encoding="utf-8"))
    assert report["examples"]["train"] > 0  # cut to 48 tokens, not crashed at position 49
    err = capsys.readouterr().err
    assert "gpt2" in err and "qwen2" in err  # warned before training: make opens Qwen only


def test_folders_of_the_wrong_kind_are_refused_by_name(
    tiny_generator_dir: Path, tiny_ranker_dir: Path, tmp_path: Path
):
    # a text generator is no ranker base (almost always a swapped --base) …
    with pytest.raises(ModelError, match="Qwen2ForCausalLM"):
        check_base_folder(tiny_generator_dir, "sequence-classification")
    # … and a BERT regressor writes no text
    with pytest.raises(ModelError, match="BertForSequenceClassification"):
        check_base_folder(tiny_ranker_dir, "causal-lm")
    unknown = _with_config(
        tiny_ranker_dir, tmp_path / "new", model_type="brand_new", architectures=["BrandNew"]
    )
    for task in ("causal-lm", "sequence-classification"):
        with pytest.raises(ModelError, match="brand_new"):
            check_base_folder(unknown, task)
    # an encoder with another head (masked LM) is a fine ranker base
    mlm = _with_config(tiny_ranker_dir, tmp_path / "mlm", architectures=["BertForMaskedLM"])
    assert check_base_folder(mlm, "sequence-classification").model_type == "bert"


@pytest.mark.parametrize("command", ["ranker", "generator"])
def test_damaged_weights_end_in_one_line(
    command: str,
    tiny_generator_dir: Path,
    tiny_ranker_dir: Path,
    prepared_data: Path,
    tmp_path: Path,
    capsys,
):
    base = shutil.copytree(
        tiny_ranker_dir if command == "ranker" else tiny_generator_dir, tmp_path / "base"
    )
    weights = base / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a download cut short
    argv = [command, "--data", str(prepared_data), "--base", str(base), "--out", str(tmp_path)]
    assert main([*argv, "--max-steps", "1", "--quiet"]) == 1
    assert str(base) in _one_error_line(capsys)


def test_unknown_architecture_ends_in_one_line(
    tiny_ranker_dir: Path, prepared_data: Path, tmp_path: Path, capsys
):
    base = _with_config(tiny_ranker_dir, tmp_path / "new", model_type="brand_new")
    argv = ["ranker", "--data", str(prepared_data), "--base", str(base), "--out", str(tmp_path)]
    assert main([*argv, "--max-steps", "1", "--quiet"]) == 1
    assert "brand_new" in _one_error_line(capsys)


def test_inputs_are_cut_to_what_a_small_ranker_base_takes(
    tiny_ranker_dir: Path, prepared_data: Path, tmp_path: Path
):
    """A base with 16 positions and a tokenizer without a length limit: --max-length 256
    must not feed it the 30-token jokes of the dataset."""
    import torch
    from transformers import AutoConfig, BertForSequenceClassification

    base = shutil.copytree(tiny_ranker_dir, tmp_path / "short")
    tok_config = json.loads((base / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok_config.pop("model_max_length", None)
    (base / "tokenizer_config.json").write_text(json.dumps(tok_config), encoding="utf-8")
    config = AutoConfig.from_pretrained(base, max_position_embeddings=16)
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(base, safe_serialization=True)
    out = tmp_path / "out"
    argv = ["ranker", "--data", str(prepared_data), "--base", str(base), "--out", str(out)]
    from training.cli_ranker import EXIT_NOT_LEARNED

    # trains and evaluates (one step need not learn anything: exit 3 is the verdict, not a crash)
    assert main([*argv, "--max-steps", "1", "--quiet", "--threads", "1"]) in (0, EXIT_NOT_LEARNED)
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["model"]["n"] > 0
