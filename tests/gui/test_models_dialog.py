"""The «Модели» dialog and the first-run offer, driving the real window against the Hub
look-alike on 127.0.0.1 (tests/hub_server.py) with the real huggingface_hub client: progress
and cancel, installs that outlive the dialog, «Использовать», import / verify / remove,
and the first-run offer that is remembered once answered."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
)
from shiboken6 import isValid as shiboken_valid

from desktop_app.model_row_widget import ModelRowWidget
from inference.core.human_units import format_bytes
from inference.core.settings import Settings, load_settings
from inference.models.catalog import load_catalog
from inference.models.install_job import CANCELLED, DONE
from inference.models.model_store import ModelStore
from tests.hub_server import HubServer, Repo

PADDING_BYTES = 16_000_000  # at 2 MB/s the big download lasts ~8 s: time to see and stop it
WAIT_MS = 60_000


def catalog_entry(model_id: str, repo: Repo, default: bool = False) -> dict:
    return {
        "id": model_id,
        "role": "generator",
        "source": "hub",
        "default": default,
        "repo": repo.repo_id,
        "revision": repo.commit,
        "allow_patterns": ["config.json", "*.safetensors", "tokenizer*", "*.json", "*.txt"],
        "optional_patterns": ["*.jinja", "*.bin"],
        "size_bytes": sum(len(f.data) for f in repo.files.values()),
        "licence": {"name": "MIT", "url": "https://example.invalid/licence"},
        "description": {"ru": "тестовая модель", "en": "test model"},
    }


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_generator_dir: Path):
    """The Hub look-alike serving a tiny Qwen (recommended) and a padded copy of it, with
    a catalogue naming both (what ``python -m tests.hub_serve`` does for manual runs)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # conftest: offline; this talks to 127.0.0.1
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    for name in ("HF_TOKEN", "TRANSFORMERS_OFFLINE", "HF_HUB_ENABLE_HF_TRANSFER"):
        monkeypatch.delenv(name, raising=False)
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        small = server.add(Repo.from_folder("test/tiny-qwen", tiny_generator_dir))
        padding = {"padding.bin": random.Random(3).randbytes(PADDING_BYTES)}
        big = server.add(Repo.from_folder("test/tiny-qwen-big", tiny_generator_dir, padding))
        catalog = tmp_path / "catalog.json"
        entries = [
            catalog_entry("tiny-qwen", small, default=True),
            catalog_entry("big", big),
            {**catalog_entry("gone", small), "repo": "test/gone"},  # the server answers 404
        ]
        catalog.write_text(json.dumps({"models": entries}), "utf-8")
        monkeypatch.setenv("DEMOTIVATOR_CATALOG", str(catalog))
        yield server


def open_dialog(qtbot, window):
    dialog = window.open_models()
    qtbot.waitUntil(lambda: dialog.snapshot is not None, timeout=WAIT_MS)
    assert dialog.objectName() == "modelsDialog" and dialog.isVisible()
    return dialog


def status_of(row: ModelRowWidget) -> str:
    return row.status.text()


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    parent = button.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    # A button just shown is laid out on the next turn of the event loop: until then it
    # has no height and a click at its centre hits nothing.
    qtbot.waitUntil(lambda: not button.rect().isEmpty())
    if parent is not None:  # as a user would: scrolled into view first (800 px test screen)
        parent.ensureWidgetVisible(button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_dialog_shows_progress_speed_and_cancels(qtbot, make_window, hub):
    hub.faults.throttle_bps = 2_000_000
    window = make_window()
    dialog = open_dialog(qtbot, window)
    row = dialog.rows["big"]
    assert status_of(row) == "не установлена"
    assert "MIT" in row.meta.text() and "example.invalid/licence" in row.meta.text()
    assert not row.progress.isVisible()

    click(qtbot, row.buttons["install"])
    qtbot.waitUntil(
        lambda: row.progress.value() > 0 and "МБ/с" in row.detail.text(), timeout=WAIT_MS
    )
    assert row.progress.objectName() == "progress_big" and row.progress.isVisible()
    assert status_of(row).startswith("загрузка ") and status_of(row).endswith(" %")
    assert "осталось" in row.detail.text()  # speed and ETA
    assert row.buttons["cancel"].isVisible() and not row.buttons["install"].isVisible()
    assert "%" in window.models_button.text()  # the window tells too, dialog or not

    click(qtbot, row.buttons["cancel"])
    job = window.models.job("big")
    qtbot.waitUntil(lambda: job.state == CANCELLED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status_of(row) == "загружена частично", timeout=WAIT_MS)
    assert row.buttons["install"].text() == "Продолжить загрузку"
    assert "можно продолжить" in row.detail.text()
    assert not row.progress.isVisible()
    assert ModelStore.from_settings(window.settings).partial_bytes("big") > 0
    assert window.models_button.text() == "Модели…"


def test_install_outlives_the_dialog_and_use_changes_the_settings(qtbot, make_window, hub):
    window = make_window()
    dialog = open_dialog(qtbot, window)
    click(qtbot, dialog.rows["tiny-qwen"].buttons["install"])
    dialog.reject()  # closed at once: the download goes on in the background
    job = window.models.job("tiny-qwen")
    qtbot.waitUntil(lambda: job.state == DONE and not window.models.running(), timeout=WAIT_MS)
    assert "установлена" in window.statusBar().currentMessage()

    dialog = open_dialog(qtbot, window)
    row = dialog.rows["tiny-qwen"]
    assert status_of(row) == "установлена" and not row.progress.isVisible()
    assert not row.in_use and row.buttons["use"].isVisible()
    click(qtbot, row.buttons["use"])

    installed = ModelStore.from_settings(window.settings).path_for("tiny-qwen")
    for settings in (window.settings, load_settings()[0]):  # applied and saved
        assert settings.models.generator_dir == str(installed)
        assert settings.models.generator_backend == "torch"  # no ONNX version
    assert row.in_use and row.in_use_pill.isVisible() and not row.buttons["use"].isVisible()
    assert dialog.uses.values["generator"].text() == "tiny-qwen · PyTorch"
    spec = window.service.pipeline.models.spec  # configured on the pipeline thread
    qtbot.waitUntil(lambda: spec("generator").path == installed, timeout=WAIT_MS)


def test_a_failed_install_keeps_its_error_in_view_and_offers_a_retry(qtbot, make_window, hub):
    window = make_window()
    dialog = open_dialog(qtbot, window)
    row = dialog.rows["gone"]
    click(qtbot, row.buttons["install"])
    qtbot.waitUntil(lambda: status_of(row) == "ошибка", timeout=WAIT_MS)
    assert "test/gone" in row.detail.text() and "не найдена" in row.detail.text()
    assert row.detail.property("level") == "error" and not row.progress.isVisible()
    assert row.buttons["install"].text() == "Повторить"
    dialog.reject()
    row = open_dialog(qtbot, window).rows["gone"]  # reopened: the error is still there
    assert status_of(row) == "ошибка" and "test/gone" in row.detail.text()


def test_any_hub_repo_installs_by_its_id_and_shows_up_in_its_role(
    qtbot, make_window, hub, tiny_generator_dir
):
    hub.faults.throttle_bps = 2_000_000
    # ~2 s at 2 MB/s: progress shows (a .bin next to .safetensors would be skipped)
    padding = {"padding.safetensors": random.Random(5).randbytes(4_000_000)}
    hub.add(Repo.from_folder("someone/joke-writer", tiny_generator_dir, padding))
    window = make_window()
    dialog = open_dialog(qtbot, window)
    edit = dialog.findChild(QLineEdit, "hubRepoEdit")
    install = dialog.findChild(QPushButton, "hubInstallButton")
    edit.setText("not an id")
    click(qtbot, install)
    assert dialog.messages.level == "error" and "владелец/имя" in dialog.messages.text.text()

    edit.setText("someone/joke-writer")
    click(qtbot, install)
    bar = dialog.hub_bar
    qtbot.waitUntil(lambda: "МБ/с" in bar.status.text(), timeout=WAIT_MS)
    assert bar.status.text().startswith("загрузка ") and bar.progress.isVisible()
    assert bar.cancel_button.isVisible() and not install.isVisible()
    dialog.reject()  # the download goes on without the dialog…
    job = window.models.job("someone/joke-writer")
    qtbot.waitUntil(lambda: job.state == DONE, timeout=WAIT_MS)

    dialog = open_dialog(qtbot, window)  # …and the model is listed in its role's section
    row = dialog.rows["someone--joke-writer"]
    assert row.row.role == "generator" and status_of(row) == "установлена"
    assert row.description.text() == "Загружена с Hugging Face: someone/joke-writer"
    assert row.title.text() == "joke-writer"
    click(qtbot, row.buttons["use"])
    assert window.settings.models.generator_dir == str(row.row.paths[0])
    assert dialog.uses.values["generator"].text() == "joke-writer · PyTorch"


def test_dialogs_open_again_after_closing(qtbot, make_window):
    window = make_window()
    for open_dialog_ in (window.open_models, window.open_settings):
        first = open_dialog_()
        first.reject()
        qtbot.waitUntil(lambda d=first: not shiboken_valid(d), timeout=WAIT_MS)  # deleted
        again = open_dialog_()
        assert again is not first and again.isVisible()
        again.reject()


def test_first_run_offer_is_remembered_once_declined(qtbot, make_window, hub):
    window = make_window()
    window.offer_first_run()
    qtbot.waitUntil(lambda: _visible_dialog(window, "firstRunDialog") is not None, timeout=WAIT_MS)
    offer = _visible_dialog(window, "firstRunDialog")
    recommended = load_catalog().get("tiny-qwen")  # the one default; "big" is not offered
    assert [e.id for e in offer.entries] == ["tiny-qwen"] and "big" not in offer.offer.text()
    assert offer.total == recommended.size_bytes
    assert format_bytes(offer.total) in offer.total_label.text()
    click(qtbot, offer.findChild(QPushButton, "firstRunLater"))
    assert load_settings()[0].first_run_offer_dismissed
    assert window.models.running() == []

    for again in (window, make_window()):  # this run, and the next start
        again.offer_first_run()
        qtbot.wait(300)
        assert _visible_dialog(again, "firstRunDialog") is None
    # …and still findable in the «Модели» dialog
    dialog = open_dialog(qtbot, window)
    assert dialog.recommend_bar.isVisible() and "tiny-qwen" in dialog.recommend_text.text()


def test_first_run_install_downloads_and_uses_the_recommended_set(qtbot, make_window, hub):
    window = make_window()
    window.offer_first_run()
    qtbot.waitUntil(lambda: _visible_dialog(window, "firstRunDialog") is not None, timeout=WAIT_MS)
    offer = _visible_dialog(window, "firstRunDialog")
    assert not offer.findChild(QCheckBox, "firstRunTorchOnly").isChecked()  # ONNX by default
    click(qtbot, offer.install_button)
    qtbot.waitUntil(lambda: _visible_dialog(window, "modelsDialog") is not None, timeout=WAIT_MS)
    job = window.models.job("tiny-qwen")
    assert job is not None and window.models.job("big") is None  # only the recommended
    # Download, then the ONNX export (tens of seconds on a busy two-core machine).
    qtbot.waitUntil(lambda: bool(window.settings.models.generator_dir), timeout=5 * WAIT_MS)
    settings = load_settings()[0]
    assert settings.first_run_offer_dismissed
    folder = Path(settings.models.generator_dir)
    assert folder.name.startswith("tiny-qwen")  # the converted copy: tiny-qwen-onnx-<quant>
    # The one-click install converted it: the app runs the fast ONNX Runtime path.
    assert settings.models.generator_backend == "onnx"
    assert any(folder.rglob("*.onnx"))
    dialog = _visible_dialog(window, "modelsDialog")
    qtbot.waitUntil(lambda: dialog.rows["tiny-qwen"].in_use, timeout=WAIT_MS)
    assert not dialog.recommend_bar.isVisible()


def test_the_lite_notice_offers_the_install_again_after_not_now(qtbot, make_window, hub):
    from inference.core.settings import save_settings

    save_settings(Settings(first_run_offer_dismissed=True))  # «Не сейчас» earlier
    window = make_window()
    assert window.lite_notice.isVisible()  # one line in the header, not a bar
    height = window.splitter.geometry().top()
    click(qtbot, window.lite_notice.button)
    qtbot.waitUntil(lambda: _visible_dialog(window, "firstRunDialog") is not None, timeout=WAIT_MS)
    offer = _visible_dialog(window, "firstRunDialog")
    assert [e.id for e in offer.entries] == ["tiny-qwen"]
    click(qtbot, offer.later_button)
    window.lite_notice.hide()  # what a real model in use does
    window.app_subtitle.show()
    window.centralWidget().layout().activate()
    assert window.splitter.geometry().top() == height  # the notice never moved the layout


def test_import_verify_and_remove_a_local_folder(qtbot, make_window, tiny_generator_dir, tmp_path):
    window = make_window()
    dialog = open_dialog(qtbot, window)

    not_a_model = tmp_path / "holiday-photos"
    not_a_model.mkdir()
    (not_a_model / "beach.jpg").write_bytes(b"\xff\xd8 not a model")
    dialog.import_folder("generator", not_a_model)
    qtbot.waitUntil(lambda: dialog.messages.level == "error", timeout=WAIT_MS)
    assert "holiday-photos" in dialog.messages.text.text()
    assert dialog.import_buttons["generator"].isEnabled()

    dialog.import_folder("generator", tiny_generator_dir)
    qtbot.waitUntil(lambda: "tiny-qwen" in dialog.rows, timeout=WAIT_MS)
    row = dialog.rows["tiny-qwen"]
    assert status_of(row) == "установлена" and dialog.messages.level == "info"

    click(qtbot, row.buttons["verify"])
    qtbot.waitUntil(lambda: row.note_level == "ok", timeout=WAIT_MS)
    assert row.detail.text().startswith("✓")

    click(qtbot, row.buttons["use"])
    assert window.settings.models.generator_dir == str(row.row.paths[0])
    click(qtbot, row.buttons["remove"])
    confirm = _visible_dialog(dialog, "confirmRemove")
    assert isinstance(confirm, QMessageBox)
    yes = next(b for b in confirm.buttons() if b.text() == "Удалить")
    click(qtbot, yes)
    qtbot.waitUntil(lambda: "tiny-qwen" not in dialog.rows, timeout=WAIT_MS)
    assert not row.row.paths[0].exists()
    assert window.settings.models.generator_dir == ""  # it was in use: back to the default
    assert load_settings()[0].models.generator_dir == ""


def test_settings_file_keeps_the_first_run_answer(tmp_path):
    from inference.core.settings import save_settings

    path = tmp_path / "settings.json"
    save_settings(Settings(first_run_offer_dismissed=True), path)
    assert load_settings(path)[0].first_run_offer_dismissed
    path.write_text(json.dumps({"first_run_offer_dismissed": "yes"}), "utf-8")
    settings, warnings = load_settings(path)
    assert not settings.first_run_offer_dismissed and warnings  # a wrong type: the default


def _visible_dialog(parent, name: str) -> QDialog | None:
    found = [d for d in parent.findChildren(QDialog, name) if d.isVisible()]
    return found[0] if found else None
