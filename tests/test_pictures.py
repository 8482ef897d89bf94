"""The user's own picture: formats, orientation, transparency, size limits, bad files."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.core import i18n
from inference.core.errors import ImageError
from inference.image.pictures import MAX_PICTURE_BYTES, load_picture, to_rgb
from tests.synthetic_pictures import arrow, landscape

FORMATS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "bmp": ".bmp", "gif": ".gif"}
LOSSY = {"jpeg": 6.0, "webp": 6.0, "gif": 12.0}  # mean difference allowed (GIF: 256 colours)


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format(tmp_path: Path, fmt: str) -> None:
    original = landscape((320, 200))
    path = tmp_path / f"picture{FORMATS[fmt]}"
    original.save(path, format=fmt.upper())
    loaded = load_picture(path)
    assert loaded.mode == "RGB" and loaded.size == original.size
    assert _mean_diff(loaded, original) <= LOSSY.get(fmt, 0.0)
    # The same file handed over as bytes (drag and drop, clipboard) and as a str path.
    assert load_picture(path.read_bytes()).tobytes() == loaded.tobytes()
    assert load_picture(str(path)).tobytes() == loaded.tobytes()


@pytest.mark.parametrize(
    "orientation,stored",
    [
        (6, Image.Transpose.ROTATE_90),
        (3, Image.Transpose.ROTATE_180),
        (8, Image.Transpose.ROTATE_270),
    ],
)
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int, stored) -> None:
    upright = arrow((300, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: how to turn the stored pixels to show them
    path = tmp_path / "phone.jpg"
    upright.transpose(stored).save(path, exif=exif, quality=95)
    loaded = load_picture(path)
    assert loaded.size == upright.size
    assert _mean_diff(loaded, upright) < 4.0


def test_gif_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in ((220, 20, 20), (20, 20, 220))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(path).n_frames == 2
    pixel = load_picture(path).getpixel((10, 10))
    assert pixel[0] > 200 and pixel[2] < 40  # red: the first frame, not the blue second


def test_transparency_is_flattened_on_white(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    rgba.paste((10, 10, 10, 255), (20, 20, 60, 60))
    path = tmp_path / "logo.png"
    rgba.save(path)
    loaded = load_picture(path)
    assert loaded.mode == "RGB"
    assert loaded.getpixel((5, 5)) == (255, 255, 255)
    assert loaded.getpixel((40, 40)) == (10, 10, 10)
    # A palette GIF with a transparent colour too.
    gif = tmp_path / "logo.gif"
    rgba.save(gif)
    assert Image.open(gif).mode == "P"
    assert load_picture(gif).getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_grey_is_not_clipped(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (16, 1))
    path = tmp_path / "scan16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    loaded = np.asarray(load_picture(path))
    assert loaded[0, 0, 0] < 5 and loaded[0, -1, 0] > 250 and 100 < loaded[0, 128, 0] < 160


def test_huge_pictures_are_scaled_down(tmp_path: Path) -> None:
    big = landscape((3000, 2000))
    png = tmp_path / "big.png"
    big.save(png)
    loaded = load_picture(png, max_side=1024)
    assert loaded.size == (1024, 683)
    # A big JPEG is decoded at a reduced scale first, then scaled to max_side.
    jpg = tmp_path / "big.jpg"
    big.save(jpg, quality=90)
    loaded = load_picture(jpg, max_side=700)
    assert loaded.size == (700, 467)
    assert _mean_diff(loaded, big.resize(loaded.size, Image.Resampling.LANCZOS)) < 6.0
    # Small pictures are never enlarged.
    assert load_picture(png, max_side=4000).size == (3000, 2000)


def _png_claiming(width: int, height: int) -> bytes:
    """A valid small PNG whose header claims ``width`` x ``height`` (a decompression bomb
    as Pillow sees it before decoding)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytearray(data[12:29])  # chunk type + 13 bytes of header data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_claiming(30000, 30000))
    with pytest.raises(ImageError, match="bomb.png") as info:
        load_picture(path)
    assert "слишком большая" in str(info.value)


def test_corrupt_file(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    landscape((400, 300)).save(buffer, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError, match="cut.jpg"):
        load_picture(path)
    broken_png = tmp_path / "broken.png"
    data = bytearray(_png_claiming(8, 8))
    data[40:50] = b"\xff" * 10  # inside the compressed pixel data
    broken_png.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="broken.png"):
        load_picture(broken_png)


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("это не картинка", encoding="utf-8")
    with pytest.raises(ImageError, match="notes.txt") as info:
        load_picture(path)
    assert "не похож на картинку" in str(info.value)
    with pytest.raises(ImageError):
        load_picture(b"")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    missing = tmp_path / "нет такого.png"
    with pytest.raises(ImageError, match="нет такого.png") as info:
        load_picture(missing)
    assert "не найден" in str(info.value)
    with pytest.raises(ImageError, match="папка"):
        load_picture(tmp_path)


def test_messages_in_english(tmp_path: Path) -> None:
    i18n.set_language("en")
    with pytest.raises(ImageError, match="not found"):
        load_picture(tmp_path / "missing.png")


def test_to_rgb_modes() -> None:
    assert to_rgb(Image.new("L", (4, 4), 7)).getpixel((0, 0)) == (7, 7, 7)
    assert to_rgb(Image.new("1", (4, 4), 1)).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.new("CMYK", (4, 4), (0, 0, 0, 0))).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.new("LA", (4, 4), (0, 0)), (0, 0, 0)).getpixel((0, 0)) == (0, 0, 0)
    rgb = Image.new("RGB", (4, 4))
    assert to_rgb(rgb) is rgb


def _cli(*args: str) -> subprocess.CompletedProcess:
    # The hang guard is far beyond any run: a FIFO that blocks would never end at all.
    return subprocess.run(
        [sys.executable, "-m", "demotivator.cli", "make", "Шутка", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_fifo_or_a_device_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)  # nobody writes: opening it for reading the usual way blocks forever
    for source in (fifo, Path("/dev/zero")):
        with pytest.raises(ImageError, match="не обычный файл"):
            load_picture(source)
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImageError, match="zero.jpg"):
        load_picture(link)
    proc = _cli("--image", str(fifo), "-o", str(tmp_path / "p.png"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pipe.png" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    video = tmp_path / "film.mp4"
    with video.open("wb") as f:
        f.truncate(MAX_PICTURE_BYTES + 1)  # sparse: no disk space used
    with pytest.raises(ImageError, match="МиБ"):
        load_picture(video)


def test_a_big_file_that_is_no_picture_is_not_read_into_memory(tmp_path: Path) -> None:
    blob = tmp_path / "noise.png"
    with blob.open("wb") as f:
        f.truncate(64 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(ImageError, match="не похож на картинку"):
            load_picture(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # only the header was read, not 64 MiB


def test_a_strip_is_refused_rather_than_drawn_as_a_line(tmp_path: Path) -> None:
    for size in ((4000, 10), (10, 4000)):
        path = tmp_path / f"strip{size[0]}.png"
        Image.new("RGB", size, (200, 30, 30)).save(path)
        with pytest.raises(ImageError, match="вытянута"):
            load_picture(path)
    wide = tmp_path / "panorama.png"
    Image.new("RGB", (1600, 400), (200, 30, 30)).save(wide)
    assert load_picture(wide).size == (1600, 400)  # 4:1 is a panorama, not a strip
