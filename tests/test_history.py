"""History of finished posters: add, list newest first, load back, update, delete."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from inference.core.errors import OutputError
from inference.core.params import Candidate, GenerationParams, ImageParams, PosterStyle
from inference.core.settings import data_dir
from inference.poster.poster import compose_poster
from inference.runs.history import History, history_dir
from inference.runs.result import ModelInfo, Result


def make_result(title: str = "Купил мужик шляпу", color=(200, 40, 40)) -> Result:
    picture = Image.new("RGB", (96, 64), color)
    style = PosterStyle(width=400)
    result = Result(
        prompt=title,
        generation=GenerationParams(seed=11, temperature=0.7),
        image_params=ImageParams(width=96, height=64, steps=2, seed=22),
        style=style,
        candidates=[Candidate("а она ему как раз", 1.5, -0.3), Candidate("и носит", 0.2, -0.9)],
        ranking="ranker",
        visual_prompt="a man in a hat",
        picture=picture,
        picture_source="model",
        title=title,
        subtitle="а она ему как раз",
        models=[ModelInfo("generator", "tiny", "onnx", "/m/tiny")],
        timings={"generate": 0.5},
    )
    result.poster = compose_poster(picture, result.title, result.subtitle, style)
    return result


def test_default_folder_is_under_the_data_dir():
    assert History().folder == history_dir() == data_dir() / "history"


def test_add_writes_poster_picture_sidecar_and_thumbnail(tmp_path):
    history = History(tmp_path / "h")
    result = make_result()
    entry = history.add(result)
    assert entry.poster_path.is_file() and entry.picture_path.is_file()
    assert entry.sidecar_path.is_file() and entry.thumbnail_path.is_file()
    with Image.open(entry.thumbnail_path) as thumb:
        assert thumb.width <= 160 and thumb.height <= 200
    sidecar = json.loads(entry.sidecar_path.read_text("utf-8"))
    assert sidecar["title"] == "Купил мужик шляпу"
    assert result.outputs == {}  # the caller's result is not re-pointed at the history


def test_entries_newest_first_and_unique_ids(tmp_path):
    history = History(tmp_path)
    first = make_result("первый")
    first.created = "2024-01-01T10:00:00"
    second = make_result("второй")
    second.created = "2024-06-01T10:00:00"
    a, b = history.add(first), history.add(second)
    same = history.add(make_result("первый"))
    assert len({a.id, b.id, same.id}) == 3
    listed = history.entries()
    assert [e.id for e in listed][-2:] == [b.id, a.id]
    assert listed[0].id == same.id  # created now, the newest
    assert history.entries(limit=1) == listed[:1]


def test_load_round_trips_everything_needed_to_recompose(tmp_path):
    history = History(tmp_path)
    original = make_result()
    entry = history.add(original)
    loaded = history.load(entry)
    assert loaded.prompt == original.prompt
    assert [c.text for c in loaded.candidates] == [c.text for c in original.candidates]
    assert loaded.candidates[0].score == pytest.approx(1.5)
    assert loaded.generation == original.generation
    assert loaded.image_params == original.image_params
    assert loaded.style == original.style and isinstance(loaded.style.background, tuple)
    assert loaded.models == original.models and loaded.created == original.created
    assert loaded.picture.size == original.picture.size
    assert loaded.poster.tobytes() == original.poster.tobytes()
    again = compose_poster(loaded.picture, loaded.title, loaded.subtitle, loaded.style)
    assert again.tobytes() == original.poster.tobytes()


def test_update_rewrites_captions_in_place(tmp_path):
    history = History(tmp_path)
    result = make_result()
    entry = history.add(result)
    result.title = "Новый заголовок"
    result.poster = compose_poster(result.picture, result.title, "", result.style)
    updated = history.update(entry.id, result)
    assert updated.id == entry.id and updated.title == "Новый заголовок"
    assert len(history.entries()) == 1
    assert history.load(entry.id).poster.tobytes() == result.poster.tobytes()


def test_delete_removes_all_files(tmp_path):
    history = History(tmp_path)
    entry = history.add(make_result())
    history.delete(entry)
    assert entry.files() == [] and history.entries() == []


def test_broken_entries_are_skipped_and_load_says_so(tmp_path):
    history = History(tmp_path)
    good = history.add(make_result())
    (tmp_path / "junk.json").write_text("{not json", "utf-8")
    (tmp_path / "orphan.json").write_text("{}", "utf-8")  # no poster next to it
    assert [e.id for e in history.entries()] == [good.id]
    with pytest.raises(OutputError):
        history.load("junk")
    assert history.get("orphan") is None


def test_missing_thumbnail_is_rebuilt_and_missing_picture_tolerated(tmp_path):
    history = History(tmp_path)
    entry = history.add(make_result())
    entry.thumbnail_path.unlink()
    entry.picture_path.unlink()
    assert history.entries()[0].thumbnail_path.is_file()
    loaded = history.load(entry)
    assert loaded.picture is None and loaded.poster is not None


def test_empty_or_absent_folder_lists_nothing(tmp_path):
    assert History(tmp_path / "nope").entries() == []
    assert History(tmp_path).get("x") is None
