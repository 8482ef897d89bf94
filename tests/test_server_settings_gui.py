"""The settings dialog with one's own LLM: a .gguf file or a server URL in the generator's
field picks its backend, «Проверить» lists the server's models (a local HTTP server), the
chosen model and API key reach the settings, a missing .gguf is refused."""

from __future__ import annotations

from pathlib import Path

from desktop_app.settings_dialog import SettingsDialog
from inference.core.settings import Settings
from tests.llm_fault_server import FaultServer
from tests.test_server_generator import free_port


def test_url_check_lists_models_and_settings_keep_them(qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    server_box = dialog.findChild(type(dialog.server), "generatorServer")
    assert server_box.isHidden()  # a folder (or nothing) needs no server fields
    with FaultServer("no_n") as server:
        dialog.folder["generator"].set_path(server.url)
        assert not server_box.isHidden()
        assert dialog.backend["generator"].currentData() == "server"
        dialog.server.api_key.setText("sk-gui")
        dialog.server.check.click()
        qtbot.waitUntil(lambda: dialog.server.model.count() == 2, timeout=30_000)
        assert dialog.server.model_name() == "fault-model"  # the first it lists
        assert "2" in dialog.server.status.text()
        dialog.server.set_model("other-model")
        assert server.auth[-1] == "Bearer sk-gui"
    assert not dialog.errors()
    settings = dialog.settings()
    assert settings.models.generator_dir == server.url
    assert settings.models.generator_backend == "server"
    assert settings.models.generator_model == "other-model"
    assert settings.models.generator_api_key == "sk-gui"


def test_dead_server_says_so_in_one_line(qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    url = f"http://127.0.0.1:{free_port()}/v1"
    dialog.folder["generator"].set_path(url)
    dialog.server.check.click()
    qtbot.waitUntil(lambda: dialog.server.check.isEnabled(), timeout=30_000)
    assert dialog.server.status.text().startswith(f"Сервер {url} не отвечает")


def test_gguf_file_picks_llamacpp_and_a_missing_one_is_refused(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    gguf = tmp_path / "m.gguf"
    dialog.folder["generator"].set_path(str(gguf))
    assert dialog.backend["generator"].currentData() == "llamacpp"
    assert dialog.errors() and "m.gguf" in dialog.errors()[0]
    gguf.write_bytes(b"GGUF")
    dialog.folder["generator"].set_path(str(gguf))
    assert not dialog.errors()
    assert dialog.settings().models.generator_backend == "llamacpp"
