"""What each button runs on the pipeline thread, built only from the core's stage methods.

A full run goes stage by stage (rather than ``Pipeline.run``) so that the candidates can be
shown while the picture is still being drawn; ``on_partial`` is called (on the worker
thread) as soon as they are ranked. Every job leaves whatever finished in ``exc.partial``
when it is cancelled or fails, like ``Pipeline.run`` does.
"""

from __future__ import annotations

from collections.abc import Callable

from inference.pipeline import MakeRequest, Pipeline
from inference.pipeline import _partial_on_error as keep_partial  # exc.partial, as run()
from inference.progress import (
    STAGE_COMPOSE,
    STAGE_DRAW,
    STAGE_GENERATE,
    STAGE_RANK,
    STAGE_VISUAL_PROMPT,
    Progress,
)
from inference.result import Result

OnPartial = Callable[[Result], None]

RUN, MORE, REDRAW = "run", "more", "redraw"


def planned_stages(
    kind: str, own_picture: bool = False, has_picture: bool = True, describe: bool = True
) -> tuple[str, ...]:
    """The progress rows a job will go through, in order."""
    if kind == RUN:
        picture = () if own_picture else (STAGE_VISUAL_PROMPT, STAGE_DRAW)
        return (STAGE_GENERATE, STAGE_RANK, *picture, STAGE_COMPOSE)
    if kind == MORE:
        return (STAGE_GENERATE, STAGE_RANK) + ((STAGE_COMPOSE,) if has_picture else ())
    return ((STAGE_VISUAL_PROMPT,) if describe else ()) + (STAGE_DRAW, STAGE_COMPOSE)


def full_run(
    pipeline: Pipeline, request: MakeRequest, progress: Progress, on_partial: OnPartial
) -> Result:
    result = pipeline.new_result(request)
    with keep_partial(result):
        pipeline.write_candidates(result, request.n_candidates, progress)
        pipeline.rank(result, progress)
        on_partial(result)
        if request.picture is not None:
            pipeline.use_picture(result, request.picture)
        else:
            pipeline.describe(result, progress)
            pipeline.draw(result, progress)
        pipeline.compose(result, progress=progress)
    return result


def more_candidates(
    pipeline: Pipeline, result: Result, progress: Progress, on_partial: OnPartial
) -> Result:
    """«Ещё варианты»: new endings for the same beginning; the picture stays."""
    with keep_partial(result):
        pipeline.write_candidates(result, None, progress)
        pipeline.rank(result, progress)
        on_partial(result)
        if result.picture is not None:
            pipeline.compose(result, progress=progress)
    return result


def redraw(
    pipeline: Pipeline, result: Result, progress: Progress, describe: bool, new_seed: bool = True
) -> Result:
    """«Другая картинка»: a new seed; the scene is re-described when the joke changed.
    ``new_seed=False``: «повторить с этим зерном» (the same seed, e.g. for an edited scene)."""
    with keep_partial(result):
        if describe:
            pipeline.describe(result, progress)
        pipeline.draw(result, progress, new_seed=new_seed)
        pipeline.compose(result, progress=progress)
    return result
