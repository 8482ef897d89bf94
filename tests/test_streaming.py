"""Endings streamed as their tokens arrive (issue 18, lever 6) and the one-sentence scene
(lever 2): the generator's per-step texts on both backends, the scene's stop rule."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from inference.core.params import GenerationParams
from inference.core.progress import Progress, ProgressEvent
from inference.text.few_shot import ROWS_PER_GROUP
from inference.text.generator import TextGenerator, load_generator
from inference.text.visual_prompt import SCENE_MAX_NEW_TOKENS, scene_done

pytestmark = pytest.mark.usefixtures("restore_torch_threads")
PROMPT = "Заходит как-то программист в бар"
HOT = GenerationParams(temperature=1.2, max_new_tokens=10, seed=4)


@pytest.fixture(scope="module")
def generators(tiny_generator_dir: Path, tiny_generator_onnx_dir: Path) -> dict[str, TextGenerator]:
    return {
        "torch": load_generator(tiny_generator_dir, "torch", threads=1),
        "onnx": load_generator(tiny_generator_onnx_dir, "onnx", threads=1),
    }


def stream_two_groups(gen: TextGenerator) -> tuple[list, list[ProgressEvent]]:
    """4 endings in two groups of 2, with streaming asked for: (candidates, the events that
    carried texts — all of them before the stage closed)."""
    events: list[ProgressEvent] = []
    progress = Progress(events.append)
    progress.wants_texts = True
    gen.rows_per_group = 2
    try:
        candidates = gen.generate(PROMPT, 4, HOT, progress)
    finally:
        gen.rows_per_group = ROWS_PER_GROUP
    streamed = [e for e in events if e.texts is not None]
    finished_at = next(i for i, e in enumerate(events) if e.finished)
    assert streamed and events.index(streamed[0]) < finished_at  # before the stage closed
    return candidates, streamed


def test_endings_stream_token_by_token_before_the_stage_ends(generators):
    """ONNX decodes every group's rows in one batch: all of them stream from the first token."""
    # two groups with their own examples, still one batch
    candidates, streamed = stream_two_groups(generators["onnx"])
    assert all(e.stage == "generate" and len(e.texts) == 4 for e in streamed)
    assert any(text.strip() for text in streamed[-1].texts)
    assert [c.meta["group"] for c in candidates] == [0, 0, 1, 1]


def test_torch_groups_stream_one_after_another(generators):
    # two batches: the first one's endings stay while the second streams
    candidates, streamed = stream_two_groups(generators["torch"])
    assert all(e.stage == "generate" for e in streamed)
    assert len(streamed[0].texts) == 2 and len(streamed[-1].texts) == 4
    # the second batch streams below the first one's finished endings
    second = [e for e in streamed if len(e.texts) == 4]
    assert second and all(e.texts[:2] == second[0].texts[:2] for e in second)
    assert [c.text for c in candidates[:2]] == list(second[0].texts[:2])


def test_groups_decoded_together_write_what_each_writes_alone(generators):
    """Prompts of different lengths in one batch (the shorter padded on the left and masked)
    give each group the tokens it gets alone with its own seed."""
    from inference.text.chat import render_generation_prompt
    from inference.text.ort_decoder import Group, generate, generate_groups

    gen = generators["onnx"]
    prompts = [
        render_generation_prompt(gen.tokenizer, PROMPT, [("Кот", "Пёс")]),
        render_generation_prompt(gen.tokenizer, "Штирлиц долго смотрел в одну точку. Потом в две"),
    ]
    ids = [np.asarray([gen.tokenizer(p, add_special_tokens=False)["input_ids"]]) for p in prompts]
    assert ids[0].shape[1] != ids[1].shape[1]
    args = (gen.stop_ids, gen.tokenizer.pad_token_id)
    groups = [Group(ids[0], 3, 5), Group(ids[1], 2, 6)]
    together = generate_groups(gen.model, groups, HOT, *args, Progress())
    for group, joint in zip(groups, together, strict=True):
        params = GenerationParams(temperature=1.2, max_new_tokens=10, seed=group.seed)
        alone = generate(gen.model, group.ids, np.ones_like(group.ids), params, group.rows, *args,
                         Progress())  # fmt: skip
        assert joint.ids.tolist() == alone.ids.tolist() and joint.steps == alone.steps
        np.testing.assert_allclose(joint.logprobs, alone.logprobs, atol=1e-4)


def test_no_texts_unless_asked(generators):
    events: list[ProgressEvent] = []
    generators["onnx"].generate(PROMPT, 2, HOT, Progress(events.append))
    assert events and all(e.texts is None for e in events)


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("A cat sits in a bar", False),  # no sentence end yet
        ("A cat sits in a bar.", True),
        ("A cat sits in a bar. The barman", True),
        ("Wow.", False),  # too short to draw
        ("<think>A cat sits. Hm", False),  # still thinking
        ("<think></think>A programmer orders beer.", True),
    ],
)
def test_scene_stops_at_its_first_sentence(text, done):
    assert scene_done(text) is done


@pytest.mark.parametrize("stage", ["visual_prompt", "generate"])
def test_a_prompts_fixed_beginning_is_read_once_with_the_same_logits(generators, stage):
    """The system prompt every scene request, and every ending request whatever its few-shot
    examples, starts with is read once per loaded model; the logits do not change."""
    from inference.text.chat import render_generation_prompt, render_scene_prompt

    gen = generators["onnx"]
    if stage == "visual_prompt":
        text = render_scene_prompt(gen.tokenizer, "Штирлиц шёл по лесу.")
    else:
        text = render_generation_prompt(gen.tokenizer, "Штирлиц шёл по лесу", [("Кот", "Пёс")])
    ids = gen.tokenizer(text, add_special_tokens=False)["input_ids"]
    read, cache = gen._prefix_read(stage, ids)
    assert 0 < read < len(ids) and gen._prefix_read(stage, ids)[1] is cache  # computed once
    mask = np.ones((1, len(ids)), dtype=np.int64)
    full, _ = gen.model.step(np.asarray([ids]), mask, None)
    rest, _ = gen.model.step(np.asarray([ids[read:]]), mask, cache)
    np.testing.assert_allclose(rest[0, -1], full[0, -1], rtol=1e-4, atol=1e-4)
    other = gen.tokenizer("другой запрос", add_special_tokens=False)["input_ids"]
    assert gen._prefix_read(stage, other) == (0, None)  # another request: read in full


@pytest.mark.skipif(
    not os.environ.get("DEMOTIVATOR_REAL_GENERATOR"), reason="real weights not configured"
)
def test_real_scene_is_one_short_sentence():
    folder = os.environ["DEMOTIVATOR_REAL_GENERATOR"]
    backend = "onnx" if (Path(folder) / "model.onnx").exists() else "torch"
    gen = load_generator(folder, backend, threads=2)
    events: list[ProgressEvent] = []
    joke = "Заходит как-то программист в бар и заказывает 1.0000001 пива."
    scene = gen.describe_scene(joke, GenerationParams(seed=1), Progress(events.append))
    # finish() fills the bar: the tokens written are the last step before it
    tokens = max(e.done for e in events if e.stage == "visual_prompt" and not e.finished)
    assert scene and tokens < SCENE_MAX_NEW_TOKENS  # stopped at its sentence, not the cap
    assert scene.count(". ") == 0
