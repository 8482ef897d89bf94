"""The one table of stages and backends: everything that offers or checks a backend reads it."""

from __future__ import annotations

import pytest

from demotivator.make import apply_overrides, build_parser
from inference.core import registry
from inference.core.errors import ModelError
from inference.core.i18n import tr
from inference.core.params import ImageParams
from inference.core.progress import Progress
from inference.core.settings import CHOICES, Settings, settings_from_dict
from inference.models.model_manager import ModelManager


def test_every_loader_resolves_and_every_label_is_translated():
    for entry in registry.BACKENDS:
        assert entry.role in registry.ROLES
        assert callable(entry.load_function()), entry
        assert tr(entry.label_key) != entry.label_key, entry.label_key
        assert entry.source in (registry.FOLDER, registry.FILE, registry.URL, registry.BUNDLED)
        for key in entry.options + tuple(key for _, key in entry.load_settings):
            value: object = Settings()
            for part in key.split("."):
                value = getattr(value, part)  # every option names a real setting


def test_settings_accept_exactly_the_selectable_backends_of_each_role():
    for role in registry.ROLES:
        assert CHOICES[f"models.{role}_backend"] == registry.backend_names(role)
    # "lite" is a backend the app picks itself, never one a settings file may choose.
    settings, warnings = settings_from_dict({"models": {"illustrator_backend": "lite"}})
    assert settings.models.illustrator_backend == registry.DEFAULT_BACKEND and warnings
    settings, warnings = settings_from_dict({"models": {"generator_backend": "torch"}})
    assert settings.models.generator_backend == "torch" and not warnings


def test_cli_backend_choices_and_only_stages_that_have_it():
    assert set(registry.backend_names()) <= set(
        build_parser()._option_string_actions["--backend"].choices
    )
    args = build_parser().parse_args(["x", "--backend", "torch"])
    settings = Settings()
    apply_overrides(settings, args)
    for role in registry.ROLES:
        expected = "torch" if "torch" in registry.backend_names(role) else registry.DEFAULT_BACKEND
        assert getattr(settings.models, f"{role}_backend") == expected
    with pytest.raises(SystemExit):
        build_parser().parse_args(["x", "--backend", "lite"])


def test_no_folder_means_the_bundled_backend_and_its_traits():
    manager = ModelManager(Settings())
    spec = manager.spec("illustrator")
    lite = registry.no_folder_backend("illustrator")
    assert lite is not None and spec is not None
    assert (spec.backend, spec.path, spec.bundled) == (lite.name, lite.resource_dir(), True)
    assert not manager.needs_torch() and not manager.needs_scene()
    manager.check_folders()  # a bundled source has no folder of the user's to check

    settings = Settings()
    settings.models.illustrator_dir = "/some/sd"
    manager.configure(settings)
    assert manager.needs_scene() and manager.needs_torch()  # Optimum's SD pipeline: torch


def test_the_loaded_stage_agrees_with_its_registry_entry():
    """The pipeline asks the table before a model loads; the loaded object says the same."""
    manager = ModelManager(Settings())
    illustrator = manager.illustrator()
    assert illustrator.needs_scene == manager.needs_scene() is False
    picture = illustrator.draw("", ImageParams(64, 64, seed=1), Progress(), joke="Кот и пиво")
    assert picture.size == (64, 64)


def test_family_members_are_what_a_folder_loader_picks_between():
    from inference.image.illustrator_folders import BACKENDS as SD_BACKENDS
    from inference.text.model_folders import BACKENDS as TEXT_BACKENDS

    assert TEXT_BACKENDS == registry.family_members("hf-text") == registry.backend_names("ranker")
    assert set(TEXT_BACKENDS) <= set(registry.backend_names("generator"))
    assert registry.backend_names("illustrator") == SD_BACKENDS
    assert registry.backend("generator", "torch").needs_torch
    assert not registry.backend("generator", "onnx").needs_torch
    with pytest.raises(KeyError):
        registry.backend("ranker", "lite")


class _Opened:
    """What the test loader below returns: enough of a stage to be cached and named."""

    def __init__(self, where: object, backend: str) -> None:
        self.where, self.backend, self.name = where, backend, "opened"


def open_for_test(where: object, backend: str = "", threads: int = 0) -> _Opened:
    return _Opened(where, backend)


def test_file_and_url_sources_reach_their_loader_as_written(monkeypatch, tmp_path):
    """What a GGUF-file or local-server backend gets: its file checked before the run, its
    URL passed on with the "//" intact and never checked as a folder."""
    extra = (
        registry.Backend("generator", "file-test", f"{__name__}:open_for_test", registry.FILE),
        registry.Backend("generator", "url-test", f"{__name__}:open_for_test", registry.URL),
    )
    monkeypatch.setattr(registry, "BACKENDS", registry.BACKENDS + extra)
    settings = Settings()
    settings.models.generator_dir, settings.models.generator_backend = (
        "http://127.0.0.1:9/v1",
        "url-test",
    )
    manager = ModelManager(settings)
    manager.check_folders()
    assert manager.generator().where == "http://127.0.0.1:9/v1"

    missing = tmp_path / "model.gguf"
    settings.models.generator_dir, settings.models.generator_backend = str(missing), "file-test"
    manager.configure(settings)
    with pytest.raises(ModelError, match="model.gguf"):
        manager.check_folders()
    missing.write_bytes(b"GGUF")
    manager.check_folders()
    assert manager.generator().where == missing


def test_no_module_lists_backends_itself():
    """Backend names are the registry's: a literal ("onnx", "torch") elsewhere in the core or
    the window is a second list that a new backend would have to find and extend."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = []
    for package in ("inference", "desktop_app"):
        for path in sorted((root / package).rglob("*.py")):
            if path.name == "registry.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Tuple | ast.List | ast.Set):
                    names = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                    if len(names & set(registry.backend_names())) >= 2:
                        found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
