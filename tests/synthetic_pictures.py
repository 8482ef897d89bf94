"""Deterministic pictures drawn with Pillow for the poster and picture tests: smooth
gradients and plain shapes (they compress well and compare stably, unlike noise)."""

from __future__ import annotations

from PIL import Image, ImageDraw


def _vertical_gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    width, height = size
    mask = Image.linear_gradient("L").resize((width, height))
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def landscape(size: tuple[int, int] = (640, 400)) -> Image.Image:
    """Sky, sun, two hills and a little house."""
    width, height = size
    image = _vertical_gradient(size, (40, 90, 170), (250, 200, 150))
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (width * 0.68, height * 0.12, width * 0.84, height * 0.12 + width * 0.16),
        fill=(255, 230, 90),
    )
    draw.polygon(
        [(0, height), (0, height * 0.62), (width * 0.45, height * 0.5), (width * 0.8, height)],
        fill=(60, 120, 60),
    )
    draw.polygon(
        [
            (width * 0.3, height),
            (width * 0.75, height * 0.58),
            (width, height * 0.66),
            (width, height),
        ],
        fill=(40, 95, 45),
    )
    x, y, s = width * 0.18, height * 0.55, width * 0.1
    draw.rectangle((x, y, x + s, y + s * 0.8), fill=(150, 70, 50))
    draw.polygon(
        [(x - s * 0.15, y), (x + s / 2, y - s * 0.55), (x + s * 1.15, y)], fill=(90, 40, 30)
    )
    draw.rectangle((x + s * 0.4, y + s * 0.35, x + s * 0.6, y + s * 0.8), fill=(40, 30, 20))
    return image


def portrait(size: tuple[int, int] = (360, 560)) -> Image.Image:
    """A stylised figure on a warm-to-dark background."""
    width, height = size
    image = _vertical_gradient(size, (200, 170, 120), (50, 40, 60))
    draw = ImageDraw.Draw(image)
    cx = width / 2
    draw.ellipse(
        (cx - width * 0.16, height * 0.18, cx + width * 0.16, height * 0.18 + width * 0.32),
        fill=(235, 200, 170),
    )
    draw.polygon(
        [
            (cx - width * 0.3, height),
            (cx - width * 0.2, height * 0.45),
            (cx + width * 0.2, height * 0.45),
            (cx + width * 0.3, height),
        ],
        fill=(70, 80, 150),
    )
    draw.rectangle(
        (cx - width * 0.1, height * 0.26, cx - width * 0.04, height * 0.28), fill=(30, 30, 30)
    )
    draw.rectangle(
        (cx + width * 0.04, height * 0.26, cx + width * 0.1, height * 0.28), fill=(30, 30, 30)
    )
    return image


def arrow(size: tuple[int, int] = (300, 200)) -> Image.Image:
    """An asymmetric picture (an arrow pointing right, a dot top-left) to check rotations."""
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width * 0.1, height * 0.4, width * 0.7, height * 0.6), fill=(200, 0, 0))
    draw.polygon(
        [(width * 0.7, height * 0.2), (width * 0.95, height * 0.5), (width * 0.7, height * 0.8)],
        fill=(200, 0, 0),
    )
    draw.ellipse(
        (width * 0.03, height * 0.03, width * 0.13, height * 0.03 + width * 0.1), fill=(0, 0, 200)
    )
    return image
