"""Generator folders exported by older Optimum versions (and many Hub repos) on the lean
``onnx`` backend: ``decoder_model_merged.onnx`` (both branches in one graph, switched by a
boolean ``use_cache_branch``), ``decoder_model.onnx`` + ``decoder_with_past_model.onnx``, or
``decoder_model.onnx`` alone. The first two must run with a KV cache, and every layout must
give the torch backend's greedy tokens."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from inference.core.errors import ModelError
from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.generator import load_generator
from inference.text.model_folders import inspect_folder

PROMPTS = ("Приходит мужик в бар", "Штирлиц долго смотрел в одну точку")
GREEDY = GenerationParams(temperature=0.0, repetition_penalty=1.5, max_new_tokens=16, seed=1)
SAMPLED = GenerationParams(
    temperature=0.9, top_p=0.9, top_k=40, repetition_penalty=1.2, max_new_tokens=12, seed=5
)
MERGED, DECODER, WITH_PAST = (
    "decoder_model_merged.onnx",
    "decoder_model.onnx",
    "decoder_with_past_model.onnx",
)
pytestmark = pytest.mark.usefixtures("restore_torch_threads")


@pytest.fixture(scope="session")
def legacy_exports(tmp_path_factory: pytest.TempPathFactory, tiny_generator_dir: Path) -> Path:
    """The three files older Optimum wrote for ``text-generation-with-past``, made with the
    pinned Optimum: the decoder without past (prompt in, logits and cache out), the decoder
    with past, and Optimum's own merge of the two."""
    from optimum.exporters.onnx import export
    from optimum.exporters.tasks import TasksManager
    from optimum.onnx import merge_decoders
    from transformers import AutoModelForCausalLM

    out = tmp_path_factory.mktemp("legacy-onnx")
    model = AutoModelForCausalLM.from_pretrained(tiny_generator_dir).eval()
    config = TasksManager.get_exporter_config_constructor(
        model=model, exporter="onnx", task="text-generation-with-past", library_name="transformers"
    )
    with warnings.catch_warnings():  # the exporter's tracer warnings are not the point here
        warnings.simplefilter("ignore")
        for name, past_in_inputs in ((DECODER, False), (WITH_PAST, True)):
            onnx_config = config(model.config, use_past=True, use_past_in_inputs=past_in_inputs)
            export(model, onnx_config, out / name)
        merge_decoders(out / DECODER, out / WITH_PAST, save_path=out / MERGED, strict=False)
    return out


def _folder(dst: Path, src: Path, onnx_dir: Path, files: list[str], sub: str = "") -> Path:
    """A model folder with the config/tokenizer files of ``src`` (no torch weights) and the
    named .onnx files of ``onnx_dir`` at the top or under ``sub``."""
    (dst / sub).mkdir(parents=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix not in (".safetensors", ".onnx"):
            shutil.copy(f, dst)
    for name in files:
        shutil.copy(onnx_dir / name, dst / sub / name)
    return dst


def _greedy(gen) -> list[list[int]]:
    return [gen.raw_batch(p, 1, GREEDY, Progress())[0]["ids"] for p in PROMPTS]


@pytest.fixture(scope="module")
def reference(tiny_generator_dir, tiny_generator_onnx_dir):
    """Greedy tokens of the torch backend, and the current single-graph export's."""
    torch_ids = _greedy(load_generator(tiny_generator_dir, "torch", threads=1))
    lean = load_generator(tiny_generator_onnx_dir, "onnx", threads=1)
    return torch_ids, _greedy(lean), lean.raw_batch(PROMPTS[0], 4, SAMPLED, Progress())


# --- which file a folder loads -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("files", "want", "want_with_past"),
    [
        (["model.onnx", MERGED, DECODER, WITH_PAST], "model.onnx", None),
        ([MERGED, DECODER, WITH_PAST], MERGED, None),
        ([DECODER, WITH_PAST], DECODER, WITH_PAST),
        ([DECODER], DECODER, None),
        ([WITH_PAST], WITH_PAST, None),
        (["decoder_model_merged_quantized.onnx", "decoder_model_quantized.onnx"], None, None),
    ],
)
@pytest.mark.parametrize("sub", ["", "onnx"])
def test_the_folder_names_the_graph_with_a_kv_cache(tmp_path, files, want, want_with_past, sub):
    """model.onnx, then the merged decoder, then the decoder pair, then a lone decoder —
    never the alphabetically first file (decoder_model.onnx < decoder_model_merged.onnx)."""
    (tmp_path / sub).mkdir(exist_ok=True)
    (tmp_path / "config.json").write_text('{"model_type": "qwen2"}')
    for name in files:
        (tmp_path / sub / name).write_bytes(b"")
    info = inspect_folder(tmp_path)
    want = want or sorted(files)[0]  # no known name: the first file, as before
    assert info.onnx_file == tmp_path / sub / want
    assert info.onnx_with_past == (tmp_path / sub / want_with_past if want_with_past else None)


def test_model_onnx_at_the_top_wins_over_legacy_files_under_onnx(tmp_path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "config.json").write_text("{}")
    for path in ("onnx/" + MERGED, "model.onnx"):
        (tmp_path / path).write_bytes(b"")
    assert inspect_folder(tmp_path).onnx_file == tmp_path / "model.onnx"


# --- each layout generates like the torch backend ---------------------------------------------
@pytest.mark.parametrize(
    ("files", "sub", "cached"),
    [
        ([MERGED], "", True),
        ([MERGED, DECODER, WITH_PAST], "onnx", True),  # a typical older Hub repo
        ([DECODER, WITH_PAST], "", True),
        ([DECODER, WITH_PAST], "onnx", True),
        ([DECODER], "", False),
    ],
)
def test_legacy_layout_gives_the_torch_backends_tokens(
    tmp_path, legacy_exports, tiny_generator_dir, reference, files, sub, cached
) -> None:
    folder = _folder(tmp_path / "gen", tiny_generator_dir, legacy_exports, files, sub)
    gen = load_generator(folder, "onnx", threads=1)
    assert gen.backend == "onnx" and gen.model.can_use_cache is cached
    torch_ids, single_graph_ids, sampled = reference
    got = _greedy(gen)
    assert got == torch_ids == single_graph_ids
    assert all(len(set(ids)) > 1 for ids in got)
    # a cacheless graph works but says why it is slow; the others say nothing
    assert bool(gen.warnings) is not cached
    if not cached:
        assert DECODER in gen.warnings[0] and "KV" in gen.warnings[0]
    # the prompt's cache copied to n sampled rows: same seed, same rows as the single graph
    rows = gen.raw_batch(PROMPTS[0], 4, SAMPLED, Progress())
    assert [r["ids"] for r in rows] == [r["ids"] for r in sampled]
    assert [r["logprob"] for r in rows] == pytest.approx([r["logprob"] for r in sampled], abs=1e-4)


def _record_runs(session, calls: list[dict[str, np.ndarray]]) -> None:
    run = session.run

    def recording(names, feed, *args, **kwargs):
        calls.append(dict(feed))
        return run(names, feed, *args, **kwargs)

    session.run = recording


def test_merged_decoder_switches_to_the_cache_branch_after_the_prompt(
    tmp_path, legacy_exports, tiny_generator_dir
) -> None:
    """First run: use_cache_branch False with an empty past (never read on that branch, as
    recent Optimum feeds it) for the prompts' fixed beginning (the system prompt, read once
    per loaded model); then True with the rest of the prompt, then one new token per step
    with the real cache."""
    folder = _folder(tmp_path / "m", tiny_generator_dir, legacy_exports, [MERGED])
    gen = load_generator(folder, "onnx", threads=1)
    calls: list[dict[str, np.ndarray]] = []
    _record_runs(gen.model.session, calls)
    rows = gen.raw_batch(PROMPTS[0], 3, SAMPLED, Progress())
    steps = max(len(row["ids"]) for row in rows)
    assert len(calls) == steps + 1  # the fixed beginning, the rest, then one run per token
    fixed, rest, later = calls[0], calls[1], calls[2:]
    assert fixed["use_cache_branch"].dtype == np.bool_ and not fixed["use_cache_branch"][0]
    assert fixed["input_ids"].shape[1] > 1 and fixed["past_key_values.0.key"].shape[2] == 0
    read = fixed["input_ids"].shape[1]
    assert rest["use_cache_branch"][0] and rest["past_key_values.0.key"].shape[2] == read
    prompt = read + rest["input_ids"].shape[1]
    width = 3  # finished rows leave the batch, so it only ever narrows
    for i, feed in enumerate(later):
        rows_left = feed["input_ids"].shape[0]
        assert feed["use_cache_branch"][0] and feed["input_ids"].shape == (rows_left, 1)
        assert 1 <= rows_left <= width
        width = rows_left
        assert feed["past_key_values.0.key"].shape[:3:2] == (rows_left, prompt + i)
        assert feed["attention_mask"].shape == (rows_left, prompt + i + 1)
    # the next request reads only its own part: the fixed beginning is not read again
    calls.clear()
    gen.raw_batch(PROMPTS[1], 1, GREEDY, Progress())
    assert calls[0]["use_cache_branch"][0] and calls[0]["past_key_values.0.key"].shape[2] == read


def test_decoder_pair_reads_the_prompt_once_then_one_token_per_step(
    tmp_path, legacy_exports, tiny_generator_dir
) -> None:
    folder = _folder(tmp_path / "p", tiny_generator_dir, legacy_exports, [DECODER, WITH_PAST])
    gen = load_generator(folder, "onnx", threads=1)
    prompt_calls: list[dict[str, np.ndarray]] = []
    step_calls: list[dict[str, np.ndarray]] = []
    _record_runs(gen.model._prefill.session, prompt_calls)
    _record_runs(gen.model._decode.session, step_calls)
    rows = gen.raw_batch(PROMPTS[1], 1, GREEDY, Progress())
    # the prompts' fixed beginning without a past, the rest of the prompt on top of its
    # cache, then one token per step
    assert len(prompt_calls) == 1 and "past_key_values.0.key" not in prompt_calls[0]
    assert len(step_calls) == 1 + len(rows[0]["ids"]) - 1
    read = prompt_calls[0]["input_ids"].shape[1]
    assert step_calls[0]["past_key_values.0.key"].shape[2] == read
    assert all(feed["input_ids"].shape == (1, 1) for feed in step_calls[1:])


# --- graphs that cannot be fed are refused with a clear message ---------------------------------
def _add_input(path: Path, name: str, elem_type: int) -> None:
    import onnx

    graph = onnx.load(str(path))
    graph.graph.input.append(onnx.helper.make_tensor_value_info(name, elem_type, [1]))
    onnx.save(graph, str(path))


@pytest.mark.parametrize(
    ("files", "broken", "extra", "elem"),
    [
        ([MERGED], MERGED, "cache_position", "INT64"),
        ([DECODER, WITH_PAST], WITH_PAST, "cache_position", "INT64"),
        ([DECODER, WITH_PAST], DECODER, "token_type_ids", "INT64"),
    ],
)
def test_a_legacy_graph_with_inputs_we_cannot_feed_is_refused(
    tmp_path, legacy_exports, tiny_generator_dir, files, broken, extra, elem
) -> None:
    import onnx

    folder = _folder(tmp_path / "odd", tiny_generator_dir, legacy_exports, files)
    _add_input(folder / broken, extra, getattr(onnx.TensorProto, elem))
    with pytest.raises(ModelError, match=extra) as info:
        load_generator(folder, "onnx")
    message = str(info.value)
    assert str(folder / broken) in message and "torch" in message and "\n" not in message


def test_a_use_cache_branch_that_is_not_a_boolean_is_refused(
    tmp_path, legacy_exports, tiny_generator_dir
) -> None:
    """A switch we would feed with the wrong type: refused by name before any run."""
    import onnx

    folder = _folder(tmp_path / "odd", tiny_generator_dir, legacy_exports, [WITH_PAST])
    _add_input(folder / WITH_PAST, "use_cache_branch", onnx.TensorProto.FLOAT)
    with pytest.raises(ModelError, match="use_cache_branch"):
        load_generator(folder, "onnx")
