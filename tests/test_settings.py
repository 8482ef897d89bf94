"""Settings: typed, persisted, and never a reason for the app not to start."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from inference.core.i18n import set_language
from inference.core.settings import (
    Settings,
    config_dir,
    data_dir,
    load_settings,
    save_settings,
    settings_from_dict,
)


def test_defaults_when_no_file():
    settings, warnings = load_settings()
    assert settings == Settings()
    assert warnings == []


def test_round_trip(isolated_dirs):
    settings = Settings()
    settings.generation.temperature = 0.7
    settings.models.generator_dir = "/models/qwen"
    settings.models.illustrator_backend = "torch"
    settings.image.seed = 42
    settings.language = "en"
    path = save_settings(settings)
    assert path.parent == isolated_dirs[0] == config_dir()
    loaded, warnings = load_settings()
    assert loaded == settings and warnings == []


def test_env_overrides_dirs(isolated_dirs):
    assert config_dir() == isolated_dirs[0]
    assert data_dir() == isolated_dirs[1]
    assert Settings().models_path() == isolated_dirs[1] / "models"


def test_corrupt_file_gives_defaults_warning_and_keeps_a_copy(isolated_dirs):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{not json \xff")
    settings, warnings = load_settings()
    assert settings == Settings()
    assert len(warnings) == 1 and "settings.json" in warnings[0]
    assert (config_dir() / "settings.json.corrupt").read_bytes() == b"{not json \xff"


def test_bad_values_fall_back_per_field_with_warnings():
    data = {
        "generation": {"temperature": "hot", "top_p": 0.5, "max_new_tokens": 10_000},
        "models": {"generator_backend": "tensorflow", "ranker_dir": "/r"},
        "n_candidates": 4,
        "colour": "blue",
        "image": [1, 2],
    }
    settings, warnings = settings_from_dict(data)
    assert settings.generation.temperature == Settings().generation.temperature
    assert settings.generation.top_p == 0.5
    assert settings.generation.max_new_tokens == Settings().generation.max_new_tokens
    assert settings.models.generator_backend == "onnx"
    assert settings.models.ranker_dir == "/r"
    assert settings.n_candidates == 4
    assert settings.image == Settings().image
    assert len(warnings) == 5
    assert any("colour" in w for w in warnings)


def test_ints_accepted_for_floats_but_bools_rejected_for_ints():
    settings, warnings = settings_from_dict({"generation": {"temperature": 1}, "threads": True})
    assert settings.generation.temperature == 1.0
    assert settings.threads == 0 and len(warnings) == 1


def test_non_object_json_is_a_warning(isolated_dirs):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([1, 2, 3]))
    settings, warnings = load_settings()
    assert settings == Settings() and len(warnings) == 1


def test_warnings_are_translated():
    set_language("en")
    _, warnings = settings_from_dict({"bogus": 1})
    assert warnings[0].startswith("Settings: unknown option")
    set_language("ru")
    _, warnings = settings_from_dict({"bogus": 1})
    assert warnings[0].startswith("Настройки:")


def test_folders_written_with_a_tilde_are_under_home(monkeypatch, tmp_path):
    """A hand-written settings file may say "~/…"; no folder named "~" appears."""
    monkeypatch.setenv("HOME", str(tmp_path))
    settings, warnings = settings_from_dict(
        {"output_dir": "~/Posters", "models": {"models_dir": "~/models"}}
    )
    assert warnings == []
    assert settings.output_path() == tmp_path / "Posters"
    assert settings.models_path() == tmp_path / "models"


def test_a_utf8_bom_as_notepad_writes_it_loads(isolated_dirs):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"n_candidates": 3}).encode())
    settings, warnings = load_settings()
    assert settings.n_candidates == 3 and warnings == []
    assert path.exists()  # not moved aside as corrupt


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "вложенность"),  # RecursionError inside json
        (b'{"x": "' + b"a" * (2 << 20) + b'"}', "КиБ"),
    ],
)
def test_a_deeply_nested_or_huge_file_falls_back_with_a_warning(isolated_dirs, content, reason):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    settings, warnings = load_settings()
    assert settings == Settings()
    assert len(warnings) == 1 and reason in warnings[0]
    assert (config_dir() / "settings.json.corrupt").stat().st_size == len(content)


def test_the_cli_starts_with_a_deeply_nested_settings_file(isolated_dirs, tmp_path):
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
    # A bad output suffix fails right after the settings are read: no model runs.
    proc = subprocess.run(
        [sys.executable, "-m", "demotivator.cli", "make", "Шутка", "-o", str(tmp_path / "x.txt")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "вложенность" in proc.stderr and "x.txt" in proc.stderr


_SAVER = """
import sys
from inference.core.settings import Settings, save_settings
settings = Settings()
settings.n_candidates = int(sys.argv[1])
for _ in range(300):
    save_settings(settings)
"""


def test_two_processes_saving_settings_at_once_never_break_the_file(isolated_dirs):
    # Both used to write settings.json.tmp: one renamed or removed the other's file.
    procs = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(n)], stderr=subprocess.PIPE, text=True)
        for n in (3, 5)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    settings, warnings = load_settings()
    assert warnings == [] and settings.n_candidates in (3, 5)
    assert [p.name for p in config_dir().iterdir()] == ["settings.json"]  # no temp debris
