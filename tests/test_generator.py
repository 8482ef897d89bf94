"""Generator stage on tiny real Qwen2 models, in both backends."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import torch

from inference.core.errors import Cancelled, ModelError
from inference.core.params import GenerationParams
from inference.core.progress import Progress, ProgressEvent
from inference.core.stages import Generator
from inference.text.generator import TextGenerator, load_generator
from inference.text.visual_prompt import MAX_WORDS, SCENE_MAX_NEW_TOKENS, fallback_from_joke

PROMPT = "Приходит мужик в бар"
# gibberish models: hot sampling, no repetition penalty, so rows differ and some end on EOS
HOT = GenerationParams(
    temperature=1.3, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=12, seed=1
)
BACKENDS = ["torch", "onnx"]
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


@pytest.fixture(scope="module")
def generators(tiny_generator_dir: Path, tiny_generator_onnx_dir: Path) -> dict[str, TextGenerator]:
    return {
        "torch": load_generator(tiny_generator_dir, "torch", threads=1),
        "onnx": load_generator(tiny_generator_onnx_dir, "onnx", threads=1),
    }


@pytest.fixture(scope="module")
def plain_generator(tiny_generator_plain_dir: Path) -> TextGenerator:
    return load_generator(tiny_generator_plain_dir, "torch", threads=1)


def recording_progress() -> tuple[Progress, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    return Progress(events.append), events


def advances(events: list[ProgressEvent]) -> list[ProgressEvent]:
    return [e for e in events if not e.finished and e.done > 0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_loads_with_the_requested_backend(generators, backend) -> None:
    gen = generators[backend]
    assert gen.backend == backend
    assert gen.warnings == []
    assert gen.has_chat_template
    assert isinstance(gen, Generator)
    assert gen.name in ("tiny-qwen", "tiny-qwen-onnx")


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_batched_call_gives_n_rows_and_clean_candidates(generators, backend) -> None:
    gen = generators[backend]
    rows = gen.raw_batch(PROMPT, 5, HOT, Progress())
    assert len(rows) == 5
    assert len({tuple(r["ids"]) for r in rows}) > 1  # sampled, not five copies
    candidates = gen.generate(PROMPT, 5, HOT, Progress())
    assert 0 < len(candidates) <= 5
    for c in candidates:
        assert c.text and c.text == c.text.strip()
        assert "<|" not in c.text
        assert c.logprob is not None and math.isfinite(c.logprob) and c.logprob < 0
        assert 0 < c.meta["tokens"] <= c.meta["generated_tokens"] <= HOT.max_new_tokens
        assert c.meta["backend"] == backend


def test_model_generation_defaults_never_leak(generators) -> None:
    # the tiny model's generation_config.json says max_new_tokens=2, top_k=1, temperature=0.01
    rows = generators["torch"].raw_batch(PROMPT, 6, HOT, Progress())
    assert max(r["generated_tokens"] for r in rows) > 2
    assert len({tuple(r["ids"]) for r in rows}) > 2


def test_some_rows_end_on_eos_and_others_run_to_the_limit(generators) -> None:
    params = GenerationParams(
        temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=24, seed=3
    )
    rows = generators["torch"].raw_batch(PROMPT, 12, params, Progress())
    assert any(r["finished"] for r in rows)
    assert any(not r["finished"] and r["generated_tokens"] == 24 for r in rows)


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_seed_same_candidates_other_seed_differs(generators, backend) -> None:
    gen = generators[backend]
    first = gen.raw_batch(PROMPT, 4, HOT, Progress())
    again = gen.raw_batch(PROMPT, 4, HOT, Progress())
    other = gen.raw_batch(PROMPT, 4, GenerationParams(**{**HOT.__dict__, "seed": 8}), Progress())
    assert [r["ids"] for r in first] == [r["ids"] for r in again]
    assert [r["ids"] for r in first] != [r["ids"] for r in other]


def test_greedy_output_is_the_same_in_both_backends(generators) -> None:
    # a repetition penalty keeps the random model from repeating one token forever
    params = GenerationParams(temperature=0.0, repetition_penalty=1.5, max_new_tokens=16, seed=1)
    torch_rows = generators["torch"].raw_batch(PROMPT, 3, params, Progress())
    onnx_rows = generators["onnx"].raw_batch(PROMPT, 3, params, Progress())
    assert len(torch_rows) == len(onnx_rows) == 1  # greedy rows would all be the same
    assert torch_rows[0]["ids"] == onnx_rows[0]["ids"]
    assert len(set(torch_rows[0]["ids"])) > 1
    assert torch_rows[0]["logprob"] == pytest.approx(onnx_rows[0]["logprob"], abs=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_progress_reports_every_token_step(generators, backend) -> None:
    progress, events = recording_progress()
    rows = generators[backend].raw_batch(PROMPT, 3, HOT, progress)
    generated_steps = len(rows[0]["ids"])  # all rows share the batch's length
    assert events[0].stage == "generate" and events[0].total == HOT.max_new_tokens
    assert len(advances(events)) == generated_steps == rows[0]["steps"]
    assert events[-1].finished


@pytest.mark.parametrize("backend", BACKENDS)
def test_cancel_stops_within_one_token(generators, backend) -> None:
    k = 3
    events: list[ProgressEvent] = []

    def listener(event: ProgressEvent) -> None:  # a Stop button pressed after k tokens
        events.append(event)
        if event.done >= k:
            progress.cancel()

    progress = Progress(listener)
    params = GenerationParams(**{**HOT.__dict__, "max_new_tokens": 40})
    with pytest.raises(Cancelled):
        generators[backend].generate(PROMPT, 3, params, progress)
    assert k <= len(advances(events)) <= k + 1
    assert not any(e.finished for e in events)


def test_cancel_before_start_runs_nothing(generators) -> None:
    progress, events = recording_progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        generators["onnx"].generate(PROMPT, 2, HOT, progress)
    assert advances(events) == []


def test_logprob_is_the_mean_raw_log_probability_of_the_kept_tokens(generators) -> None:
    gen = generators["torch"]
    params = GenerationParams(**{**HOT.__dict__, "repetition_penalty": 1.3, "temperature": 0.8})
    rows = gen.raw_batch(PROMPT, 3, params, Progress())
    from inference.text.chat import render_generation_prompt

    prompt_ids = gen.tokenizer(
        render_generation_prompt(gen.tokenizer, PROMPT), add_special_tokens=False
    )["input_ids"]
    for row in rows:
        kept = row["ids"][: row["tokens"]]
        if not kept:
            continue
        ids = torch.tensor([prompt_ids + kept])
        with torch.inference_mode():
            logits = gen.model(ids).logits[0, len(prompt_ids) - 1 : -1]
        expected = torch.log_softmax(logits, -1).gather(1, torch.tensor(kept)[:, None]).mean()
        assert row["logprob"] == pytest.approx(float(expected), abs=1e-4)


def test_plain_model_continues_the_text(plain_generator) -> None:
    assert not plain_generator.has_chat_template
    rows = plain_generator.raw_batch(PROMPT, 4, HOT, Progress())
    assert len(rows) == 4
    assert isinstance(plain_generator.generate(PROMPT, 4, HOT, Progress()), list)


JOKE = "Приходит мужик в бар.\n— Налейте!\n— «Не наливаем»."


@pytest.mark.parametrize("backend", BACKENDS)
def test_describe_scene_with_a_chat_model(generators, backend) -> None:
    progress, events = recording_progress()
    scene = generators[backend].describe_scene(JOKE, HOT, progress)
    assert scene and len(scene.split()) <= MAX_WORDS
    assert events[0].stage == "visual_prompt" and events[0].total == SCENE_MAX_NEW_TOKENS
    assert len(advances(events)) >= 1
    # greedy: the same scene every time, whatever the seed
    assert scene == generators[backend].describe_scene(JOKE, GenerationParams(seed=99), Progress())


def test_describe_scene_without_chat_template_falls_back_to_the_joke(plain_generator) -> None:
    progress, events = recording_progress()
    scene = plain_generator.describe_scene(JOKE, HOT, progress)
    assert scene == fallback_from_joke(JOKE) == "Приходит мужик в бар. Налейте! Не наливаем."
    assert advances(events) == []


# --- loading: fallback, threads, errors -------------------------------------------------------
def test_backend_falls_back_with_a_warning(tiny_generator_dir, tiny_generator_onnx_dir) -> None:
    gen = load_generator(tiny_generator_dir, "onnx", threads=1)
    assert gen.backend == "torch" and len(gen.warnings) == 1 and "onnx" in gen.warnings[0]
    gen = load_generator(tiny_generator_onnx_dir, "torch", threads=1)
    assert gen.backend == "onnx" and len(gen.warnings) == 1


def test_threads_are_applied(tiny_generator_dir, tiny_generator_onnx_dir) -> None:
    load_generator(tiny_generator_dir, "torch", threads=1)
    assert torch.get_num_threads() == 1
    gen = load_generator(tiny_generator_onnx_dir, "onnx", threads=1)
    assert gen.model.session.get_session_options().intra_op_num_threads == 1


def test_missing_and_empty_folders(tmp_path) -> None:
    with pytest.raises(ModelError, match="не найдена"):
        load_generator(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="config.json"):
        load_generator(tmp_path / "empty")


def test_a_ranker_folder_is_not_a_generator(tiny_ranker_dir) -> None:
    with pytest.raises(ModelError, match="Qwen2") as info:
        load_generator(tiny_ranker_dir)
    assert "bert" in str(info.value)


def test_missing_tokenizer(tmp_path, tiny_generator_dir) -> None:
    dst = shutil.copytree(tiny_generator_dir, tmp_path / "no-tok")
    for name in ("tokenizer.json", "vocab.json"):
        (dst / name).unlink()
    with pytest.raises(ModelError, match="токенизатор"):
        load_generator(dst, "torch")


@pytest.mark.parametrize("backend", BACKENDS)
def test_corrupt_weights(tmp_path, tiny_generator_dir, tiny_generator_onnx_dir, backend) -> None:
    src = tiny_generator_dir if backend == "torch" else tiny_generator_onnx_dir
    dst = shutil.copytree(src, tmp_path / "broken")
    weights = dst / ("model.safetensors" if backend == "torch" else "model.onnx")
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelError, match="повреждены") as info:
        load_generator(dst, backend)
    assert str(dst) in str(info.value)


def test_error_messages_in_english(tmp_path) -> None:
    from inference.core import i18n

    i18n.set_language("en")
    with pytest.raises(ModelError, match="not found"):
        load_generator(tmp_path / "nope")
