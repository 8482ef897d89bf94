"""The joke engine inside the pipeline: over-generation, the filter's reasons in the result
and its sidecar, and the collection's real endings joining the lite generator's."""

from __future__ import annotations

import json

from inference.core.params import GenerationParams
from inference.core.settings import Settings
from inference.runs.pipeline import MakeRequest, Pipeline
from inference.runs.result import Result
from inference.text.joke_filter import REASONS, SOURCE_COLLECTION
from inference.text.lite_collection import collection_candidates, prefix_rest, same_setup

PROMPT = "Заходит как-то программист в бар"


def test_prefix_and_same_setup_matches() -> None:
    joke = "Штирлиц готов был сдаться, но немцы его опередили."
    assert prefix_rest("Штирлиц готов был", joke) == "сдаться, но немцы его опередили."
    assert prefix_rest("Штирлица готовы", joke) == "был сдаться, но немцы его опередили."
    assert prefix_rest("Мюллер готов был", joke) is None
    assert prefix_rest(joke, joke) is None  # nothing left to tell
    assert same_setup("Сколько волка ни корми", "Сколько волка ни корми,")
    assert not same_setup("Сколько волка", "Сколько волка ни корми, а он всё в лес смотрит")


def test_collection_endings_for_a_known_beginning() -> None:
    cands = collection_candidates("Штирлиц готов был сдаться")
    assert [c.text for c in cands][:1] == ["но немцы его опередили."]
    assert cands[0].meta["source"] == SOURCE_COLLECTION
    assert cands[0].meta["collection_source"] == "fortune"
    assert collection_candidates("Ыыы ъъъ ьььь") == []


def test_pipeline_keeps_every_dropped_ending_with_its_reason(tmp_path, tiny_generator_dir) -> None:
    settings = Settings()
    settings.models.generator_dir = str(tiny_generator_dir)
    settings.models.generator_backend = "torch"
    settings.n_candidates, settings.threads = 4, 1
    settings.generation = GenerationParams(temperature=1.2, max_new_tokens=10, seed=7)
    pipeline = Pipeline(settings)
    result = pipeline.new_result(MakeRequest(PROMPT))
    pipeline.write_candidates(result, 4)
    written = len(result.candidates) + len(result.dropped)
    assert written >= 6  # over-generated: 4 asked, a few more written
    assert 0 < len(result.candidates) <= 4
    assert all(c.meta["filtered_reason"] in REASONS for c in result.dropped)
    assert all("filtered_reason" not in c.meta for c in result.candidates)
    data = Result.to_json_dict(result)
    assert [d["reason"] for d in data["dropped"]] == [
        c.meta["filtered_reason"] for c in result.dropped
    ]
    assert all(c["source"] == "generated" for c in data["candidates"])
    json.dumps(data)  # the sidecar stays plain JSON


def test_lite_default_ranks_collection_endings_with_generated_ones() -> None:
    pipeline = Pipeline(Settings())  # nothing configured: the bundled lite models
    request = MakeRequest("Штирлиц готов был сдаться")
    result = pipeline.new_result(request)
    result.generation.seed = 3
    pipeline.write_candidates(result, 4)
    pipeline.rank(result)
    sources = [c.meta.get("source") for c in result.candidates]
    assert SOURCE_COLLECTION in sources and "generated" in sources
    from_collection = [c for c in result.candidates if c.meta.get("source") == SOURCE_COLLECTION]
    assert from_collection[0].text == "но немцы его опередили."
    assert all(c.score is not None for c in result.candidates)  # the ranker scored them all
    data = result.to_json_dict()
    assert SOURCE_COLLECTION in [c["source"] for c in data["candidates"]]
