"""The poster composer alone, and the whole pipeline as the app runs it.

The pipeline task configures the app's own :class:`inference.runs.pipeline.Pipeline` with the
chosen model folders (generator with its chat template, so the visual prompt is written by
the LLM as in the app) and makes two posters in one process: the first pays for loading the
models, the second shows what every later poster costs (models stay loaded).
"""

from __future__ import annotations

from typing import Any

from bench.measure import median, peak_rss_mb, rss_mb, stopwatch

JOKE = "Приходит мужик в библиотеку и спрашивает книгу о паранойе"
TITLE = "Когда дедлайн завтра"
SUBTITLE = "а ты только открыл ноутбук и пошёл ставить чайник, потому что без чая никак"


def measure_composer(task: dict[str, Any]) -> dict[str, Any]:
    from PIL import Image

    from inference.core.params import PosterStyle
    from inference.poster.poster import compose_poster

    picture = Image.radial_gradient("L").resize((512, 512)).convert("RGB")
    style = PosterStyle(width=task.get("poster_width", 1024))
    with stopwatch() as warm:
        compose_poster(picture, TITLE, SUBTITLE, style)  # font loading, cached afterwards
    runs = []
    for _ in range(task["repeats"]):
        with stopwatch() as t:
            compose_poster(picture, TITLE, SUBTITLE, style)
        runs.append({"total_s": t["s"]})
    return {
        "warmup_s": warm["s"],
        "runs": runs,
        "total_s": median([r["total_s"] for r in runs]),
        "peak_rss_mb": peak_rss_mb(),
    }


def _prompt_tokens(generator: Any) -> int:
    """How long the chat prompt the app really sends is, in this model's tokens."""
    from inference.text.chat import render_generation_prompt

    text = render_generation_prompt(generator.tokenizer, JOKE)
    return len(generator.tokenizer(text, add_special_tokens=False)["input_ids"])


def measure_pipeline(task: dict[str, Any]) -> dict[str, Any]:
    from inference.core.params import GenerationParams, ImageParams
    from inference.core.settings import ModelSettings, Settings
    from inference.runs.pipeline import MakeRequest, Pipeline

    folders, backends = task["folders"], task["backends"]
    settings = Settings(
        models=ModelSettings(
            generator_dir=folders["generator"],
            ranker_dir=folders.get("ranker", ""),
            illustrator_dir=folders["illustrator"],
            generator_backend=backends["generator"],
            ranker_backend=backends.get("ranker", "onnx"),
            illustrator_backend=backends["illustrator"],
        ),
        threads=task["threads"],
        n_candidates=task["candidates"],
    )
    pipeline = Pipeline(settings)
    posters = []
    loaded: list[dict[str, int]] = []
    for i in range(2):
        request = MakeRequest(
            prompt=JOKE,
            n_candidates=task["candidates"],
            generation=GenerationParams(max_new_tokens=task["new_tokens"], seed=11 + i),
            image=ImageParams(
                width=task["size"],
                height=task["size"],
                steps=task["steps"],
                guidance=0.0,
                seed=11 + i,
            ),
        )
        with stopwatch() as t:
            result = pipeline.run(request)
        posters.append(
            {
                "total_s": t["s"],
                "stages_s": {k: round(v, 4) for k, v in result.timings.items()},
                "candidates": len(result.candidates),
                "rss_mb": rss_mb(),
            }
        )
        # the same model objects after both posters = nothing was loaded twice
        loaded.append(
            {role: id(pipeline.models.get(role)) for role in ("generator", "ranker", "illustrator")}
        )
    return {
        "generation_prompt_tokens": _prompt_tokens(pipeline.models.get("generator")),
        "first_poster": posters[0],
        "second_poster": posters[1],
        "models_reused": loaded[0] == loaded[1],
        "peak_rss_mb": peak_rss_mb(),
    }
