"""The window with one's own LLM set in the settings: a GGUF file on llama.cpp and a real
llama.cpp server on 127.0.0.1 each write the endings of a whole poster; Stop mid-generation
on the GGUF stops the run, and the next run works."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.progress_panel import DONE, STOPPED
from inference.core.params import GenerationParams
from inference.core.settings import Settings, save_settings
from tests.fixtures_gguf import llama_server, tiny_gguf  # noqa: F401  (fixtures)
from tests.gui.conftest import Gate, run_prompt, wait_idle

PROMPT = "Заходит как-то программист в бар"


def _settings(generator: str) -> Settings:
    settings = Settings()
    settings.models.generator_dir = generator  # the backend follows from the location
    settings.n_candidates = 4
    settings.threads = 1
    settings.generation = GenerationParams(temperature=1.0, max_new_tokens=12)
    settings.poster_width = 480
    save_settings(settings)
    return settings


def _check_poster(window, backend: str) -> None:
    assert window.messages.level != "error", window.messages.text.text()
    result = window.result
    assert result is not None and result.poster is not None and window.poster.has_image()
    generator = next(m for m in result.models if m.role == "generator")
    assert generator.backend == backend
    assert window.progress.rows["generate"].state == DONE


def test_gguf_from_the_settings_makes_a_poster_and_stops(make_window, qtbot, tiny_gguf: Path):  # noqa: F811
    _settings(str(tiny_gguf))
    window = make_window()
    run_prompt(qtbot, window, PROMPT)
    _check_poster(window, "llamacpp")

    gate = Gate(window, "generate")
    window.prompt.edit.setPlainText(PROMPT)
    window.generate()
    qtbot.waitUntil(gate.reached.is_set, timeout=180_000)
    qtbot.mouseClick(window.prompt.cancel_button, Qt.MouseButton.LeftButton)
    gate.release.set()
    wait_idle(qtbot, window)
    assert window.progress.rows["generate"].state == STOPPED
    run_prompt(qtbot, window, PROMPT)
    _check_poster(window, "llamacpp")


def test_server_from_the_settings_makes_a_poster(make_window, qtbot, llama_server: str):  # noqa: F811
    _settings(llama_server + "/v1")
    window = make_window()
    run_prompt(qtbot, window, PROMPT)
    _check_poster(window, "server")
