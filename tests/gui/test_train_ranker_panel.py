"""«Обучить свою модель оценки шуток» in the Models dialog's panel: a background job against a
local anekdot-like site with a tiny BERT base folder; stopped mid-crawl (a page request held
by the site), started again it continues without fetching a page twice, trains, installs,
and the window stays responsive throughout (the job is a thread, the events queued)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from desktop_app.train_ranker_panel import TrainRankerPanel
from tests.scraper.server import FixtureSite
from tests.training.test_ranker_flow import DAYS, PER_DAY, learnable_site

WAIT_MS = 600_000  # a busy 2-core box; the waits end on states, this only bounds a hang


@pytest.fixture
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEMOTIVATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DEMOTIVATOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_train_stop_resume_install(qtbot, isolated_dirs: Path, tiny_ranker_dir: Path):
    plan = learnable_site()
    site = FixtureSite(plan.routes())
    url = site.start()
    try:
        panel = TrainRankerPanel(work=isolated_dirs / "work")
        qtbot.addWidget(panel)
        panel.base, panel.base_url = str(tiny_ranker_dir), url
        panel.jokes.setValue(DAYS * PER_DAY)
        panel.train_overrides = {"epochs": 6, "batch_size": 16, "threads": 1}
        panel.last_day = date.fromisoformat(plan.days[-1].day)  # the site's newest release
        site.hold_from(6)
        panel.start()
        assert panel.running and not panel.start_button.isEnabled()
        qtbot.waitUntil(lambda: site.waiting > 0, timeout=WAIT_MS)
        panel.stop()
        site.release()
        qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
        assert panel.start_button.isEnabled() and "«Обучить» продолжит" in panel.status.text()
        state = json.loads((isolated_dirs / "work" / "flow.json").read_text(encoding="utf-8"))
        assert "base" in state and "scrape" not in state

        with qtbot.waitSignal(panel.installed, timeout=WAIT_MS) as installed:
            panel.start()
        model_id = installed.args[0]
        assert (isolated_dirs / "data" / "models" / model_id / "score_scale.json").is_file()
        pages = [h.path for h in site.hits if h.path != "/robots.txt"]
        assert len(pages) == len(set(pages)) == plan.page_count  # nothing fetched twice
        assert model_id in panel.status.text()
    finally:
        site.stop()


def test_the_models_dialog_offers_it_and_uses_what_it_installs(qtbot, make_window, tiny_ranker_dir):
    from inference.core.settings import load_settings
    from inference.models.model_store import ModelStore

    window = make_window()
    dialog = window.open_models()
    panel = dialog.findChild(TrainRankerPanel, "trainRankerPanel")
    assert panel is not None and panel.start_button.text() == "Обучить"
    store = ModelStore.from_settings(window.settings)
    model = store.import_folder(tiny_ranker_dir, "ranker", "my-joke-ranker")
    panel.installed.emit(model.id)  # what the job says when it has installed its model
    for settings in (window.settings, load_settings()[0]):  # applied and saved
        assert settings.models.ranker_dir == str(model.path)
        assert settings.models.ranker_backend == "torch"
    dialog.reject()
