"""The pipeline end to end on tiny real-architecture models (random weights)."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from inference.core.errors import Cancelled, ModelError
from inference.core.params import GenerationParams, ImageParams
from inference.core.progress import Progress
from inference.core.settings import Settings
from inference.runs.pipeline import MakeRequest, Pipeline
from inference.runs.result import RANKING_LIKELIHOOD, RANKING_RANKER

PROMPT = "Заходит как-то программист в бар"


def make_settings(generator, ranker=None, illustrator=None, backend="torch") -> Settings:
    settings = Settings()
    settings.models.generator_dir = str(generator)
    settings.models.ranker_dir = str(ranker or "")
    settings.models.illustrator_dir = str(illustrator or "")
    settings.models.generator_backend = backend
    settings.models.ranker_backend = backend
    settings.models.illustrator_backend = backend
    settings.n_candidates = 4
    settings.threads = 1
    settings.generation = GenerationParams(temperature=1.2, max_new_tokens=12, seed=7)
    settings.image = ImageParams(width=64, height=64, steps=2, seed=11)
    settings.poster_width = 480
    return settings


@pytest.fixture
def own_picture():
    return Image.linear_gradient("L").convert("RGB").resize((160, 120))


class Recorder:
    def __init__(self, cancel_at: tuple[str, int] | None = None):
        self.events = []
        self.cancel_at = cancel_at
        self.progress = Progress(self)

    def __call__(self, event):
        self.events.append(event)
        if self.cancel_at and (event.stage, event.done) == self.cancel_at:
            self.progress.cancel()

    def stages(self):
        seen = []
        for e in self.events:
            if not seen or seen[-1] != e.stage:
                seen.append(e.stage)
        return seen


def test_full_run_with_own_picture_ranks_by_likelihood(
    tiny_generator_dir, own_picture, monkeypatch
):
    # likelihood only when no ranker exists at all: a build without the bundled lite one
    import inference.models.model_manager as mm

    monkeypatch.setattr(mm, "bundled_model_dir", lambda role: None)
    pipeline = Pipeline(make_settings(tiny_generator_dir))
    rec = Recorder()
    result = pipeline.run(MakeRequest(PROMPT, picture=own_picture), rec.progress)
    assert 1 <= len(result.candidates) <= 4
    assert result.ranking == RANKING_LIKELIHOOD and result.warnings
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert scores == [c.logprob for c in result.candidates]
    assert result.title == PROMPT and result.subtitle == result.candidates[0].text.strip()
    assert result.poster.width == 480 and result.picture_source == "clipboard"
    assert rec.stages() == ["generate", "rank", "compose"]
    assert set(result.timings) == {"generate", "rank", "compose"}


def test_full_run_draws_with_ranker_and_illustrator(
    tiny_generator_dir, tiny_ranker_dir, tiny_sd_dir, tmp_path
):
    settings = make_settings(tiny_generator_dir, tiny_ranker_dir, tiny_sd_dir)
    rec = Recorder()
    result = Pipeline(settings).run(MakeRequest(PROMPT), rec.progress)
    assert result.ranking == RANKING_RANKER
    assert rec.stages() == ["generate", "rank", "visual_prompt", "draw", "compose"]
    draw_events = [e for e in rec.events if e.stage == "draw" and e.total]
    assert draw_events[-1].done == draw_events[-1].total == 2
    assert result.picture.size == (64, 64) and result.visual_prompt
    assert {m.role for m in result.models} == {"generator", "ranker", "illustrator"}

    path = result.save(tmp_path / "poster.png")
    sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["prompt"] == PROMPT and sidecar["seed"] == {"generation": 7, "image": 11}
    assert sidecar["chosen_text"] == result.chosen_text
    assert len(sidecar["candidates"]) == len(result.candidates)
    assert Image.open(path).size == result.poster.size
    assert (tmp_path / "poster.picture.png").is_file()


def test_same_seeds_reproduce(tiny_generator_dir, tiny_sd_dir):
    settings = make_settings(tiny_generator_dir, illustrator=tiny_sd_dir)
    first = Pipeline(settings).run(MakeRequest(PROMPT))
    second = Pipeline(settings).run(MakeRequest(PROMPT))
    assert [c.text for c in first.candidates] == [c.text for c in second.candidates]
    assert first.picture.tobytes() == second.picture.tobytes()


class NoModels:
    """Stands in for the model manager to prove that a step runs no model."""

    def __getattr__(self, name):
        raise AssertionError(f"a model was used: {name}")


def test_choose_and_edit_recompose_without_models(tiny_generator_dir, own_picture):
    settings = make_settings(tiny_generator_dir)
    settings.n_candidates = 6
    pipeline = Pipeline(settings)
    result = pipeline.run(MakeRequest(PROMPT, picture=own_picture))
    pipeline.models = NoModels()
    before = result.poster.tobytes()
    if len(result.candidates) > 1:
        pipeline.choose(result, 1)
        assert result.chosen_index == 1 and result.subtitle == result.candidates[1].text.strip()
    pipeline.compose(result, title="Совсем другой заголовок", subtitle="")
    assert result.poster.tobytes() != before and result.title == "Совсем другой заголовок"


def test_redraw_and_more_candidates_touch_one_stage(tiny_generator_dir, tiny_sd_dir):
    pipeline = Pipeline(make_settings(tiny_generator_dir, illustrator=tiny_sd_dir))
    result = pipeline.run(MakeRequest(PROMPT))
    texts, picture = [c.text for c in result.candidates], result.picture.tobytes()
    pipeline.draw(result, new_seed=True)
    assert result.image_params.seed != 11
    assert result.picture.tobytes() != picture
    assert [c.text for c in result.candidates] == texts
    picture = result.picture.tobytes()
    pipeline.write_candidates(result)
    assert result.picture.tobytes() == picture
    assert result.generation.seed != 7


def test_cancel_during_generation_keeps_partial_result(tiny_generator_dir, own_picture):
    pipeline = Pipeline(make_settings(tiny_generator_dir))
    rec = Recorder(cancel_at=("generate", 3))
    with pytest.raises(Cancelled) as info:
        pipeline.run(MakeRequest(PROMPT, picture=own_picture), rec.progress)
    generated = [e.done for e in rec.events if e.stage == "generate" and e.total]
    assert max(generated) <= 4
    assert info.value.partial.prompt == PROMPT and info.value.partial.poster is None
    # the next run works
    assert (
        Pipeline(make_settings(tiny_generator_dir))
        .run(MakeRequest(PROMPT, picture=own_picture))
        .poster
    )


def test_cancel_during_drawing_keeps_candidates(tiny_generator_dir, tiny_sd_dir):
    settings = make_settings(tiny_generator_dir, illustrator=tiny_sd_dir)
    settings.image.steps = 4
    rec = Recorder(cancel_at=("draw", 1))
    with pytest.raises(Cancelled) as info:
        Pipeline(settings).run(MakeRequest(PROMPT), rec.progress)
    partial = info.value.partial
    assert partial.candidates and partial.picture is None
    assert max(e.done for e in rec.events if e.stage == "draw") <= 2


def test_missing_model_folder_fails_before_running(tmp_path):
    settings = make_settings(tmp_path / "nope")
    with pytest.raises(ModelError, match="nope"):
        Pipeline(settings).preflight()


def test_models_stay_loaded_between_runs(tiny_generator_dir, own_picture):
    pipeline = Pipeline(make_settings(tiny_generator_dir))
    pipeline.run(MakeRequest(PROMPT, picture=own_picture))
    generator = pipeline.models.generator()
    pipeline.run(MakeRequest(PROMPT, picture=own_picture))
    assert pipeline.models.generator() is generator


def test_without_an_illustrator_the_lite_one_draws_from_the_joke(tiny_generator_dir):
    rec = Recorder()
    result = Pipeline(make_settings(tiny_generator_dir)).run(MakeRequest(PROMPT), rec.progress)
    assert rec.stages() == ["generate", "rank", "draw", "compose"]  # no scene description
    illustrator = next(m for m in result.models if m.role == "illustrator")
    assert illustrator.lite and illustrator.backend == "lite"
    assert result.picture.size == (64, 64) and result.visual_prompt == ""
    assert any("demotivator models" in w for w in result.warnings)


def test_the_picture_model_loads_while_the_endings_are_written(
    tiny_generator_onnx_dir, tiny_sd_dir, monkeypatch
):
    """A Stable Diffusion model starts loading when the run starts, on a thread of its own,
    not after the endings; the draw waits for that load instead of loading it again."""
    import threading

    from inference.image import illustrator as module

    started, loads = threading.Event(), []
    real_load = module.load_illustrator

    def observed_load(*args, **kwargs):
        loads.append(threading.current_thread().name)
        started.set()
        return real_load(*args, **kwargs)

    monkeypatch.setattr(module, "load_illustrator", observed_load)
    loading_while_writing = []

    def listener(event):
        if event.stage == "generate" and not loading_while_writing:
            loading_while_writing.append(started.wait(timeout=60))

    # the text in ONNX (no torch work beside the load), the picture model in torch
    settings = make_settings(tiny_generator_onnx_dir, illustrator=tiny_sd_dir)
    settings.models.generator_backend = settings.models.ranker_backend = "onnx"
    pipeline = Pipeline(settings)
    result = pipeline.run(MakeRequest(PROMPT), Progress(listener))
    assert loading_while_writing == [True]
    assert loads == ["prefetch-illustrator"]  # once, by the prefetch; the draw waited for it
    assert result.picture is not None
    assert pipeline.models.prefetch("illustrator") is None  # loaded: nothing to do
