"""transformers' false "incorrect regex" warning (fix_mistral_regex) is silenced for Qwen
tokenizers in the torch path, and only there: a Mistral-typed folder still gets it."""

from __future__ import annotations

import io
import json
import logging
import shutil

from transformers import AutoTokenizer

from inference.text.model_folders import inspect_folder
from inference.text.text_backends import _transformers_tokenizer

PHRASE = "fix_mistral_regex"


def _captured(load) -> tuple[str, object]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        result = load()
    finally:
        logger.removeHandler(handler)
    return buffer.getvalue(), result


def _folder(tmp_path, tiny_generator_dir, model_type: str):
    folder = tmp_path / model_type
    shutil.copytree(tiny_generator_dir, folder)
    # transformers looks only at vocabularies over 100k (Qwen's is 151k): pad the tiny BPE's
    # vocabulary with tokens no merge ever reaches, so tokenization stays the same
    tok = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tok["model"]["vocab"]
    start = max(vocab.values()) + 1
    vocab.update({f"<pad_{i}>": start + i for i in range(100_001)})
    (folder / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")
    config = json.loads((folder / "config.json").read_text())
    config["transformers_version"] = "4.57.6"  # what makes transformers suspect the regex
    config["model_type"] = model_type
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_qwen_tokenizer_loads_without_the_false_warning(tmp_path, tiny_generator_dir) -> None:
    folder = _folder(tmp_path, tiny_generator_dir, "qwen2")
    plain, _ = _captured(lambda: AutoTokenizer.from_pretrained(folder, local_files_only=True))
    assert PHRASE in plain  # transformers alone does warn: the test can fail
    ours, tok = _captured(lambda: _transformers_tokenizer(inspect_folder(folder)))
    assert PHRASE not in ours
    reference = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    text = "Заходит как-то программист в бар: 'Hello', 123!"
    assert tok(text)["input_ids"] == reference(text)["input_ids"]  # same tokens


def test_a_mistral_folder_still_gets_the_warning(tmp_path, tiny_generator_dir) -> None:
    folder = _folder(tmp_path, tiny_generator_dir, "mistral")
    ours, _ = _captured(lambda: _transformers_tokenizer(inspect_folder(folder)))
    assert PHRASE in ours
