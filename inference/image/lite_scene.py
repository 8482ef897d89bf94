"""Backgrounds of the lite illustrator: a few simple "photo" sets drawn with numpy + Pillow.

Each scene is a backdrop and a floor the emoji stand on (a studio sweep, a meadow, a night
street, a bar counter, a room, a beach, the Moon), chosen from the joke's words when it names
a place ("бар", "море", "ночь"…) and by the seed otherwise. Everything random comes from the
``random.Random`` passed in, so a seed always gives the same picture.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]

DEFAULT_SCENES = ("studio", "studio", "studio", "outdoor", "room", "night")

STUDIO_COLOURS: tuple[RGB, ...] = (
    (86, 130, 140),  # teal
    (196, 140, 130),  # dusty pink
    (205, 170, 90),  # mustard
    (140, 130, 180),  # lavender
    (90, 110, 150),  # slate blue
    (130, 150, 100),  # olive
    (200, 120, 80),  # terracotta
    (110, 150, 190),  # sky blue
)
WALL_COLOURS: tuple[RGB, ...] = (
    (214, 200, 170),
    (170, 195, 190),
    (200, 180, 200),
    (225, 215, 190),
    (180, 190, 210),
)


@dataclass
class Stage:
    """A drawn background and where things stand on it (fractions of the height)."""

    image: Image.Image
    ground_main: float  # y of the main subject's feet
    ground_side: float  # y of the side objects' feet (a bit further back)
    light_x: float  # where the light comes from, −1 (left) … 1 (right)
    shadow: RGB  # colour of contact shadows on this floor


def choose_scene(
    lemma_set: set[str], scene_words: dict[str, frozenset[str]], rng: random.Random
) -> str:
    """The scene the joke's words name (the earliest-listed wins a tie), else one by seed.
    ``scene_words`` (scene → lemmas) comes from the curated aliases via the index."""
    best, best_hits = "", 0
    for name, words in scene_words.items():
        if name not in _SCENES:
            continue
        hits = len(words & lemma_set)
        if hits > best_hits:
            best, best_hits = name, hits
    return best or rng.choice(DEFAULT_SCENES)


def draw_scene(name: str, size: tuple[int, int], rng: random.Random) -> Stage:
    return _SCENES[name](size, rng)


def finish(image: Image.Image, rng: random.Random, strength: float = 1.0) -> Image.Image:
    """A camera's look: vignette and a little film grain."""
    w, h = image.size
    arr = np.asarray(image, dtype=np.float32)
    yy, xx = _grid(w, h)
    r2 = ((xx - 0.5) / 0.75) ** 2 + ((yy - 0.5) / 0.75) ** 2  # (h, w) by broadcasting
    arr *= (1.0 - 0.38 * strength * np.clip(r2, 0, 1.6))[..., None]
    noise = np.random.default_rng(rng.getrandbits(32)).standard_normal((h, w, 1), np.float32)
    arr += 3.2 * noise
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


# --- helpers ------------------------------------------------------------------------------
def _grid(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised coordinates in 0…1 as a (h, 1) column and a (1, w) row: what depends on
    y alone stays one column wide, so vertical gradients cost a column, not an image."""
    ys = (np.arange(h, dtype=np.float32) + 0.5) / h
    xs = (np.arange(w, dtype=np.float32) + 0.5) / w
    return ys[:, None], xs[None, :]


def _mix(a: RGB, b: RGB, t: np.ndarray) -> np.ndarray:
    """Per-pixel blend of two colours by ``t`` (0 → a, 1 → b)."""
    a_arr, b_arr = np.array(a, np.float32), np.array(b, np.float32)
    return a_arr + (b_arr - a_arr) * t[..., None]


def _smooth(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _shade(colour: RGB, k: float) -> RGB:
    return tuple(int(max(0, min(255, c * k))) for c in colour)  # type: ignore[return-value]


def _image(arr: np.ndarray, size: tuple[int, int]) -> Image.Image:
    w, h = size
    full = np.broadcast_to(np.clip(arr, 0, 255).astype(np.uint8), (h, w, 3))
    return Image.fromarray(np.ascontiguousarray(full), "RGB")


Blob = tuple[float, float, float, RGB, int]  # x, y, radius (px), colour, alpha


def _glow_layer(
    size: tuple[int, int], blobs: list[Blob], blur: float, sharp: list[Blob] | None = None
) -> Image.Image:
    """Soft coloured discs blurred into an RGBA layer, then ``sharp`` discs on top (a sun
    in its glow). Drawn at a quarter of the size: the blur hides the upscaling, for 1/16
    of the cost."""
    k = 4
    layer = Image.new("RGBA", (max(1, size[0] // k), max(1, size[1] // k)), (0, 0, 0, 0))
    _discs(ImageDraw.Draw(layer), blobs, k)
    layer = layer.filter(ImageFilter.GaussianBlur(max(0.6, blur / k)))
    if sharp:
        top = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        _discs(ImageDraw.Draw(top), sharp, k)
        layer.alpha_composite(top.filter(ImageFilter.GaussianBlur(0.5)))
    return layer.resize(size, Image.Resampling.BILINEAR)


def _discs(draw: ImageDraw.ImageDraw, blobs: list[Blob], k: float) -> None:
    for x, y, r, colour, alpha in blobs:
        x, y, r = x / k, y / k, r / k
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, alpha))


def _stars(img: Image.Image, rng: random.Random, count: int, max_y: float) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    unit = max(1.0, min(w, h) / 512)
    for _ in range(count):
        x, y = rng.random() * w, rng.random() * h * max_y
        r = unit * rng.choice((0.5, 0.6, 0.8, 1.0, 1.4))
        v = rng.randint(150, 255)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(v, v, min(255, v + 20)))


def _hills(w: int, h: int, rng: random.Random, base: float, amp: float) -> np.ndarray:
    """Heights (fractions of h) of a soft hill line across the width."""
    xs = np.linspace(0, 1, w, dtype=np.float32)
    line = np.full(w, base, np.float32)
    for octave in (1.0, 2.3, 5.1):
        phase = rng.random() * math.tau
        line -= amp / octave * (0.5 + 0.5 * np.sin(xs * math.tau * octave * 0.8 + phase))
    return line


# --- scenes -------------------------------------------------------------------------------
def _over(arr: np.ndarray, top: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``top`` over ``arr`` where ``mask`` (0…1, without the colour axis) says so."""
    m = mask[..., None]
    return arr * (1 - m) + top * m


def _studio(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    colour = rng.choice(STUDIO_COLOURS)
    yy, xx = _grid(w, h)
    horizon = rng.uniform(0.6, 0.68)
    light_x = rng.uniform(-0.6, 0.6)
    # A paper sweep: brighter where the key light hits, the floor curving up into the wall.
    spot = np.exp(-(((xx - 0.5 - 0.15 * light_x) / 0.55) ** 2) - ((yy - 0.42) / 0.6) ** 2)
    floor = _smooth(horizon - 0.06, horizon + 0.1, yy)
    k = 0.62 + 0.5 * spot - 0.12 * floor + 0.1 * floor * yy
    arr = np.array(colour, np.float32) * k[..., None]
    ground = rng.uniform(0.86, 0.9)
    return Stage(_image(arr, size), ground, horizon + 0.12, light_x, _shade(colour, 0.35))


def _sky(size: tuple[int, int], rng: random.Random, horizon: float) -> Image.Image:
    """Blue sky fading to haze at the horizon, a sun and a few flat-bottomed clouds."""
    w, h = size
    yy, _ = _grid(w, h)
    img = _image(_mix((62, 118, 190), (200, 222, 238), _smooth(0.0, horizon, yy) ** 1.3), size)
    rgba = img.convert("RGBA")
    sun = (rng.choice((0.15, 0.85)) * w, 0.14 * h)
    glow = [(*sun, 0.22 * h, (255, 236, 190), 110)]
    core = [(*sun, 0.05 * h, (255, 253, 240), 255)]
    rgba.alpha_composite(_glow_layer(size, glow, 0.1 * h, core))
    rgba.alpha_composite(_clouds(size, rng, horizon, rng.randint(2, 4)))
    return rgba.convert("RGB")


def _clouds(size: tuple[int, int], rng: random.Random, horizon: float, count: int) -> Image.Image:
    """Cumulus clouds: puffs on a flat base, the top lit and the base a little grey."""
    w, h = size
    k = 2  # drawn at half size and blurred a little: soft edges for little cost
    layer = Image.new("RGBA", (max(1, w // k), max(1, h // k)), (0, 0, 0, 0))
    for _ in range(count):
        cloud = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(cloud)
        base = rng.uniform(0.14, horizon * 0.6) * h / k
        width = rng.uniform(0.16, 0.3) * w / k
        left = rng.uniform(0.0, 1.0) * w / k - width / 2
        puffs = rng.randint(3, 5)
        radii = [rng.uniform(0.9, 1.1) for _ in range(puffs)]
        for shade, lift in (((222, 226, 234), 0.0), ((255, 255, 255), 0.12)):
            for i in range(puffs):
                t = (i + 0.5) / puffs
                r = width / puffs * (0.7 + 0.9 * math.sin(math.pi * t)) * radii[i]
                cx, cy = left + t * width, base - r * (0.55 + lift)
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*shade, 240))
        draw.rectangle((0, base, w, h), fill=(0, 0, 0, 0))  # clouds have flat bottoms
        layer.alpha_composite(cloud)
    layer = layer.filter(ImageFilter.GaussianBlur(max(0.7, 0.0025 * h)))
    return layer.resize(size, Image.Resampling.BILINEAR)


def _outdoor(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, _ = _grid(w, h)
    horizon = rng.uniform(0.58, 0.66)
    arr = np.asarray(_sky(size, rng, horizon), np.float32)
    for base, amp, colour in (
        (horizon + 0.02, 0.12, (128, 156, 176)),
        (horizon + 0.03, 0.06, (96, 140, 98)),
    ):
        line = _hills(w, h, rng, base, amp)
        arr = _over(arr, np.array(colour, np.float32), _smooth(-0.003, 0.003, yy - line[None, :]))
    grass = _mix((106, 152, 72), (60, 110, 44), _smooth(horizon, 1.0, yy))
    arr = _over(arr, grass, _smooth(horizon + 0.02, horizon + 0.03, yy))
    light = 1.0 if rng.random() < 0.5 else -1.0
    return Stage(_image(arr, size), rng.uniform(0.88, 0.91), horizon + 0.15, light, (30, 60, 25))


def _night(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, xx = _grid(w, h)
    horizon = rng.uniform(0.62, 0.68)
    arr = _mix((8, 12, 34), (52, 48, 96), _smooth(0.0, horizon, yy) ** 1.5)
    ground = _mix((30, 30, 44), (14, 14, 22), _smooth(horizon, 1.0, yy))
    arr = _over(arr, ground, _smooth(horizon - 0.003, horizon + 0.003, yy))
    # A pool of warm street-lamp light on the ground where the subject stands.
    pool = np.exp(-(((xx - 0.5) / 0.32) ** 2) - ((yy - 0.86) / 0.1) ** 2)
    arr = arr + pool[..., None] * np.array((70, 55, 30), np.float32)
    img = _image(arr, size)
    _stars(img, rng, int(w * h / 2500), horizon * 0.95)
    moon_x = rng.choice((0.2, 0.8)) * w
    rgba = img.convert("RGBA")
    glow = [(moon_x, 0.17 * h, 0.14 * h, (180, 190, 255), 70)]
    core = [(moon_x, 0.17 * h, 0.065 * h, (250, 246, 225), 255)]
    rgba.alpha_composite(_glow_layer(size, glow, 0.06 * h, core))
    return Stage(rgba.convert("RGB"), rng.uniform(0.87, 0.9), horizon + 0.12, 0.0, (5, 5, 10))


def _bar(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, xx = _grid(w, h)
    counter = rng.uniform(0.68, 0.72)
    img = _image(_mix((72, 42, 28), (34, 20, 14), _smooth(0.0, counter, yy)), size).convert("RGBA")
    warm = ((255, 196, 110), (255, 150, 70), (255, 220, 160), (240, 120, 80))
    bokeh = [
        (
            rng.random() * w,
            rng.uniform(0.05, 0.55) * h,
            rng.uniform(0.015, 0.05) * h,
            rng.choice(warm),
            rng.randint(60, 150),
        )
        for _ in range(rng.randint(18, 28))
    ]
    img.alpha_composite(_glow_layer(size, bokeh, 0.012 * h))
    arr = np.asarray(img.convert("RGB"), np.float32)
    # The counter: a lit top surface and a darker front, both with wood grain.
    grain = (0.9 + 0.1 * np.sin(yy * h * 0.9 + 6 * np.sin(xx * 7 + rng.random() * 6)))[..., None]
    top = _mix((150, 92, 52), (120, 70, 38), _smooth(counter, counter + 0.1, yy)) * grain
    front = _mix((70, 40, 22), (40, 22, 12), _smooth(counter + 0.1, 1.0, yy)) * grain
    arr = _over(arr, top, _smooth(counter - 0.002, counter + 0.002, yy))
    arr = _over(arr, front, _smooth(counter + 0.1, counter + 0.104, yy))
    edge = np.exp(-(((yy - counter - 0.003) / 0.004) ** 2))[..., None]
    arr = arr + edge * np.array((90, 70, 40), np.float32)
    light = rng.uniform(-0.5, 0.5)
    return Stage(_image(arr, size), counter + 0.075, counter + 0.045, light, (30, 15, 5))


def _room(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, xx = _grid(w, h)
    base = rng.uniform(0.62, 0.68)
    colour = rng.choice(WALL_COLOURS)
    stripes = 1.0 + 0.025 * np.sin(xx * 40 * w / h)
    light = 0.82 + 0.25 * np.exp(-(((xx - 0.5) / 0.6) ** 2) - ((yy - 0.35) / 0.5) ** 2)
    img = _image(np.array(colour, np.float32) * (stripes * light)[..., None], size)
    win_left = rng.random() < 0.5
    x0, y0 = int((0.08 if win_left else 0.66) * w), int(0.1 * h)
    box = (x0, y0, x0 + int(0.26 * w), int(0.46 * h))
    win = (box[2] - box[0], box[3] - box[1])
    img.paste(_image(_mix((120, 170, 225), (210, 228, 245), _grid(*win)[0]), win), box[:2])
    draw = ImageDraw.Draw(img)
    frame, white = max(2, int(0.012 * h)), (245, 245, 240)
    draw.rectangle(box, outline=white, width=frame)
    mid_x, mid_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    draw.line((mid_x, box[1], mid_x, box[3]), fill=white, width=frame)
    draw.line((box[0], mid_y, box[2], mid_y), fill=white, width=frame)
    arr = np.asarray(img, np.float32)
    depth = np.clip((yy - base) / (1 - base), 0, 1)
    wood = _mix((176, 122, 78), (132, 86, 50), depth)
    arr = _over(arr, wood, _smooth(base - 0.001, base + 0.001, yy))
    skirting = ((yy > base - 0.025) & (yy < base)).astype(np.float32)
    arr = _over(arr, np.array((238, 236, 228), np.float32), skirting)
    img = _image(arr, size)
    _floor_boards(img, base, rng)
    light_x = -1.0 if win_left else 1.0
    return Stage(img, rng.uniform(0.87, 0.9), base + 0.12, light_x, (50, 30, 15))


def _floor_boards(img: Image.Image, base: float, rng: random.Random) -> None:
    """Plank seams running towards the wall (converging) and board ends across them."""
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    top, seam = base * h, max(1, round(h / 400))
    boards = 9
    for i in range(-boards, 2 * boards + 1):
        x_far = (i / boards) * w
        x_near = w / 2 + (x_far - w / 2) * 2.4  # wider apart near the camera
        draw.line((x_far, top, x_near, h), fill=(70, 40, 20, 90), width=seam)
    for _ in range(boards * 2):  # staggered board ends
        t = rng.random()
        y = top + (h - top) * t**1.4
        x = rng.random() * w
        half = w / boards * (0.5 + 1.4 * t) / 2
        draw.line((x - half, y, x + half, y), fill=(70, 40, 20, 60), width=seam)


def _sea(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, xx = _grid(w, h)
    horizon = rng.uniform(0.44, 0.5)
    shore = horizon + rng.uniform(0.2, 0.25)
    arr = np.asarray(_sky(size, rng, horizon), np.float32)
    water = _mix((40, 110, 160), (70, 160, 190), _smooth(horizon, shore, yy))
    ripples = 1.0 + 0.06 * np.sin(yy * h * 1.3 * (1 + 4 * (yy - horizon)) + 3 * np.sin(xx * 9))
    arr = _over(arr, water * ripples[..., None], _smooth(horizon - 0.001, horizon + 0.001, yy))
    sand = _mix((226, 204, 150), (206, 178, 120), _smooth(shore, 1.0, yy))
    wave = shore + 0.008 * np.sin(xx * 11 + rng.random() * 6)
    arr = _over(arr, sand, _smooth(-0.005, 0.005, yy - wave))
    foam = 0.6 * np.exp(-(((yy - wave) / 0.006) ** 2))
    arr = _over(arr, np.array((255, 255, 255), np.float32), foam)
    light = rng.uniform(-0.8, 0.8)
    return Stage(_image(arr, size), rng.uniform(0.9, 0.92), shore + 0.09, light, (120, 95, 60))


def _space(size: tuple[int, int], rng: random.Random) -> Stage:
    w, h = size
    yy, xx = _grid(w, h)
    horizon = rng.uniform(0.66, 0.72)
    img = _image(_mix((4, 4, 14), (30, 12, 48), yy), size)
    _stars(img, rng, int(w * h / 900), horizon)
    px, py, pr = rng.choice((0.22, 0.78)) * w, 0.24 * h, 0.14 * h
    rgba = img.convert("RGBA")
    rgba.alpha_composite(_glow_layer(size, [(px, py, pr * 1.3, (120, 150, 255), 60)], 0.05 * h))
    arr = np.asarray(rgba.convert("RGB"), np.float32)
    dx, dy = (xx * w - px) / pr, (yy * h - py) / pr
    lit = np.clip(1.2 - np.sqrt((dx + 0.4) ** 2 + (dy + 0.4) ** 2), 0.15, 1)
    planet = _mix((60, 70, 150), (240, 170, 110), lit)
    arr = _over(arr, planet, _smooth(1.0, 0.98, np.sqrt(dx**2 + dy**2)))
    surface = _mix((150, 148, 140), (90, 88, 84), _smooth(horizon, 1.0, yy))
    ridge = horizon + 0.01 * np.sin(xx * 23 + rng.random() * 6)
    arr = _over(arr, surface, _smooth(-0.002, 0.002, yy - ridge))
    img = _image(arr, size)
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(rng.randint(5, 9)):  # craters, flattened by perspective
        cx, cy = rng.random() * w, rng.uniform(horizon + 0.04, 0.98) * h
        r = rng.uniform(0.02, 0.06) * w * (0.5 + (cy / h - horizon))
        draw.ellipse((cx - r, cy - r * 0.3, cx + r, cy + r * 0.3), fill=(60, 58, 56, 110))
    light = 1.0 if px < w / 2 else -1.0
    return Stage(img, rng.uniform(0.88, 0.91), horizon + 0.12, light, (20, 20, 20))


_SCENES = {
    "studio": _studio,
    "outdoor": _outdoor,
    "night": _night,
    "bar": _bar,
    "room": _room,
    "sea": _sea,
    "space": _space,
}
SCENES = tuple(_SCENES)
