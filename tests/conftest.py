"""Test-wide isolation: every test gets its own config/data dirs, Qt runs offscreen,
and nothing may reach the network."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import pytest  # noqa: E402

# Session-scoped tiny models (real architectures, random weights), built once per run.
pytest_plugins = ["tests.fixtures_text", "tests.fixtures_image"]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("DEMOTIVATOR_CONFIG_DIR", str(config))
    monkeypatch.setenv("DEMOTIVATOR_DATA_DIR", str(data))
    monkeypatch.setenv("DEMOTIVATOR_LANG", "ru")
    from inference.core import i18n

    i18n.set_language("ru")
    return config, data
