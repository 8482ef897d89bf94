"""The window's jobs as the core offers them: partial results through a callback, «Ещё
варианты» adding to the endings, «Другая картинка», and the progress rows planned for each."""

from __future__ import annotations

import pytest

from inference.core.errors import Cancelled
from inference.runs.pipeline import MORE, REDRAW, RUN, MakeRequest, Pipeline
from tests.test_pipeline import PROMPT, Recorder, make_settings


@pytest.fixture
def lite_drawn(tiny_generator_dir) -> Pipeline:
    """A tiny generator, likelihood ranking, the lite illustrator (no scene needed)."""
    return Pipeline(make_settings(tiny_generator_dir))


def test_partial_result_comes_ranked_before_the_picture(lite_drawn):
    seen = []
    result = lite_drawn.run(
        MakeRequest(PROMPT), on_partial=lambda r: seen.append((list(r.candidates), r.picture))
    )
    [(candidates, picture)] = seen
    assert picture is None and candidates and all(c.score is not None for c in candidates)
    assert result.poster is not None


def test_more_endings_adds_to_the_earlier_ones_and_keeps_the_choice(lite_drawn):
    result = lite_drawn.run(MakeRequest(PROMPT))
    lite_drawn.choose(result, len(result.candidates) - 1)
    result.title, result.subtitle = "Свой заголовок", "своя подпись"
    earlier, chosen = [c.text for c in result.candidates], result.chosen_text
    poster, partial = result.poster, []

    lite_drawn.more_endings(result, on_partial=partial.append)
    texts = [c.text for c in result.candidates]
    assert set(earlier) <= set(texts) and len(texts) == len(set(t.strip() for t in texts))
    assert len(texts) > len(earlier)  # 4 more sampled with a new seed: not all repeats
    assert result.chosen_text == chosen
    assert (result.title, result.subtitle) == ("Свой заголовок", "своя подпись")
    assert partial == [result] and result.poster is not poster  # re-composed
    scores = [c.score for c in result.candidates]
    assert all(s is not None for s in scores)


def test_the_lite_illustrator_never_gets_a_scene_description(lite_drawn):
    assert lite_drawn.planned_stages(RUN) == ("generate", "rank", "draw", "compose")
    assert lite_drawn.planned_stages(REDRAW, describe=True) == ("draw", "compose")
    assert lite_drawn.planned_stages(MORE, has_picture=False) == ("generate", "rank")
    result = lite_drawn.run(MakeRequest(PROMPT))
    seed, rec = result.image_params.seed, Recorder()
    lite_drawn.another_picture(result, rec.progress, describe=True)
    assert rec.stages() == ["draw", "compose"] and result.visual_prompt == ""
    assert result.image_params.seed != seed
    seed, picture = result.image_params.seed, result.picture.tobytes()
    lite_drawn.another_picture(result, describe=False, new_seed=False)  # «Повторить»
    assert result.image_params.seed == seed and result.picture.tobytes() == picture
    assert "visual_prompt" not in result.timings


def test_an_sd_illustrator_plans_and_writes_its_scene(tiny_generator_dir, tiny_sd_dir):
    pipeline = Pipeline(make_settings(tiny_generator_dir, illustrator=tiny_sd_dir))
    planned = pipeline.planned_stages(RUN)
    assert planned == ("generate", "rank", "visual_prompt", "draw", "compose")
    assert pipeline.planned_stages(RUN, own_picture=True) == ("generate", "rank", "compose")
    assert pipeline.planned_stages(REDRAW, describe=False) == ("draw", "compose")
    rec = Recorder()
    result = pipeline.run(MakeRequest(PROMPT), rec.progress)
    assert tuple(rec.stages()) == planned and result.visual_prompt


def test_a_cancelled_job_keeps_what_finished(lite_drawn):
    result = lite_drawn.run(MakeRequest(PROMPT))
    earlier = [c.text for c in result.candidates]
    rec = Recorder(cancel_at=("generate", 2))
    with pytest.raises(Cancelled) as info:
        lite_drawn.more_endings(result, rec.progress)
    assert info.value.partial is result and [c.text for c in result.candidates] == earlier


def test_each_stage_is_reported_by_one_side(tiny_generator_dir, tiny_sd_dir):
    """The stage's owner (the backend for generate / visual_prompt / draw, the pipeline for
    rank / compose) opens and closes it: no stage is closed twice, none left open."""
    for illustrator in (None, tiny_sd_dir):
        pipeline = Pipeline(make_settings(tiny_generator_dir, illustrator=illustrator))
        rec = Recorder()
        pipeline.run(MakeRequest(PROMPT), rec.progress)
        open_now, closed = set(), []
        for event in rec.events:
            if event.finished:
                assert event.stage in open_now, (event.stage, closed)  # closed twice
                open_now.discard(event.stage)
                closed.append(event.stage)
            else:
                open_now.add(event.stage)
        assert not open_now and set(closed) == set(pipeline.planned_stages(RUN))
