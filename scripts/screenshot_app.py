"""Drive the real Demotivator Studio window (under Xvfb) and save screenshots.

Used by ``scripts/screenshot.sh``. The app is built exactly as ``demotivator-studio``
builds it (``create_application`` + ``MainWindow()`` reading the settings file, sized to the
screen by the window itself); the pictures are grabbed from the X screen, so they show what
a user would see:

    idle-<lang>-<theme>-<W>x<H>.png   the window as it opens
    mid-<lang>-<theme>-<W>x<H>.png    during a run (with --models: the picture half drawn)
    done-<lang>-<theme>-<W>x<H>.png   the finished poster, history filled

Without ``--models`` the app runs on its bundled lite models (real output, what a fresh
install shows); ``--models DIR`` points it at the tiny test models instead, and
``--build-models DIR`` builds those (random weights) into DIR.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tiny-model builders live in tests/

PROMPT = "Приходит мужик в библиотеку и просит книгу о паранойе"


def build_models(folder: Path) -> None:
    from tests.tiny_sd import build_tiny_sd
    from tests.tiny_text_models import build_tiny_bert_ranker, build_tiny_qwen

    folder.mkdir(parents=True, exist_ok=True)
    for name, build in (
        ("generator", build_tiny_qwen),
        ("ranker", build_tiny_bert_ranker),
        ("illustrator", build_tiny_sd),
    ):
        if (
            not (folder / name / "config.json").exists()
            and not (folder / name / "model_index.json").exists()
        ):
            build(folder / name)
    print(f"tiny models in {folder}")


def write_settings(models: Path | None, language: str, theme: str) -> None:
    from inference.core.params import GenerationParams, ImageParams
    from inference.core.settings import Settings, save_settings

    settings = Settings(language=language, n_candidates=6, threads=2, poster_width=1024)
    settings.theme = theme
    settings.first_run_offer_dismissed = True  # the offer is a dialog of its own
    if models is None:  # the bundled lite models, as installed
        save_settings(settings)
        return
    m = settings.models
    m.generator_dir, m.ranker_dir = str(models / "generator"), str(models / "ranker")
    m.illustrator_dir = str(models / "illustrator")
    m.generator_backend = m.ranker_backend = m.illustrator_backend = "torch"
    settings.generation = GenerationParams(temperature=1.1, max_new_tokens=24)
    settings.image = ImageParams(width=256, height=256, steps=12)
    save_settings(settings)


def grab_from_screen(widget, path: Path) -> str:
    """Save what the X screen shows where ``widget`` is (frame included), as a user sees it."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    geometry = widget.frameGeometry()
    screen = widget.screen() or QApplication.primaryScreen()
    picture = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height())
    picture.save(str(path))
    print(f"saved {path}", flush=True)
    return str(path)


def shoot(out: Path, language: str, tag: str) -> int:
    from PySide6.QtCore import QTimer

    from desktop_app.application import create_application
    from desktop_app.main_window import MainWindow

    app = create_application([sys.argv[0]])
    window = MainWindow()
    window.show()
    shots: list[str] = []
    planned: set[str] = set()  # a shot already scheduled is not scheduled again

    def grab(name: str) -> None:
        window.progress.flush()
        shots.append(grab_from_screen(window, out / f"{name}-{language}-{tag}.png"))

    def on_progress(event) -> None:
        half = event.total and event.stage == "draw" and event.done >= max(1, event.total // 2)
        half = half or (event.stage == "rank" and event.total and event.done >= event.total)
        if half and "mid" not in planned:
            planned.add("mid")
            QTimer.singleShot(80, lambda: grab("mid"))

    def on_finished(*_args) -> None:
        def settled() -> None:
            if window.io.pending or not window.composer.idle:
                QTimer.singleShot(100, settled)
                return
            window.history_panel.list.scrollToTop()
            QTimer.singleShot(300, lambda: (grab("done"), app.quit()))

        QTimer.singleShot(200, settled)

    def on_failed(_kind, exc, _partial) -> None:
        grab("failed")
        print(f"run failed: {exc}", file=sys.stderr)
        app.exit(1)

    window.service.progressed.connect(on_progress)
    window.service.finished.connect(on_finished)
    window.service.failed.connect(on_failed)

    def start() -> None:
        grab("idle")
        window.prompt.edit.setPlainText(PROMPT)
        window.prompt.generate_button.click()

    QTimer.singleShot(800, start)
    QTimer.singleShot(600_000, lambda: app.exit(2))  # never hang a CI job
    code = app.exec()
    window.close()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-models", type=Path, help="build the tiny models into DIR")
    parser.add_argument("--models", type=Path, help="the tiny models folder")
    parser.add_argument("--out", type=Path, default=Path("/tmp/screens"))
    parser.add_argument("--language", choices=("ru", "en"), default="ru")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    args = parser.parse_args()
    if args.build_models:
        build_models(args.build_models)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    write_settings(args.models, args.language, args.theme)
    size = os.environ.get("SCREEN_SIZE", "screen")
    return shoot(args.out, args.language, f"{args.theme}-{size}")


if __name__ == "__main__":
    sys.exit(main())
