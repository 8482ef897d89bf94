"""The ``llamacpp`` generator backend on a real GGUF (the tiny test Qwen2 written by the
fixtures) loaded by the real llama.cpp binding: N candidates from one prompt, per-token
progress, cancel within a token, seeds, plain models, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference.core.errors import Cancelled, ModelError
from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.models.gguf_header import describe, read_metadata
from inference.text.chat_generator import Ask, StreamCollector, chat_body
from tests.fixtures_gguf import tiny_gguf, tiny_gguf_plain  # noqa: F401  (fixtures)

pytest.importorskip("xllamacpp")

PROMPT = "Приходит мужик в библиотеку"
HOT = GenerationParams(temperature=1.0, top_p=1.0, top_k=0, max_new_tokens=16, seed=11)


@pytest.fixture(scope="module")
def gguf_generator(tiny_gguf: Path):  # noqa: F811
    from inference.text.llamacpp_generator import load_llamacpp_generator

    gen = load_llamacpp_generator(tiny_gguf, threads=1)
    yield gen
    gen.close()


def test_header_reader_reads_what_the_fixture_wrote(tiny_gguf: Path) -> None:  # noqa: F811
    info = describe(read_metadata(tiny_gguf))
    assert info["architecture"] == "qwen2"
    assert info["quantization"] == "F32"
    assert info["context_length"] == 512
    assert "<|im_start|>" in info["chat_template"]


def test_eight_candidates_from_one_prompt_with_token_progress(gguf_generator) -> None:
    events = []
    candidates = gguf_generator.generate(PROMPT, 8, HOT, Progress(events.append))
    assert gguf_generator.has_chat_template
    assert len(candidates) == 8  # one per row; the pipeline's joke filter judges them
    assert [c.meta["group"] for c in candidates] == [0] * 4 + [1] * 4  # own few-shot sets
    written = [c for c in candidates if c.text.strip()]
    assert written
    for c in candidates:
        assert c.meta["backend"] == "llamacpp" and c.meta["source"] == "generated"
        assert c.meta["generated_tokens"] <= HOT.max_new_tokens
    for c in written:
        assert c.logprob is not None and c.logprob < 0  # ranking by likelihood works
        assert 0 < c.meta["tokens"] <= c.meta["generated_tokens"]
    advances = [e for e in events if e.stage == "generate" and not e.finished and e.done > 0]
    assert events[0].stage == "generate" and events[0].total == 2 * HOT.max_new_tokens  # 2 groups
    longest = max(c.meta["generated_tokens"] for c in candidates)
    assert advances[-1].done >= longest and len(advances) >= 2  # one report per token step
    assert events[-1].finished


def test_seed_is_honoured(gguf_generator) -> None:
    def texts(seed: int) -> list[str]:
        params = GenerationParams(**{**HOT.__dict__, "seed": seed})
        return [r["raw"] for r in gguf_generator.raw_batch(PROMPT, 4, params, Progress())]

    first = texts(5)
    assert texts(5) == first
    again = [gguf_generator.generate(PROMPT, 8, HOT, Progress()) for _ in range(2)]
    assert [c.text for c in again[0]] == [c.text for c in again[1]]  # groups and examples too
    assert texts(6) != first
    assert len(set(first)) > 1  # the choices of one request differ from each other


def test_cancel_stops_within_a_token_and_the_engine_keeps_working(gguf_generator) -> None:
    params = GenerationParams(**{**HOT.__dict__, "max_new_tokens": 200})
    seen = []

    def listener(event) -> None:
        seen.append(event)
        if event.stage == "generate" and event.done >= 3:
            progress.cancel()

    progress = Progress(listener)
    with pytest.raises(Cancelled):
        gguf_generator.generate(PROMPT, 4, params, progress)
    assert max(e.done for e in seen) <= 4  # stopped at the next token, not at 200
    assert gguf_generator.generate(PROMPT, 2, HOT, Progress())  # the slots were freed


def test_cancel_before_start_runs_nothing(gguf_generator) -> None:
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        gguf_generator.generate(PROMPT, 2, HOT, progress)


def test_scene_description_from_the_same_model(gguf_generator) -> None:
    events = []
    scene = gguf_generator.describe_scene("Кот сидит на окне.", HOT, Progress(events.append))
    assert scene.strip()
    assert {e.stage for e in events} == {"visual_prompt"}


def test_plain_gguf_continues_text(tiny_gguf_plain: Path) -> None:  # noqa: F811
    from inference.text.llamacpp_generator import load_llamacpp_generator

    gen = load_llamacpp_generator(tiny_gguf_plain, threads=1)
    assert not gen.has_chat_template
    rows = gen.raw_batch(PROMPT, 3, HOT, Progress())
    assert len(rows) == 3 and any(r["generated_tokens"] > 0 for r in rows)
    scene_events = []
    assert gen.describe_scene("Кот сидит.", HOT, Progress(scene_events.append)) == "Кот сидит."
    gen.close()


def test_missing_and_foreign_files_fail_in_one_translated_line(tmp_path: Path) -> None:
    from inference.text.llamacpp_generator import load_llamacpp_generator

    with pytest.raises(ModelError, match="Файл GGUF не найден"):
        load_llamacpp_generator(tmp_path / "nope.gguf")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(ModelError, match="не файл GGUF") as err:
        load_llamacpp_generator(fake)
    assert "\n" not in str(err.value)


def test_cut_gguf_is_refused_before_llama_cpp(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    from inference.text.llamacpp_generator import load_llamacpp_generator

    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf.read_bytes()[:2000])  # inside the vocabulary
    with pytest.raises(ModelError, match="не файл GGUF или он повреждён"):
        load_llamacpp_generator(cut)


def test_thinking_is_off_and_stripped() -> None:
    body = chat_body(Ask([{"role": "user", "content": "x"}], "", 3, HOT), 7)
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["n"] == 3 and body["seed"] == 7 and body["stream"] is True
    assert body["top_k"] == HOT.top_k and body["repeat_penalty"] == HOT.repetition_penalty
    # a Qwen3 answer that still thinks: the row keeps the raw text, the candidate the answer
    collector = StreamCollector(Progress())
    view = collector.view(0, 2)
    for text in ("<think>\nхм", "\n</think>\n\n", "Концовка.", "\n\nЕщё"):
        view({"choices": [{"index": 0, "delta": {"content": text}}]})
    view(
        {"choices": [{"index": 1, "delta": {"content": "<think>думаю"}, "finish_reason": "length"}]}
    )
    rows = collector.rows()
    assert rows[0]["raw"].startswith("<think>") and rows[0]["text"] == "Концовка."
    assert rows[0]["finished"] and rows[1]["text"] == ""
