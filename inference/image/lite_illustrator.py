"""The lite illustrator: a picture about the joke with no neural weights.

The joke's words (Russian lemmas via pymorphy3, or English words) pick 1–3 emoji
(:mod:`inference.image.lite_match`); they stand on a simple photographic set chosen from the words
or the seed (:mod:`inference.image.lite_scene`) with soft floor shadows, the main subject big in
front. Sprites are Noto Color Emoji glyphs pre-rendered by
``training/lite_illustrator_build.py`` into ``resources/lite_illustrator/``. The same seed
always gives the same pixels; a 512² picture takes a few tens of milliseconds.
"""

from __future__ import annotations

import io
import random
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from inference.core.errors import Cancelled, InputError, ModelError
from inference.core.i18n import tr
from inference.core.params import ImageParams
from inference.core.progress import STAGE_DRAW, Progress
from inference.image.lite_match import (
    INDEX_FILE,
    SPRITES_FILE,
    Pick,
    choose_emoji,
    load_index,
    sprite_name,
)
from inference.image.lite_scene import Stage, choose_scene, draw_scene, finish
from inference.text import lemmas
from resources import resource_path

DOMAIN = "lite"
MIN_SIDE, MAX_SIDE = 64, 4096


@dataclass(frozen=True)
class Plan:
    """What a picture will show: decided before any pixel is drawn (and testable alone)."""

    scene: str
    picks: tuple[Pick, ...]


@dataclass(frozen=True)
class Placement:
    emoji: str
    center_x: float  # px
    bottom: float  # px: where it stands
    height: float  # px
    angle: float  # degrees, counter-clockwise


class LiteIllustrator:
    name = "lite"
    backend = "lite"
    needs_scene = False  # reads the Russian joke; an English scene only adds weak hints

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            self.index = load_index(folder)
            self._zip = zipfile.ZipFile(folder / SPRITES_FILE)
        except FileNotFoundError as exc:
            raise ModelError(tr("illustrator.missing", DOMAIN, path=folder)) from exc
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ModelError(tr("illustrator.broken", DOMAIN, path=folder, err=exc)) from exc
        try:
            lemmas.analyzer()  # load the dictionaries now, not in the middle of a run
        except ImportError as exc:
            raise ModelError(tr("illustrator.no_morph", DOMAIN)) from exc
        self._lock = threading.Lock()
        self._sprites: dict[str, Image.Image] = {}
        self.warnings: list[str] = [tr("illustrator.notice", DOMAIN)]
        self.last_plan: Plan | None = None  # what the last picture shows (for reports)

    # --- the Illustrator protocol ------------------------------------------------------
    def draw(
        self, visual_prompt: str, params: ImageParams, progress: Progress, joke: str = ""
    ) -> Image.Image:
        """A picture for the joke and/or any other text (the protocol's entry point)."""
        return self.draw_for_joke(joke, visual_prompt, params, progress)

    def draw_for_joke(
        self, joke_ru: str, visual_prompt: str, params: ImageParams, progress: Progress
    ) -> Image.Image:
        """A picture for the Russian joke; the (English) visual prompt adds weaker hints."""
        width, height = _checked_size(params)
        rng = random.Random(params.seed if params.seed is not None else 0)
        plan = self.plan(joke_ru, visual_prompt, rng)
        progress.stage(STAGE_DRAW, len(plan.picks) + 2)
        _check(progress)
        stage = draw_scene(plan.scene, (width, height), rng)
        canvas = stage.image.convert("RGBA")
        progress.advance()
        for placement in _layout(plan.picks, stage, (width, height), rng):
            _check(progress)
            self._place(canvas, placement, stage)
            progress.advance()
        _check(progress)
        picture = finish(canvas.convert("RGB"), rng)
        progress.finish()  # the stage is this method's to open and close
        self.last_plan = plan
        return picture

    # --- steps ---------------------------------------------------------------------------
    def plan(self, joke_ru: str, visual_prompt: str, rng: random.Random) -> Plan:
        main_text, extra = (joke_ru, visual_prompt) if joke_ru.strip() else (visual_prompt, "")
        lemma_set = {w.lemma for w in lemmas.words(f"{main_text} {extra}")}
        scene = choose_scene(lemma_set, self.index.scenes, rng)
        skip = self.index.depicted.get(scene, frozenset())
        picks = choose_emoji(main_text, self.index, rng, extra_text=extra, skip=skip)
        return Plan(scene, tuple(picks))

    def sprite(self, emoji: str) -> Image.Image:
        """The emoji's RGBA sprite (cropped to its pixels), decoded once."""
        with self._lock:
            cached = self._sprites.get(emoji)
            if cached is None:
                try:
                    data = self._zip.read(sprite_name(emoji))
                    cached = Image.open(io.BytesIO(data)).convert("RGBA")
                except (KeyError, OSError) as exc:
                    raise ModelError(
                        tr("illustrator.broken", DOMAIN, path=self.folder, err=exc)
                    ) from exc
                self._sprites[emoji] = cached
            return cached

    def _place(self, canvas: Image.Image, placement: Placement, stage: Stage) -> None:
        sprite = self.sprite(placement.emoji)
        scale = placement.height / sprite.height
        size = (max(1, round(sprite.width * scale)), max(1, round(placement.height)))
        art = sprite.resize(size, Image.Resampling.LANCZOS)
        if scale > 1.3:  # upscaled bitmaps go soft: crisp the edges and details a little
            art = art.filter(ImageFilter.UnsharpMask(radius=max(1, scale * 0.6), percent=60))
        if placement.angle:
            art = art.rotate(placement.angle, Image.Resampling.BICUBIC, expand=True)
        x = round(placement.center_x - art.width / 2)
        y = round(placement.bottom - art.height)
        _floor_shadow(canvas, art, x, placement.bottom, stage)
        canvas.alpha_composite(art, (x, y))


def _floor_shadow(
    canvas: Image.Image, art: Image.Image, x: int, bottom: float, stage: Stage
) -> None:
    """A contact shadow under the object and its silhouette cast back across the floor."""
    w, h = art.size
    pad = max(4, w // 3)
    layer = Image.new("L", (w + 2 * pad, h // 3 + 2 * pad), 0)
    # The silhouette squashed onto the floor and sheared away from the light.
    cast = art.getchannel("A").resize((w, max(1, h // 4)))
    shear = -0.6 * stage.light_x
    cast = cast.transform(
        cast.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * cast.height, 0, 1, 0),
        Image.Resampling.BILINEAR,
    )
    layer.paste(cast.point(lambda a: a * 0.45), (pad, layer.height - pad - cast.height - h // 40))
    contact = Image.new("L", (w, max(2, w // 7)), 0)
    ImageDraw.Draw(contact).ellipse((w * 0.12, 0, w * 0.88, contact.height - 1), fill=170)
    layer.paste(contact, (pad, layer.height - pad - contact.height // 2 - 1), contact)
    layer = layer.filter(ImageFilter.GaussianBlur(max(1.5, w / 40)))
    shadow = Image.new("RGBA", layer.size, (*stage.shadow, 255))
    shadow.putalpha(layer)
    canvas.alpha_composite(
        shadow,
        (x - pad, round(bottom) - layer.height + pad),
    )


def _layout(
    picks: tuple[Pick, ...], stage: Stage, size: tuple[int, int], rng: random.Random
) -> list[Placement]:
    """Main subject big near the centre, the others smaller and further back to the
    sides; returned back to front, so the main one is drawn last (on top)."""
    width, height = size
    unit = min(height, 1.15 * width)
    count = len(picks)
    main_h = unit * (rng.uniform(0.46, 0.58) if count == 1 else rng.uniform(0.4, 0.5))
    flip = rng.random() < 0.5  # which side the main subject and the others take
    if count == 1:
        xs = [0.5 + rng.uniform(-0.1, 0.1)]
    elif count == 2:
        main_x, side_x = rng.uniform(0.36, 0.44), rng.uniform(0.74, 0.8)
        xs = [1 - main_x, 1 - side_x] if flip else [main_x, side_x]
    else:
        main_x = 0.5 + rng.uniform(-0.05, 0.05)
        xs = [main_x, 0.8, 0.2] if flip else [main_x, 0.2, 0.8]
    placements = []
    for i, pick in enumerate(picks):
        is_main = i == 0
        h = main_h if is_main else main_h * rng.uniform(0.5, 0.62)
        floor = stage.ground_main if is_main else stage.ground_side + rng.uniform(-0.01, 0.02)
        half = h * 0.55
        cx = min(max(xs[i] * width, half + 0.03 * width), width - half - 0.03 * width)
        angle = 0.0 if is_main else rng.uniform(-7, 7)
        placements.append(Placement(pick.emoji, cx, floor * height, h, angle))
    return placements[1:] + placements[:1]


def _checked_size(params: ImageParams) -> tuple[int, int]:
    width, height = int(params.width), int(params.height)
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InputError(
            tr("illustrator.bad_size", DOMAIN, width=width, height=height, lo=MIN_SIDE, hi=MAX_SIDE)
        )
    return width, height


def _check(progress: Progress) -> None:
    if progress.cancelled:
        raise Cancelled()


def default_folder() -> Path:
    return resource_path("lite_illustrator")


def load_lite_illustrator(
    path: str | Path | None = None, backend: str = "lite", threads: int = 0
) -> LiteIllustrator:
    """The lite illustrator from ``path`` (a folder with ``emoji_index.json``), by default the
    bundled one. ``backend`` and ``threads`` are accepted for the loaders' common signature:
    there is only one backend (Pillow + numpy) and one thread is plenty."""
    del backend, threads
    folder = Path(path).expanduser() if path else default_folder()
    if not (folder / INDEX_FILE).is_file():
        raise ModelError(tr("illustrator.missing", DOMAIN, path=folder))
    return LiteIllustrator(folder)
