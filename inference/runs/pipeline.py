"""The orchestration: prompt → candidates → ranking → visual prompt → picture → poster.

The one place that knows the order of the stages; the CLI and the window both call it.
``Pipeline.run`` does it all, ``more_endings`` adds endings, ``another_picture`` redraws,
``compose`` re-composes, and ``planned_stages`` says beforehand which progress rows a job
will go through. Every stage is also a method working on an existing :class:`Result`.
Partial results go to an ``on_partial`` callback (the ranked endings, before the picture),
and when a job is cancelled or fails, the exception carries the partial result
(``exc.partial``) so whatever finished (e.g. the candidates) stays visible.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from inference.core import registry
from inference.core.errors import Cancelled, DemotivatorError, InputError
from inference.core.i18n import tr
from inference.core.params import (
    MAX_PROMPT_CHARS,
    GenerationParams,
    ImageParams,
    PosterStyle,
    full_joke,
)
from inference.core.progress import (
    STAGE_COMPOSE,
    STAGE_DRAW,
    STAGE_GENERATE,
    STAGE_RANK,
    STAGE_VISUAL_PROMPT,
    Progress,
)
from inference.core.registry import BUNDLED
from inference.core.settings import Settings, load_settings
from inference.models.model_manager import ModelManager
from inference.runs.result import RANKING_LIKELIHOOD, RANKING_RANKER, Result
from inference.text.joke_engine import write_screened

PictureSource = str | os.PathLike | bytes | Image.Image
OnPartial = Callable[[Result], None]  # called on the pipeline's thread

# The jobs a window offers: a whole run, «Ещё варианты», «Другая картинка».
RUN, MORE, REDRAW = "run", "more", "redraw"


@dataclass
class MakeRequest:
    prompt: str
    n_candidates: int | None = None  # None: from the settings
    generation: GenerationParams | None = None
    image: ImageParams | None = None
    picture: PictureSource | None = None  # the user's own picture instead of drawing one
    title: str | None = None  # None: derived from the chosen joke
    subtitle: str | None = None
    style: PosterStyle | None = None


def validate_prompt(prompt: str) -> str:
    text = (prompt or "").strip()
    if not text:
        raise InputError(tr("prompt.empty"))
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(tr("prompt.too_long", limit=MAX_PROMPT_CHARS, length=len(text)))
    return text


def default_caption(prompt: str, ending: str) -> tuple[str, str]:
    """Title = the user's beginning (the big line), subtitle = the model's ending."""
    return prompt.strip(), ending.strip()


def random_seed() -> int:
    return secrets.randbelow(2**31 - 1)


class Pipeline:
    def __init__(self, settings: Settings | None = None, models: ModelManager | None = None):
        self.settings = settings if settings is not None else load_settings()[0]
        self.models = models or ModelManager(self.settings)
        # load a Stable Diffusion model while the endings are written (off in the window,
        # which loads every model at idle under its own guard instead)
        self.prefetch_picture_model = True

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        self.models.configure(settings)

    def preflight(self, draw: bool = True) -> None:
        """Cheap checks before a run: every configured model folder exists."""
        roles = ("generator", "ranker", "illustrator") if draw else ("generator", "ranker")
        self.models.check_folders(roles)

    # --- jobs ---------------------------------------------------------------------------
    def planned_stages(
        self, kind: str, own_picture: bool = False, has_picture: bool = True, describe: bool = True
    ) -> tuple[str, ...]:
        """The progress rows a job will go through, in order (no model is loaded to know)."""
        scene = (STAGE_VISUAL_PROMPT,) if self.models.needs_scene() else ()
        if kind == RUN:
            picture = () if own_picture else (*scene, STAGE_DRAW)
            return (STAGE_GENERATE, STAGE_RANK, *picture, STAGE_COMPOSE)
        if kind == MORE:
            return (STAGE_GENERATE, STAGE_RANK) + ((STAGE_COMPOSE,) if has_picture else ())
        return (scene if describe else ()) + (STAGE_DRAW, STAGE_COMPOSE)

    def run(
        self,
        request: MakeRequest,
        progress: Progress | None = None,
        on_partial: OnPartial | None = None,
    ) -> Result:
        """The whole poster; ``on_partial`` gets the result once the endings are ranked."""
        progress = progress or Progress()
        result = self.new_result(request)
        with keep_partial(result):
            if request.picture is None:
                self._prefetch_illustrator(result.image_params)
            self.write_candidates(result, request.n_candidates, progress)
            self.rank(result, progress)
            if on_partial is not None:
                on_partial(result)
            if request.picture is not None:
                self.use_picture(result, request.picture)
            else:
                self.draw(result, progress)  # describes the scene first when it is read
            if request.title is not None:
                result.title = request.title
            if request.subtitle is not None:
                result.subtitle = request.subtitle
            self.compose(result, progress=progress)
        return result

    def more_endings(
        self, result: Result, progress: Progress | None = None, on_partial: OnPartial | None = None
    ) -> Result:
        """«Ещё варианты»: new endings join the earlier ones (no repeats, best first); the
        chosen ending, the captions and the picture stay."""
        progress = progress or Progress()
        earlier, chosen = list(result.candidates), result.chosen_text.strip()
        captions = (result.title, result.subtitle)
        with keep_partial(result):
            self.write_candidates(result, None, progress)
            seen = {c.text.strip() for c in result.candidates}
            result.candidates += [c for c in earlier if c.text.strip() not in seen]
            self.rank(result, progress)  # all together: one order, whatever rank() sorts by
            texts = [c.text.strip() for c in result.candidates]
            if earlier:
                result.chosen_index = texts.index(chosen) if chosen in texts else 0
                result.title, result.subtitle = captions
            if on_partial is not None:
                on_partial(result)
            if result.picture is not None:
                self.compose(result, progress=progress)
        return result

    def another_picture(
        self,
        result: Result,
        progress: Progress | None = None,
        describe: bool = False,
        new_seed: bool = True,
    ) -> Result:
        """«Другая картинка» (a new seed; ``new_seed=False`` repeats the seed). ``describe``:
        the joke changed since its scene was written, so it is written again (only for an
        illustrator that reads one)."""
        progress = progress or Progress()
        with keep_partial(result):
            if describe and self.models.needs_scene():
                self.describe(result, progress)
            self.draw(result, progress, new_seed=new_seed)
            self.compose(result, progress=progress)
        return result

    def new_result(self, request: MakeRequest) -> Result:
        prompt = validate_prompt(request.prompt)
        generation = dataclasses.replace(request.generation or self.settings.generation)
        image = dataclasses.replace(request.image or self.settings.image)
        style = request.style or PosterStyle(width=self.settings.poster_width)
        return Result(prompt=prompt, generation=generation, image_params=image, style=style)

    # --- single stages ------------------------------------------------------------------
    def write_candidates(
        self, result: Result, n: int | None = None, progress: Progress | None = None
    ) -> None:
        """(Re)write the endings; keeps the picture, so «ещё варианты» is text-only."""
        progress = progress or Progress()
        n = n or self.settings.n_candidates
        if result.generation.seed is None or result.candidates:
            result.generation.seed = random_seed()
        with _timed(result, STAGE_GENERATE):
            generator = self.models.generator(progress)
            self._note_model(result, "generator", generator)
            info = self.models.info("generator")
            lite = info is not None and info.lite
            # the generator reports its stage (it knows its batches and stops early)
            screened = write_screened(
                generator, result.prompt, n, result.generation, progress, lite=lite
            )
        result.dropped = screened.dropped  # kept with their reasons, for --json and sidecar
        result.add_warning(screened.warning)
        if not screened.kept:
            progress.check()  # stopped mid-generation: a cancel, not «no usable ending»
            raise DemotivatorError(tr("no_usable", "jokes", dropped=len(screened.dropped)))
        result.candidates, result.chosen_index, result.ranking = screened.kept, 0, ""

    def rank(self, result: Result, progress: Progress | None = None) -> None:
        progress = progress or Progress()
        with _timed(result, STAGE_RANK):
            ranker = self.models.ranker(progress)
            progress.stage(STAGE_RANK, len(result.candidates))
            if ranker is not None:
                self._note_model(result, "ranker", ranker)
                texts = [full_joke(result.prompt, c.text) for c in result.candidates]
                scores = ranker.score(texts)
                result.ranking = RANKING_RANKER
            else:
                scores = [
                    c.logprob if c.logprob is not None else float("-inf") for c in result.candidates
                ]
                result.ranking = RANKING_LIKELIHOOD
                result.add_warning(tr("rank.by_likelihood"))
            for candidate, score in zip(result.candidates, scores, strict=True):
                candidate.score = float(score)
                percent = ranker.percent(score) if ranker is not None else None
                if percent is not None:
                    candidate.meta["score_percent"] = round(percent, 1)
            self._gate(result, ranker, scores)
            # what the gate turned away goes last, whatever its score
            result.candidates.sort(
                key=lambda c: ("filtered_reason" not in c.meta, c.score), reverse=True
            )
            progress.finish()
        self.choose(result, 0, compose=False)

    def _gate(self, result: Result, ranker: object, scores: list[float]) -> None:
        """Mark the candidates that are no joke ending at all (assistant talk, labels,
        echoes, debris) by the gate's score, so they never win on a ranker's score."""
        from inference.text.ranker import REASON_NOT_JOKE

        gate = self.models.gate()
        if gate is None:
            return
        if gate is not ranker:
            scores = gate.score([full_joke(result.prompt, c.text) for c in result.candidates])
        for candidate, value in zip(result.candidates, scores, strict=True):
            candidate.meta["joke_gate"] = round(float(value), 4)
            if value < gate.gate_threshold and "filtered_reason" not in candidate.meta:
                candidate.meta["filtered_reason"] = REASON_NOT_JOKE
        if all("filtered_reason" in c.meta for c in result.candidates):
            result.add_warning(tr("rank.none_is_a_joke", "ranking"))

    def choose(self, result: Result, index: int, compose: bool = True) -> Image.Image | None:
        """Pick another candidate: captions follow it; re-composes when a picture exists."""
        if not 0 <= index < len(result.candidates):
            raise InputError(tr("choose.bad_index", index=index))
        result.chosen_index = index
        result.title, result.subtitle = default_caption(result.prompt, result.chosen_text)
        if compose and result.picture is not None:
            return self.compose(result)
        return None

    def describe(self, result: Result, progress: Progress | None = None) -> str:
        progress = progress or Progress()
        with _timed(result, STAGE_VISUAL_PROMPT):
            generator = self.models.generator(progress)
            result.visual_prompt = generator.describe_scene(
                result.joke, result.generation, progress
            )
        return result.visual_prompt

    def draw(
        self, result: Result, progress: Progress | None = None, new_seed: bool = False
    ) -> Image.Image:
        """(Re)draw the picture; «другая картинка» passes ``new_seed=True``."""
        progress = progress or Progress()
        self._check_memory(result.image_params)  # before anything loads or runs
        if not result.visual_prompt and self.models.needs_scene():
            self.describe(result, progress)
        if result.image_params.seed is None or new_seed:
            result.image_params.seed = random_seed()
        with _timed(result, STAGE_DRAW):
            illustrator = self.models.illustrator(progress)
            self._note_model(result, "illustrator", illustrator)
            # the illustrator reports its stage: only it knows its real number of steps
            picture = illustrator.draw(
                result.visual_prompt, result.image_params, progress, joke=result.joke
            )
        result.picture, result.picture_source = picture.convert("RGB"), "model"
        return result.picture

    def _prefetch_illustrator(self, params: ImageParams) -> None:
        """A Stable Diffusion model (seconds to load: imports, sessions) starts loading
        while the endings are written (issue 18, first poster); the draw then waits for
        it. Checked against the memory first, like the draw itself."""
        spec = self.models.spec("illustrator")
        if not self.prefetch_picture_model or spec is None or spec.bundled:
            return  # (the lite illustrator loads in milliseconds)
        # loading a torch model patches torch globally for a while: never beside torch work
        text_roles = [self.models.spec(role) for role in ("generator", "ranker")]
        if any(s is not None and s.traits.needs_torch for s in text_roles):
            return
        self._check_memory(params)
        self.models.prefetch("illustrator")

    def _check_memory(self, params: ImageParams) -> None:
        """A Stable Diffusion draw that would not fit in the available memory is refused
        before anything loads or runs (:mod:`inference.image.memory_guard`)."""
        spec = self.models.spec("illustrator")
        if spec is None or spec.bundled:
            return
        entry = registry.find("illustrator", spec.backend)
        if entry is None or entry.family != "diffusers":  # the estimate reads SD configs
            return
        from inference.image.memory_guard import check_sd_draw

        # weights a prefetch is reading are in memory already (and counted when it began)
        loaded = self.models.is_loaded("illustrator") or self.models.is_loading("illustrator")
        check_sd_draw(spec.path, spec.backend, params.width, params.height, params.guidance, loaded)

    def use_picture(self, result: Result, source: PictureSource) -> Image.Image:
        """The user's own picture (a path, encoded bytes or a PIL image) instead of drawing."""
        from inference.image.pictures import load_picture

        if isinstance(source, Image.Image):
            picture, label = source.convert("RGB"), "clipboard"
        else:
            picture = load_picture(source)
            label = "bytes" if isinstance(source, bytes) else str(Path(source))
        result.picture, result.picture_source = picture, label
        return picture

    def compose(
        self,
        result: Result,
        title: str | None = None,
        subtitle: str | None = None,
        progress: Progress | None = None,
    ) -> Image.Image:
        """Pure re-composition (no model runs): fast enough for every keystroke."""
        from inference.core.user_text import caption_warnings
        from inference.poster.poster import compose_poster

        if title is not None:
            result.title = title
        if subtitle is not None:
            result.subtitle = subtitle
        if result.picture is None:
            raise InputError(tr("compose.no_picture"))
        if progress is not None:
            progress.stage(STAGE_COMPOSE, 1)
        with _timed(result, STAGE_COMPOSE):
            result.poster = compose_poster(
                result.picture, result.title, result.subtitle, result.style
            )
        # Letters the font cannot draw (RTL, CJK) are left out: say so, in CLI and window.
        result.set_caption_warnings(
            caption_warnings(result.title, result.subtitle, result.style.font)
        )
        if progress is not None:
            progress.finish()
        return result.poster

    def _note_model(self, result: Result, role: str, model: object) -> None:
        info = self.models.info(role)
        if info is not None:
            result.models = [m for m in result.models if m.role != role] + [info]
            spec = self.models.spec(role)
            speaks_itself = spec is not None and spec.traits.source == BUNDLED  # emoji notice
            if info.lite and not speaks_itself:
                result.add_warning(tr("model.lite_in_use", role=tr(f"role.{role}")))
        for warning in getattr(model, "warnings", []) or []:
            result.add_warning(warning)


@contextmanager
def _timed(result: Result, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[stage] = time.perf_counter() - start


@contextmanager
def keep_partial(result: Result) -> Iterator[None]:
    """A cancelled or failed job's exception carries what finished (``exc.partial``)."""
    try:
        yield
    except (Cancelled, DemotivatorError) as exc:
        exc.partial = result  # type: ignore[attr-defined]
        raise
