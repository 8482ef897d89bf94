"""The poster composer alone, and the whole pipeline as the app runs it.

The pipeline task configures the app's own :class:`inference.runs.pipeline.Pipeline` with the
chosen model folders (generator with its chat template, so the visual prompt is written by
the LLM as in the app) and makes two posters in one process: the first pays for loading the
models, the second shows what every later poster costs (models stay loaded). Each model's
load is timed, with the process's memory after it, through the app's own model manager.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.measure import median, peak_rss_mb, rss_mb, stopwatch
from inference.models.model_manager import ModelManager

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


class TimedModels(ModelManager):
    """The app's model manager, noting how long each model took to load and the process's
    memory right after it (in load order)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.loads: list[dict[str, Any]] = []
        self._gate_seen = False
        self._timed: set[str] = set()  # roles whose load is noted (once, by who loads it)
        self._timed_lock = threading.Lock()
        self._t0 = time.perf_counter()

    def _note(self, role: str, started: float, rss_before: float) -> None:
        now = time.perf_counter()
        self.loads.append(
            {
                "role": role,
                "s": round(now - started, 4),
                "start_s": round(started - self._t0, 4),
                "end_s": round(now - self._t0, 4),
                # a load on another thread ran beside the run (the app's prefetch)
                "background": threading.current_thread() is not threading.main_thread(),
                "rss_before_mb": rss_before,
                "rss_mb": rss_mb(),
            }
        )

    def get(self, role: str, progress: Any = None, stage: str = "") -> Any | None:
        if self.is_loaded(role) or self.spec(role) is None:
            return super().get(role, progress, stage)
        with self._timed_lock:
            first = role not in self._timed
            self._timed.add(role)
        if not first:  # another thread is loading it: this call only waits
            return super().get(role, progress, stage)
        started, before = time.perf_counter(), rss_mb()
        model = super().get(role, progress, stage)
        self._note(role, started, before)
        return model

    def gate(self, progress: Any = None) -> Any | None:
        """The first call loads the bundled joke gate when the ranker is not one itself."""
        if self._gate_seen:
            return super().gate(progress)
        self.ranker(progress)  # loaded (and noted) on its own
        started, before = time.perf_counter(), rss_mb()
        gate = super().gate(progress)
        self._gate_seen = True
        if gate is not None and gate is not self.ranker(progress):
            self._note("gate", started, before)
        return gate


def measure_pipeline(task: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import replace

    from inference.core.params import ImageParams
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
    # None: the app's own cap (rows of a real model stop at the joke's end)
    tokens = task.get("new_tokens") or settings.generation.max_new_tokens
    rss_before = rss_mb()
    models = TimedModels(settings)
    pipeline = Pipeline(settings, models)
    posters = []
    loaded: list[dict[str, int]] = []
    for i in range(2):
        request = MakeRequest(
            prompt=JOKE,
            n_candidates=task["candidates"],
            generation=replace(settings.generation, max_new_tokens=tokens, seed=11 + i),
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
        "ending_tokens": tokens,
        "rss_before_models_mb": rss_before,
        "loads": models.loads,
        "first_poster": posters[0],
        "second_poster": posters[1],
        "models_reused": loaded[0] == loaded[1],
        "peak_rss_mb": peak_rss_mb(),
    }
