"""Few-shot examples from the bundled collection (retrieval, variety, determinism per seed),
their rendering through inference/text/chat.py, thinking off for Qwen3-style templates, and the
generator's groups of rows on the tiny real-architecture model."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.chat import (
    render_generation_prompt,
    render_scene_prompt,
    render_training_example,
)
from inference.text.few_shot import (
    Retriever,
    example_pool,
    example_sets,
    group_sizes,
    stems,
)
from inference.text.joke_corpus import JokePair, bundled_pairs

PROMPT = "Заходит как-то программист в бар"

# The part of Qwen3's chat template that matters here: the generation prompt opens an empty
# reasoning block when enable_thinking is false, and a final assistant turn carries one.
QWEN3_STYLE_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{% if m.role == 'assistant' and loop.last %}<think>\n\n</think>\n\n{% endif %}"
    "{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "<think>\n\n</think>\n\n{% endif %}{% endif %}"
)


def test_retrieval_prefers_setups_sharing_the_beginnings_words() -> None:
    pairs = [
        JokePair("Встретились два кота на крыше,", "и оба промолчали.", "x"),
        JokePair("Программист заходит в бар,", "а там одни баги.", "x"),
        JokePair("Без труда", "не выловишь и рыбку из пруда.", "x"),
    ]
    retriever = Retriever(pairs)
    assert retriever.nearest(PROMPT, 3) == [1]
    assert retriever.nearest("Два кота встретились", 3)[0] == 0
    assert retriever.nearest("Совсем о другом", 3) == []
    assert stems("Программисты заходят") == ["прогр", "заход"]


def test_pool_from_the_bundled_collection_is_about_the_beginning() -> None:
    pool = example_pool(PROMPT)
    assert len(pool) == 16
    assert sum("программист" in p.setup.lower() for p in pool) >= 8
    assert all(p.split == "train" for p in pool)  # held-out rows never become examples
    assert all(len(p.setup) + len(p.punchline) <= 220 for p in pool)
    assert len(example_pool("Ыыы ъъъ")) == 16  # topped up when nothing matches


def test_example_sets_vary_between_groups_and_repeat_per_seed() -> None:
    sets = example_sets(PROMPT, 3, seed=5)
    assert len(sets) == 3 and all(len(s) == 3 for s in sets)
    assert all(len(set(s)) == 3 for s in sets)  # no repeats inside a set
    assert len({tuple(s) for s in sets}) == 3  # the groups see different examples
    assert example_sets(PROMPT, 3, seed=5) == sets  # the same seed, the same examples
    assert example_sets(PROMPT, 3, seed=6) != sets
    collection = {(p.setup, p.punchline) for p in bundled_pairs()}
    assert all(pair in collection for s in sets for pair in s)
    assert example_sets(PROMPT, 2, seed=5, per_set=0) == [[], []]


def test_derived_seeds_do_not_repeat_neighbouring_runs() -> None:
    from inference.text.few_shot import derived_seed

    assert derived_seed(5, 0) == 5
    parts = {derived_seed(s, g) for s in range(1, 50) for g in range(4)}
    assert len(parts) == 49 * 4  # seed 1's second group is not seed 2's first


def test_group_sizes() -> None:
    assert group_sizes(10) == [5, 5]
    assert group_sizes(7) == [4, 3]
    assert group_sizes(3) == [3]
    assert group_sizes(11) == [4, 4, 3]
    assert group_sizes(6, per_group=100) == [6]


@pytest.fixture(scope="module")
def qwen3_style_tokenizer(tiny_generator_dir):
    tok = AutoTokenizer.from_pretrained(tiny_generator_dir)
    tok.chat_template = QWEN3_STYLE_TEMPLATE
    return tok


def test_qwen3_templates_render_with_thinking_off(qwen3_style_tokenizer) -> None:
    examples = [("Сетап один", "Панч один."), ("Сетап два", "Панч два.")]
    text = render_generation_prompt(qwen3_style_tokenizer, PROMPT, examples)
    assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert "<|im_start|>user\nСетап два<|im_end|>\n<|im_start|>assistant\nПанч два." in text
    prompt, completion = render_training_example(qwen3_style_tokenizer, PROMPT, "а там медведь")
    assert prompt == render_generation_prompt(qwen3_style_tokenizer, PROMPT)
    assert completion == "а там медведь<|im_end|>"
    prompt, completion = render_training_example(
        qwen3_style_tokenizer, PROMPT, "а там медведь", examples
    )
    assert prompt == text and completion == "а там медведь<|im_end|>"
    scene = render_scene_prompt(qwen3_style_tokenizer, PROMPT + " А там медведь.")
    assert scene.endswith("<think>\n\n</think>\n\n") and "А там медведь." in scene


def test_fast_tokenizer_renders_thinking_off_too(tiny_generator_dir) -> None:
    from inference.text.fast_tokenizer import load_fast_tokenizer
    from inference.text.model_folders import inspect_folder

    tok = load_fast_tokenizer(inspect_folder(tiny_generator_dir))
    tok.chat_template = QWEN3_STYLE_TEMPLATE
    assert render_generation_prompt(tok, PROMPT).endswith("<think>\n\n</think>\n\n")


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_generator_prompts_groups_of_rows_with_their_own_examples(
    backend, tiny_generator_dir, tiny_generator_onnx_dir
) -> None:
    from inference.text.generator import load_generator

    folder = tiny_generator_dir if backend == "torch" else tiny_generator_onnx_dir
    gen = load_generator(folder, backend, threads=1)
    params = GenerationParams(temperature=1.2, max_new_tokens=6, seed=3)
    progress_events = []
    cands = gen.generate(PROMPT, 7, params, Progress(progress_events.append))
    assert len(cands) == 7  # one candidate per row: the filter judges them later
    assert [c.meta["group"] for c in cands] == [0, 0, 0, 0, 1, 1, 1]
    first, second = cands[0].meta["examples"], cands[4].meta["examples"]
    assert len(first) == 3 and first != second
    assert all(c.meta["source"] == "generated" for c in cands)
    # one bar: ONNX decodes both groups in one batch (6 tokens), torch one after another
    assert progress_events[-1].finished
    assert progress_events[-1].total == (6 if backend == "onnx" else 12)
    again = gen.generate(PROMPT, 7, params, Progress())
    assert [c.text for c in again] == [c.text for c in cands]  # the seed repeats it all
    gen.examples_per_prompt = 0
    plain = gen.generate(PROMPT, 2, params, Progress())
    assert plain[0].meta["examples"] == []
