"""Saving a poster: whoever watches the folder (a file manager, a test waiting for the
file) never finds half a poster, and finds its sidecar already beside it."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from inference.params import Candidate
from inference.result import Result


@pytest.mark.parametrize(("name", "fmt"), [("p.png", "PNG"), ("p.jpg", "JPEG"), ("p.webp", "WEBP")])
def test_the_poster_appears_whole_and_after_its_sidecar(tmp_path, monkeypatch, name, fmt):
    result = Result(prompt="Заходит как-то", candidates=[Candidate(" в бар")])
    result.picture = Image.new("RGB", (40, 30), (200, 10, 10))
    result.poster = Image.new("RGB", (90, 120), (0, 0, 0))
    target = tmp_path / name
    seen: list[tuple[str, bool]] = []
    original = Image.Image.save

    def watched_save(image, fp, *args, **kwargs):
        # What a watcher sees at the moment each image file is being written.
        seen.append((str(fp), target.exists(), target.with_suffix(".json").exists()))
        return original(image, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", watched_save)
    path = result.save(target)
    assert path == target
    assert all(written != str(target) for written, _, _ in seen)  # never in place
    assert all(not exists for _, exists, _ in seen)
    assert seen[-1][2]  # the sidecar was complete before the poster was written
    with Image.open(target) as saved:
        assert saved.format == fmt and saved.size == (90, 120)
    sidecar = json.loads(target.with_suffix(".json").read_text("utf-8"))
    assert sidecar["outputs"]["poster"] == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [name, "p.json", "p.picture.png"]
    )  # no temporary file left behind
