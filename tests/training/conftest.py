"""Session fixtures for the training tests: the synthetic dataset written through the
scraper's DB API and prepared once with ``train prepare``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.training.synthetic_jokes import synthetic_records, write_db


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_db(tmp_path_factory.mktemp("jokes") / "jokes.sqlite", synthetic_records())


@pytest.fixture(scope="session")
def prepared_data(tmp_path_factory: pytest.TempPathFactory, synthetic_db: Path) -> Path:
    """30 days × 12 jokes; test = the last 6 days, validation = the 3 before."""
    from training.cli import main

    out = tmp_path_factory.mktemp("prepared") / "data"
    argv = ["prepare", "--db", str(synthetic_db), "--out", str(out), "--quiet"]
    assert main([*argv, "--test-fraction", "0.2"]) == 0
    return out


def copy_model(src: Path, tmp_path: Path, name: str) -> Path:
    """Train from a private copy: the session's tiny models are shared by other tests."""
    return Path(shutil.copytree(src, tmp_path / name))
