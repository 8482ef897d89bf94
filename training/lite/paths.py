"""Where a lite build works and what it writes to by default (read by the build's command
line and by the collection writer, :mod:`training.lite.joke_pairs`, which the build imports:
kept apart from both so neither imports the other)."""

from __future__ import annotations

from pathlib import Path


def default_work_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("demotivator-studio")) / "lite-build"


def default_out_dir() -> Path:
    from resources import resource_path

    return resource_path("models")
