"""The lean ``onnx`` backend (ONNX Runtime + numpy + tokenizers + jinja2, no torch /
transformers / optimum): its tokenizer against transformers' own, its sampling processors
against transformers' processors, its tokens and scores against the torch backend and the
Optimum path it replaced, and a poster-shaped run that imports none of the heavy libraries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from inference.core.errors import Cancelled, ModelError
from inference.core.params import GenerationParams
from inference.core.progress import Progress, ProgressEvent
from inference.text.generator import load_generator
from inference.text.model_folders import inspect_folder
from inference.text.ranker import load_ranker

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "resources" / "models"
PROMPT = "Приходит мужик в бар"
TEXTS = [
    "Приходит мужик в бар, а бармен — медведь.",
    "Ёжик шёл, а йогурт — тоже. «Кавычки» и 'апострофы' ... ?!",
    "  двойные  пробелы\nи перевод строки<|im_end|> после маркера",
    "Кот",
    "A cat sits on a windowsill, photo.",
    "",
]
GREEDY = GenerationParams(temperature=0.0, repetition_penalty=1.5, max_new_tokens=16, seed=1)
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


def _folders(tiny_generator_onnx_dir: Path, tiny_ranker_onnx_dir: Path) -> list[Path]:
    return [
        tiny_generator_onnx_dir,
        tiny_ranker_onnx_dir,
        LITE / "lite-generator",
        LITE / "lite-ranker",
    ]


# --- tokenizer ------------------------------------------------------------------------------
def test_tokenizer_matches_transformers(tiny_generator_onnx_dir, tiny_ranker_onnx_dir) -> None:
    from transformers import AutoTokenizer

    from inference.text.fast_tokenizer import load_fast_tokenizer

    for folder in _folders(tiny_generator_onnx_dir, tiny_ranker_onnx_dir):
        ours = load_fast_tokenizer(inspect_folder(folder))
        ref = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        for attr in ("eos_token", "pad_token", "eos_token_id", "pad_token_id", "model_max_length"):
            assert getattr(ours, attr) == getattr(ref, attr), (folder.name, attr)
        assert ours.padding_side == ref.padding_side and len(ours) == len(ref)
        assert ours.get_vocab() == ref.get_vocab()
        for text in TEXTS:
            for special in (False, True):
                assert ours(text, add_special_tokens=special) == dict(
                    ref(text, add_special_tokens=special)
                ), (folder.name, text)
            ids = ref(text)["input_ids"]
            for skip in (False, True):
                assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(
                    ids, skip_special_tokens=skip
                )
        assert ours.tokenize("йогурт Ёжик") == ref.tokenize("йогурт Ёжик")


@pytest.mark.parametrize("side", ["left", "right"])
def test_batch_padding_and_truncation_match_transformers(tiny_ranker_onnx_dir, side) -> None:
    from transformers import AutoTokenizer

    from inference.text.fast_tokenizer import load_fast_tokenizer

    for folder in (tiny_ranker_onnx_dir, LITE / "lite-generator"):
        ours = load_fast_tokenizer(inspect_folder(folder))
        ref = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        for tok in (ours, ref):
            tok.padding_side = tok.truncation_side = side
        batch = [t or " " for t in TEXTS] + [" ".join(["понедельник"] * 300)]
        kwargs = {"padding": True, "truncation": True, "max_length": 24}
        got = ours(batch, return_tensors="np", **kwargs)
        want = ref(batch, return_tensors="np", **kwargs)
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])


def test_chat_template_renders_like_transformers(tiny_generator_onnx_dir) -> None:
    from transformers import AutoTokenizer

    from inference.text.chat import build_generation_messages, render_training_example
    from inference.text.fast_tokenizer import load_fast_tokenizer

    messages = build_generation_messages(PROMPT, [("Встречаются два кота", "и молчат.")])
    for folder in (tiny_generator_onnx_dir, LITE / "lite-generator"):
        ours = load_fast_tokenizer(inspect_folder(folder))
        ref = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        for gen_prompt in (False, True):
            kwargs = {"tokenize": False, "add_generation_prompt": gen_prompt}
            assert ours.apply_chat_template(messages, **kwargs) == ref.apply_chat_template(
                messages, **kwargs
            )
        assert ours.apply_chat_template(messages) == ref.apply_chat_template(messages)
        pair = ("Заходит как-то программист в бар", "а там тесты.")
        assert render_training_example(ours, *pair) == render_training_example(ref, *pair)


def test_template_helpers_as_in_transformers(tmp_path, tiny_generator_onnx_dir) -> None:
    from inference.core.errors import ModelError
    from inference.text.fast_tokenizer import load_fast_tokenizer

    tok = load_fast_tokenizer(inspect_folder(tiny_generator_onnx_dir))
    tok.chat_template = (
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system') }}{% endif %}"
        "{{ messages | tojson }}|{{ eos_token }}|{{ strftime_now('%Y') | length }}"
        "{% generation %}!{% endgeneration %}"
    )
    msgs = [{"role": "user", "content": "ёж <b>"}]
    assert tok.apply_chat_template(msgs, tokenize=False) == (
        '[{"role": "user", "content": "ёж <b>"}]|<|im_end|>|4!'
    )
    with pytest.raises(ModelError, match="no system"):  # one line, not a Jinja traceback
        tok.apply_chat_template([{"role": "system", "content": "x"}], tokenize=False)


# --- sampling processors ----------------------------------------------------------------------
def test_numpy_processors_match_transformers() -> None:
    from transformers import (
        RepetitionPenaltyLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    from inference.text import ort_decoder as dec

    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4, 97)).astype(np.float32)
    ids = rng.integers(0, 97, (4, 11))
    scores, input_ids = torch.from_numpy(logits.copy()), torch.from_numpy(ids)
    want = RepetitionPenaltyLogitsProcessor(1.3)(input_ids, scores)
    got = dec.repetition_penalty(logits, ids, 1.3)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)
    want = TemperatureLogitsWarper(0.7)(input_ids, want)
    got = got / np.float32(0.7)
    for k in (1, 5, 97, 200):
        kept = TopKLogitsWarper(k)(input_ids, want.clone())
        np.testing.assert_array_equal(np.isinf(dec.top_k(got, k)), torch.isinf(kept).numpy())
    for p in (0.1, 0.5, 0.9, 0.99):
        kept = TopPLogitsWarper(p)(input_ids, want.clone())
        np.testing.assert_array_equal(np.isinf(dec.top_p(got, p)), torch.isinf(kept).numpy())
    raw = torch.log_softmax(torch.from_numpy(logits), -1).numpy()
    np.testing.assert_allclose(dec.log_softmax(logits), raw, atol=1e-5)


# --- generator ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair(tiny_generator_dir, tiny_generator_onnx_dir):
    return (
        load_generator(tiny_generator_dir, "torch", threads=1),
        load_generator(tiny_generator_onnx_dir, "onnx", threads=1),
    )


def test_onnx_generator_holds_no_torch_objects(pair) -> None:
    from inference.text.fast_tokenizer import FastTokenizer
    from inference.text.ort_models import OnnxCausalLM

    _, lean = pair
    assert isinstance(lean.tokenizer, FastTokenizer) and isinstance(lean.model, OnnxCausalLM)
    assert lean.model.can_use_cache and lean.model.config.use_cache
    options = lean.model.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_greedy_tokens_match_torch_and_optimum(pair, tiny_generator_onnx_dir) -> None:
    from optimum.onnxruntime import ORTModelForCausalLM

    from inference.text.generation_hooks import (
        RawLogprobRecorder,
        build_generation_config,
        build_processors,
    )

    ref, lean = pair
    for prompt in (PROMPT, "Штирлиц долго смотрел в одну точку"):
        want = ref.raw_batch(prompt, 2, GREEDY, Progress())
        got = lean.raw_batch(prompt, 2, GREEDY, Progress())
        assert len(got) == len(want) == 1
        assert got[0]["ids"] == want[0]["ids"] and len(set(got[0]["ids"])) > 1
        assert got[0]["text"] == want[0]["text"] and got[0]["tokens"] == want[0]["tokens"]
        assert got[0]["logprob"] == pytest.approx(want[0]["logprob"], abs=1e-4)

    # the Optimum model the onnx backend used to load, same graph, same hooks
    optimum = ORTModelForCausalLM.from_pretrained(tiny_generator_onnx_dir, use_cache=True)
    ids = torch.tensor([lean.tokenizer(_prompt_text(lean), add_special_tokens=False)["input_ids"]])
    config = build_generation_config(
        GREEDY, 1, sorted(lean.stop_ids), lean.tokenizer.pad_token_id, True
    )
    out = optimum.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        generation_config=config,
        logits_processor=build_processors(GREEDY, RawLogprobRecorder()),
        use_model_defaults=False,
    )
    assert (
        out[0, ids.shape[1] :].tolist() == lean.raw_batch(PROMPT, 1, GREEDY, Progress())[0]["ids"]
    )


def _prompt_text(gen) -> str:
    from inference.text.chat import render_generation_prompt

    return render_generation_prompt(gen.tokenizer, PROMPT)


def test_full_sequence_logits_match_torch(pair) -> None:
    ref, lean = pair
    enc = ref.tokenizer(_prompt_text(ref), return_tensors="pt", add_special_tokens=False)
    with torch.inference_mode():
        want = ref.model(**enc).logits
    got = lean.model(**enc).logits  # torch in, torch out (export parity, benchmarks)
    assert isinstance(got, torch.Tensor)
    assert float((got - want).abs().max()) < 1e-4
    np_logits = lean.model(enc["input_ids"].numpy()).logits
    np.testing.assert_allclose(np_logits, want.numpy(), atol=1e-4)


def test_seeded_sampling_is_reproducible(pair) -> None:
    _, lean = pair
    params = GenerationParams(
        temperature=0.9, top_p=0.9, top_k=40, repetition_penalty=1.2, max_new_tokens=14, seed=5
    )
    first = lean.raw_batch(PROMPT, 6, params, Progress())
    again = lean.raw_batch(PROMPT, 6, params, Progress())
    assert [r["ids"] for r in first] == [r["ids"] for r in again]
    assert [r["logprob"] for r in first] == [r["logprob"] for r in again]
    assert len({tuple(r["ids"]) for r in first}) > 1
    other = lean.raw_batch(
        PROMPT, 6, GenerationParams(**{**params.__dict__, "seed": 6}), Progress()
    )
    assert [r["ids"] for r in other] != [r["ids"] for r in first]


def test_finished_rows_are_padded_and_every_row_ends(pair) -> None:
    _, lean = pair
    params = GenerationParams(
        temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=24, seed=3
    )
    rows = lean.raw_batch(PROMPT, 12, params, Progress())
    assert any(r["finished"] for r in rows) and len({len(r["ids"]) for r in rows}) == 1
    pad = lean.tokenizer.pad_token_id
    for r in rows:
        if r["finished"]:
            stop = r["generated_tokens"]
            assert r["ids"][stop] in lean.stop_ids and set(r["ids"][stop + 1 :]) <= {pad}


def test_cancel_within_one_token(pair) -> None:
    _, lean = pair
    events: list[ProgressEvent] = []

    def listener(event: ProgressEvent) -> None:
        events.append(event)
        if event.done >= 2:
            progress.cancel()

    progress = Progress(listener)
    params = GenerationParams(temperature=1.0, repetition_penalty=1.0, max_new_tokens=40, seed=1)
    with pytest.raises(Cancelled):
        lean.generate(PROMPT, 4, params, progress)
    assert len([e for e in events if e.done > 0 and not e.finished]) == 2


def test_graph_without_kv_cache_gives_the_same_tokens(tmp_path, pair, tiny_generator_dir) -> None:
    from optimum.exporters.onnx import main_export

    dst = tmp_path / "no-cache"
    main_export(str(tiny_generator_dir), output=dst, task="text-generation", do_validation=False)
    shutil.copy(tiny_generator_dir / "chat_template.jinja", dst)
    gen = load_generator(dst, "onnx", threads=1)
    assert not gen.model.can_use_cache
    _, lean = pair
    assert (
        gen.raw_batch(PROMPT, 1, GREEDY, Progress())[0]["ids"]
        == lean.raw_batch(PROMPT, 1, GREEDY, Progress())[0]["ids"]
    )


def test_a_graph_with_unknown_inputs_is_refused(tmp_path, tiny_generator_onnx_dir) -> None:
    import onnx

    dst = shutil.copytree(tiny_generator_onnx_dir, tmp_path / "odd")
    graph = onnx.load(str(dst / "model.onnx"))
    # an input of newer exporters that this backend does not compute (use_cache_branch, the
    # merged decoder's switch, is fed since older Optimum layouts load: test_legacy_onnx_layouts)
    extra = onnx.helper.make_tensor_value_info("cache_position", onnx.TensorProto.INT64, [1])
    graph.graph.input.append(extra)
    onnx.save(graph, str(dst / "model.onnx"))
    with pytest.raises(ModelError, match="cache_position") as info:
        load_generator(dst, "onnx")
    assert str(dst) in str(info.value) and "torch" in str(info.value)


# --- ranker -------------------------------------------------------------------------------------
def test_ranker_scores_match_torch_and_optimum(tiny_ranker_dir, tiny_ranker_onnx_dir) -> None:
    from optimum.onnxruntime import ORTModelForSequenceClassification

    ref = load_ranker(tiny_ranker_dir, "torch", threads=1)
    lean = load_ranker(tiny_ranker_onnx_dir, "onnx", threads=1)
    texts = [*TEXTS, " ".join(["понедельник"] * 500)]
    assert lean.score(texts) == pytest.approx(ref.score(texts), abs=1e-4)

    folder = LITE / "lite-ranker"
    lite = load_ranker(folder, "onnx", threads=1)
    optimum = ORTModelForSequenceClassification.from_pretrained(folder)
    enc = lite.tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    want = optimum(**enc).logits[:, 0].tolist()
    assert lite.score(texts) == pytest.approx(want, abs=1e-5)


# --- the poster path imports no heavy library ----------------------------------------------------
LEAN_SCRIPT = """
import json, sys
from inference.text.generator import load_generator
from inference.text.ranker import load_ranker
from inference.core.params import GenerationParams
from inference.core.progress import Progress
gen = load_generator(sys.argv[1], "onnx", threads=1)
ranker = load_ranker(sys.argv[2], "onnx", threads=1)
found = gen.generate("Заходит как-то программист в бар", 4, GenerationParams(seed=1), Progress())
scene = gen.describe_scene("Кот сидит на окне.", GenerationParams(), Progress())
scores = ranker.score([c.text for c in found])
heavy = [m for m in ("torch", "transformers", "optimum", "diffusers") if m in sys.modules]
print(json.dumps({"heavy": heavy, "n": len(found), "scores": len(scores), "scene": scene}))
"""


def test_lite_models_run_without_torch_transformers_or_optimum() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            LEAN_SCRIPT,
            str(LITE / "lite-generator"),
            str(LITE / "lite-ranker"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []
    assert report["n"] > 0 and report["scores"] == report["n"] and report["scene"]
