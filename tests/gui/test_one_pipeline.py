"""The window and the command line run the same orchestration: one request gives the same
stages, the same timings and the same sidecar through both (issue 12: the window used to run
its own copy of the step order, with an extra scene-description stage for the lite
illustrator)."""

from __future__ import annotations

import json

import pytest

from demotivator.cli import main
from desktop_app.progress_panel import SKIPPED
from inference.core.settings import save_settings
from inference.runs.history import History
from tests.gui.conftest import PROMPT, run_prompt, tiny_settings


def cli_run(tmp_path, capsys) -> tuple[dict, dict]:
    out = tmp_path / "cli.png"
    code = main(["make", PROMPT, "-o", str(out), "--json", "--quiet"])
    assert code == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    return report, json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("drawn_by", ["lite", "sd"])
def test_cli_and_window_run_the_same_stages(
    drawn_by, make_window, qtbot, tmp_path, capsys, tiny_generator_dir, tiny_sd_dir
):
    illustrator = tiny_sd_dir if drawn_by == "sd" else None
    save_settings(tiny_settings(tiny_generator_dir, None, illustrator))
    report, cli_sidecar = cli_run(tmp_path, capsys)

    window = make_window()
    seen: list[str] = []
    window.service.progressed.connect(
        lambda e: seen.append(e.stage) if e.stage not in seen else None
    )
    run_prompt(qtbot, window)
    assert window.messages.level != "error", window.messages.text.text()
    qtbot.waitUntil(lambda: window.history_panel.list.count() == 1)
    gui_sidecar = json.loads(History().entries()[0].sidecar_path.read_text(encoding="utf-8"))

    stages = list(report["timings"])
    scene = ["visual_prompt"] if drawn_by == "sd" else []
    assert stages == ["generate", "rank", *scene, "draw", "compose"]
    assert list(window.result.timings) == stages  # what ran, in order
    planned = [stage for stage, row in window.progress.rows.items() if row.state != SKIPPED]
    assert planned == stages  # the rows planned before it ran
    assert seen == stages  # the rows that moved
    assert gui_sidecar.keys() == cli_sidecar.keys()
    assert list(gui_sidecar["timings"]) == list(cli_sidecar["timings"]) == stages
    assert bool(gui_sidecar["visual_prompt"]) == bool(cli_sidecar["visual_prompt"]) == bool(scene)
