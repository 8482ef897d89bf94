"""The two generator backends of issue 16 through the one registry: what a location picks,
what the model manager hands their loaders from the settings, what a sidecar may show."""

from __future__ import annotations

from pathlib import Path

import pytest

from demotivator.make import apply_overrides, build_parser
from inference.core import registry
from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.settings import Settings, settings_from_dict
from inference.models.model_manager import ModelManager
from tests.fixtures_gguf import llama_server, tiny_gguf  # noqa: F401  (fixtures)


def test_entries_and_labels() -> None:
    gguf = registry.backend("generator", "llamacpp")
    server = registry.backend("generator", "server")
    assert (gguf.source, server.source) == (registry.FILE, registry.URL)
    assert not gguf.needs_torch and not server.needs_torch
    assert "threads" in gguf.options and "threads" not in server.options
    assert tr(gguf.label_key) == "llama.cpp (файл GGUF)"
    assert "llamacpp" not in registry.backend_names("ranker")


def test_a_location_picks_its_backend(tmp_path: Path) -> None:
    folder = tmp_path / "qwen"
    folder.mkdir()
    pick = registry.backend_for_location
    assert pick("generator", tmp_path / "m.gguf", "onnx") == "llamacpp"
    assert pick("generator", "HTTP://127.0.0.1:11434", "torch") == "server"
    assert pick("generator", folder, "torch") == "torch"  # a folder keeps its backend
    assert pick("generator", folder, "server") == "onnx"  # …or gets the first folder one
    assert pick("ranker", "http://x", "onnx") == "onnx"  # no ranker reads a URL


def test_cli_flags_choose_the_backend_unless_told(tmp_path: Path) -> None:
    settings = Settings()
    args = build_parser().parse_args(
        ["x", "--generator", "http://127.0.0.1:8080/v1", "--generator-model", "qwen3:0.6b"]
    )
    apply_overrides(settings, args)
    assert settings.models.generator_dir == "http://127.0.0.1:8080/v1"  # "//" kept
    assert settings.models.generator_backend == "server"
    assert settings.models.generator_model == "qwen3:0.6b"
    settings = Settings()
    apply_overrides(settings, build_parser().parse_args(["x", "--generator", "~/m.gguf"]))
    assert settings.models.generator_dir == str(Path.home() / "m.gguf")
    assert settings.models.generator_backend == "llamacpp"


def test_settings_keep_model_key_and_folders_and_hide_the_key() -> None:
    data = {"models": {"generator_dir": "http://h:1/v1", "generator_backend": "server",
                       "generator_model": "m", "generator_api_key": "sk-1",
                       "gguf_folders": ["~/gguf"]}}  # fmt: skip
    settings, warnings = settings_from_dict(data)
    assert not warnings
    assert settings.models.gguf_folders == ["~/gguf"]
    assert "sk-1" not in repr(settings)
    spec = ModelManager(settings).spec("generator")
    assert spec is not None and spec.location == "http://h:1/v1"
    assert dict(spec.options) == {"model": "m", "api_key": "sk-1"}
    assert "sk-1" not in repr(spec)


def test_a_hand_written_file_with_the_wrong_backend_still_loads(tiny_gguf: Path) -> None:  # noqa: F811
    settings = Settings()
    settings.models.generator_dir = str(tiny_gguf)  # generator_backend stays "onnx"
    manager = ModelManager(settings)
    manager.check_folders(("generator",))
    generator = manager.generator()
    assert generator.backend == "llamacpp"
    info = manager.info("generator")
    assert info is not None and info.path == str(tiny_gguf)


def test_a_missing_gguf_fails_before_any_stage(tmp_path: Path) -> None:
    settings = Settings()
    settings.models.generator_dir = str(tmp_path / "gone.gguf")
    with pytest.raises(ModelError, match="gone.gguf"):
        ModelManager(settings).check_folders(("generator",))


def test_the_manager_hands_the_server_its_model(llama_server: str) -> None:  # noqa: F811
    from inference.text.server_generator import check_server

    _, models = check_server(llama_server)
    settings = Settings()
    settings.models.generator_dir = llama_server.replace("http://", "http://u:secret@") + "/v1"
    settings.models.generator_model = models[0]
    manager = ModelManager(settings)
    generator = manager.generator()
    assert generator.backend == "server" and generator.model_id == models[0]
    info = manager.info("generator")
    assert info is not None and info.path == llama_server + "/v1"  # no credentials
    settings.models.generator_model = "other"
    manager.configure(settings)
    assert not manager.is_loaded("generator")  # another model: reloaded on next use
