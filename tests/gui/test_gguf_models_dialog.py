"""The Models dialog offers the GGUF files already on the machine (here an LM Studio tree in a
test home folder and a folder the user adds) and makes one the generator with one click,
without copying it."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt

from tests.fixtures_gguf import tiny_gguf  # noqa: F401  (fixture)

WAIT_MS = 60_000


def test_found_gguf_becomes_the_generator_where_it_lies(
    qtbot,
    make_window,
    tmp_path: Path,
    monkeypatch,
    tiny_gguf: Path,  # noqa: F811
) -> None:
    home = tmp_path / "home"
    lm = home / ".lmstudio" / "models" / "Qwen" / "Qwen3-GGUF"
    lm.mkdir(parents=True)
    found_file = lm / "Qwen3-0.6B-Q8_0.gguf"
    shutil.copy(tiny_gguf, found_file)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("OLLAMA_MODELS", raising=False)

    window = make_window()
    dialog = window.open_models()
    panel = dialog.findChild(type(dialog.gguf_panel), "localGgufPanel")
    qtbot.waitUntil(lambda: panel.found is not None, timeout=WAIT_MS)
    assert [f.name for f in panel.found] == ["Qwen3-0.6B-Q8_0"]
    use = panel.findChild(type(panel.use), "useGgufButton")
    assert not use.isEnabled()  # nothing chosen yet
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(use, Qt.MouseButton.LeftButton)
    models = window.settings.models
    assert models.generator_dir == str(found_file)
    assert models.generator_backend == "llamacpp"
    assert not any(dialog.store().root.rglob("*.gguf"))  # nothing was copied

    mine = tmp_path / "my gguf"
    mine.mkdir()
    shutil.copy(tiny_gguf, mine / "own.gguf")
    dialog.add_gguf_folder(str(mine))
    assert window.settings.models.gguf_folders == [str(mine)]
    qtbot.waitUntil(lambda: len(panel.found or []) == 2, timeout=WAIT_MS)
