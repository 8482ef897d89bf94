"""Screenshots of the «Модели» dialog and the first-run offer, driving the real window under
Xvfb against the local Hub look-alike (tests/hub_server.py, throttled so a download lasts):

    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/screenshot_models.py \\
        --out docs/screenshots --language ru

models-first-<lang>.png   the first-run offer (declined with «Не сейчас»)
models-mid-<lang>.png     the dialog mid-download (the generator with «ONNX» ticked, and a
                          ranker typed by its Hub id into «С Hugging Face по id»)
models-done-<lang>.png    after the installs, the ONNX conversion and «Использовать»

The catalogue is the shipped one (not downloadable from here: shown, never installed) plus
the tiny test models (random weights) served from 127.0.0.1 as the recommended ones.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tiny-model builders and the Hub look-alike live in tests/

Wait = Callable[[], bool]
RANKER_REPO = "someone/tiny-ranker"  # served, but not named by the catalogue


def build_models(folder: Path) -> tuple[Path, Path, Path]:
    from tests.tiny_sd import build_tiny_sd
    from tests.tiny_text_models import build_tiny_bert_ranker, build_tiny_qwen

    qwen, sd, ranker = folder / "tiny-qwen", folder / "tiny-sd", folder / "tiny-ranker"
    if not (qwen / "config.json").exists():
        build_tiny_qwen(qwen)
    if not (sd / "model_index.json").exists():
        build_tiny_sd(sd)
    if not (ranker / "config.json").exists():
        build_tiny_bert_ranker(ranker)
    return qwen, sd, ranker


def merged_catalogue(test: dict) -> dict:
    """The test models as the recommended set, the shipped entries as the rest."""
    shipped = json.loads((ROOT / "resources" / "catalog.json").read_text("utf-8"))
    rest = [{**m, "default": False} for m in shipped["models"]]
    return {"format": 1, "models": test["models"] + rest}


def drive(steps: Iterator[Wait | None], app, poll_ms: int = 100) -> None:
    """Run a generator of steps on the Qt event loop: each yielded callable is waited for."""
    from PySide6.QtCore import QTimer

    waiting: list[Wait | None] = [None]

    def tick() -> None:
        condition = waiting[0]
        if condition is not None and not condition():
            QTimer.singleShot(poll_ms, tick)
            return
        try:
            waiting[0] = next(steps)
        except StopIteration:
            app.quit()
            return
        QTimer.singleShot(poll_ms, tick)

    QTimer.singleShot(poll_ms, tick)


def shoot(out: Path, language: str) -> int:
    from PySide6.QtWidgets import QDialog

    from desktop_app.application import create_application
    from desktop_app.main_window import MainWindow
    from inference.models.install_job import DONE, FINISHED
    from scripts.screenshot_app import grab_from_screen

    app = create_application([sys.argv[0]])
    window = MainWindow()
    window.resize(1320, 860)
    window.show()

    def grab(widget, name: str) -> None:
        grab_from_screen(widget, out / f"models-{name}-{language}.png")

    def dialog(name: str) -> QDialog | None:
        found = [d for d in window.findChildren(QDialog, name) if d.isVisible()]
        return found[0] if found else None

    def steps() -> Iterator[Wait | None]:
        yield lambda: window.isVisible()
        window.offer_first_run()
        yield lambda: dialog("firstRunDialog") is not None
        yield None  # one more pass: laid out and painted
        grab(dialog("firstRunDialog"), "first")
        dialog("firstRunDialog").later_button.click()

        models = window.open_models()
        yield lambda: models.snapshot is not None
        qwen, sd = models.rows["tiny-qwen"], models.rows["tiny-sd"]
        qwen.onnx.setChecked(True)
        qwen.buttons["install"].click()
        sd.buttons["install"].click()
        models.hub_bar.edit.setText(RANKER_REPO)  # not in the catalogue: typed by its id
        models.hub_bar.install_button.click()
        yield lambda: qwen.job_update is not None and (qwen.job_update.percent or 0) >= 40
        grab(models, "mid")

        def ended(model_id: str) -> bool:
            job = window.models.job(model_id)
            return job is not None and job.state in FINISHED

        jobs = ("tiny-qwen", "tiny-sd", RANKER_REPO)
        yield lambda: all(ended(j) for j in jobs) and not qwen.running
        for model_id in jobs:
            if window.models.job(model_id).state != DONE:
                print(f"{model_id}: {window.models.job(model_id).error}", file=sys.stderr)
        ranker_id = RANKER_REPO.replace("/", "--")
        yield lambda: qwen.row.onnx and sd.row.state == "installed" and ranker_id in models.rows
        for row in (qwen, sd, models.rows[ranker_id]):
            row.buttons["use"].click()
        models.messages.dismiss()
        yield None
        grab(models, "done")

    drive(steps(), app)
    code = app.exec()
    window.close()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--language", choices=("ru", "en"), default="ru")
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "hub-tiny")
    parser.add_argument("--throttle-mb", type=float, default=2.0)
    parser.add_argument("--padding-mb", type=int, default=30)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from tests.hub_serve import catalogue
    from tests.hub_server import HubServer, Repo

    qwen_dir, sd_dir, ranker_dir = build_models(args.models)
    work = Path(tempfile.mkdtemp(prefix="models-shots-"))
    print(f"settings and models folder: {work}", file=sys.stderr)
    padding = {"padding.bin": random.Random(0).randbytes(args.padding_mb * 1_000_000)}
    # an installed-by-id repo gets one set of weights: its padding must be weights to be fetched
    ranker_padding = {"padding.safetensors": random.Random(1).randbytes(60_000_000)}
    with HubServer() as hub:
        hub.faults.throttle_bps = int(args.throttle_mb * 1_000_000)
        qwen = hub.add(Repo.from_folder("test/tiny-qwen", qwen_dir, padding))
        sd = hub.add(Repo.from_folder("test/tiny-sd", sd_dir))
        hub.add(Repo.from_folder(RANKER_REPO, ranker_dir, ranker_padding))
        catalog_path = work / "catalog.json"
        catalog_path.write_text(json.dumps(merged_catalogue(catalogue(qwen, sd))), "utf-8")
        os.environ |= {
            "HF_HUB_OFFLINE": "0",
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(work / "hf-home"),
            "DEMOTIVATOR_CATALOG": str(catalog_path),
            "DEMOTIVATOR_CONFIG_DIR": str(work / "config"),
            "DEMOTIVATOR_DATA_DIR": str(work / "data"),
            "DEMOTIVATOR_LANG": args.language,
        }
        from inference.core.i18n import set_language
        from inference.core.settings import Settings, save_settings

        set_language(args.language)
        save_settings(Settings(language=args.language, threads=2))
        return shoot(args.out, args.language)


if __name__ == "__main__":
    sys.exit(main())
