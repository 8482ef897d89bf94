"""Make posters with the README's default command and tile them into one contact sheet.

    python scripts/contact_sheet.py docs/lite-contact-sheet.png [--prompts FILE]

Each poster comes from a separate ``demotivator make PROMPT -o FILE`` run with no model
flags, exactly what a user on a fresh machine gets (the bundled lite models), in an
isolated config/data folder so local settings cannot leak in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

PROMPTS = [
    "Заходит как-то программист в бар",
    "Встречаются два кота",
    "Учитель спрашивает Вовочку",
    "Купил я как-то холодильник",
    "Приходит мужик к врачу",
    "Сидят на лавочке две бабушки",
    "Звонит жена мужу на работу",
    "Летят в самолёте русский, немец и американец",
    "Студент сдаёт экзамен по физике",
    "Штирлиц шёл по лесу",
    "Рыбак поймал золотую рыбку",
    "Новый год, собрались за столом",
]
COLUMNS = 4
CELL_WIDTH = 360
GAP = 12


def make_posters(prompts: list[str], folder: Path) -> list[tuple[Path, float]]:
    command = shutil.which("demotivator") or str(Path(sys.executable).with_name("demotivator"))
    env = dict(os.environ)
    env["DEMOTIVATOR_CONFIG_DIR"] = str(folder / "config")
    env["DEMOTIVATOR_DATA_DIR"] = str(folder / "data")
    made = []
    for number, prompt in enumerate(prompts, 1):
        out = folder / f"poster-{number:02d}.png"
        started = time.perf_counter()
        subprocess.run([command, "make", prompt, "-o", str(out), "--quiet"], env=env, check=True)
        seconds = time.perf_counter() - started
        print(f"{number:2d}. {seconds:5.1f} s  {prompt}", flush=True)
        made.append((out, seconds))
    return made


def tile(paths: list[Path], out: Path) -> None:
    cells = []
    for path in paths:
        with Image.open(path) as image:
            height = round(image.height * CELL_WIDTH / image.width)
            cells.append(image.convert("RGB").resize((CELL_WIDTH, height), Image.LANCZOS))
    rows = (len(cells) + COLUMNS - 1) // COLUMNS
    cell_height = max(cell.height for cell in cells)
    sheet = Image.new(
        "RGB",
        (COLUMNS * CELL_WIDTH + (COLUMNS + 1) * GAP, rows * cell_height + (rows + 1) * GAP),
        (40, 40, 40),
    )
    for index, cell in enumerate(cells):
        row, column = divmod(index, COLUMNS)
        sheet.paste(cell, (GAP + column * (CELL_WIDTH + GAP), GAP + row * (cell_height + GAP)))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--prompts", type=Path, help="one joke beginning per line")
    args = parser.parse_args()
    prompts = PROMPTS
    if args.prompts:
        prompts = [line.strip() for line in args.prompts.read_text("utf-8").splitlines()]
        prompts = [line for line in prompts if line]
    with tempfile.TemporaryDirectory(prefix="contact-sheet-") as folder:
        made = make_posters(prompts, Path(folder))
        tile([path for path, _ in made], args.out)
    seconds = sorted(s for _, s in made)
    print(f"median {seconds[len(seconds) // 2]:.1f} s per poster; sheet: {args.out}")


if __name__ == "__main__":
    main()
