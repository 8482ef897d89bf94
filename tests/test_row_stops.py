"""Rows stop when their joke ends (end of turn, two sentences) and leave the batch, in both
backends, without changing the tokens of the rows still writing (issue 18, lever 1)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.core.params import GenerationParams
from inference.core.progress import Progress, ProgressEvent
from inference.text.generator import load_generator
from inference.text.ort_decoder import generate
from inference.text.token_rows import row_end

PROMPT = "Приходит мужик в бар"
SAMPLED = GenerationParams(
    temperature=1.0, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=10, seed=4
)
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        ("Она у вас за спиной!", None),  # one sentence: may still go on
        ("Раз. Два.", None),  # two, but the model may still end the turn here
        ("Раз. Два. Три", len("Раз. Два.")),  # a third began: cut after the second
        ("— Мяу. — Гав! — Ты чего?", len("— Мяу. — Гав!")),
        ("т.е. вот", None),  # an abbreviation's dots inside a word end nothing
        ("Ок<|im_end|>", 2),  # end of turn
        ("Раз.\n\nuser: ещё", len("Раз.")),  # a blank line / a new turn
    ],
)
def test_row_end(raw: str, end: int | None) -> None:
    assert row_end(raw) == end


class BatchSizes:
    """The real ONNX model, recording the batch size of every decode step it runs."""

    def __init__(self, model) -> None:
        self.model, self.sizes = model, []

    def step(self, ids, mask, cache):
        self.sizes.append(ids.shape[0])
        return self.model.step(ids, mask, cache)


def test_finished_rows_leave_the_batch_and_the_others_keep_their_tokens(
    tiny_generator_onnx_dir,
) -> None:
    gen = load_generator(tiny_generator_onnx_dir, "onnx", threads=1)
    prompt = np.asarray([gen.tokenizer(PROMPT, add_special_tokens=False)["input_ids"]])
    pad = gen.tokenizer.pad_token_id
    stops: set[int] = set()  # no end of turn: only the rule under test ends a row

    def run(row_done):
        model = BatchSizes(gen.model)
        out = generate(
            model, prompt, np.ones_like(prompt), SAMPLED, 8, stops, pad, Progress(), row_done
        )
        return out, model.sizes

    full, full_sizes = run(None)
    first = full.ids[:, 0]
    short = first % 2 == 0  # these rows "end" after their first token
    assert 0 < short.sum() < len(short)
    cut, cut_sizes = run(lambda ids: ids[0] % 2 == 0)
    assert full_sizes == [1] + [8] * (SAMPLED.max_new_tokens - 1)  # prompt once, then 8 rows
    assert cut_sizes == [1] + [int((~short).sum())] * (SAMPLED.max_new_tokens - 1)
    assert (cut.ids[short, 0] == first[short]).all() and (cut.ids[short, 1:] == pad).all()
    # one random draw per original row per step: a row's tokens do not depend on the others
    assert (cut.ids[~short] == full.ids[~short]).all()
    np.testing.assert_allclose(cut.logprobs[~short], full.logprobs[~short], atol=1e-5)


def test_every_row_done_ends_the_loop_with_progress_per_token(tiny_generator_onnx_dir) -> None:
    gen = load_generator(tiny_generator_onnx_dir, "onnx", threads=1)
    prompt = np.asarray([gen.tokenizer(PROMPT, add_special_tokens=False)["input_ids"]])
    events: list[ProgressEvent] = []
    progress = Progress(events.append)
    progress.stage("generate", total=SAMPLED.max_new_tokens)
    out = generate(
        gen.model, prompt, np.ones_like(prompt), SAMPLED, 4, set(), 0, progress,
        lambda ids: len(ids) >= 3,
    )  # fmt: skip
    assert out.steps == 3 and out.ids.shape == (4, 3)
    assert [e.done for e in events if e.done] == [1, 2, 3]


def test_torch_rows_stop_through_the_stopping_criteria(tiny_generator_dir) -> None:
    gen = load_generator(tiny_generator_dir, "torch", threads=1)
    prompt = gen.tokenizer(PROMPT, add_special_tokens=False)["input_ids"]
    pad = gen.tokenizer.pad_token_id
    events: list[ProgressEvent] = []
    ids, _logprobs, steps = gen._generate_torch(
        prompt, 6, SAMPLED, Progress(events.append), lambda row: row[0] % 2 == 0 or len(row) >= 4
    )
    assert steps == 4 and len(events) == 4  # one progress step per token, up to the longest row
    for row in ids:
        if row[0] % 2 == 0:  # stopped after one token: padded from there
            assert row[1:] == [pad] * (len(row) - 1)
    assert any(row[0] % 2 for row in ids) and any(row[0] % 2 == 0 for row in ids)


def test_generator_applies_the_text_rule(tiny_generator_dir, tiny_generator_onnx_dir) -> None:
    for folder, backend in ((tiny_generator_onnx_dir, "onnx"), (tiny_generator_dir, "torch")):
        gen = load_generator(folder, backend, threads=1)
        tokenize = gen.tokenizer
        assert gen._row_done(tokenize("Раз. Два. Три", add_special_tokens=False)["input_ids"])
        assert not gen._row_done(tokenize("Раз. Два", add_special_tokens=False)["input_ids"])
