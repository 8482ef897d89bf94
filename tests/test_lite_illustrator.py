"""The lite illustrator: emoji chosen from the joke's words, drawn over a scene, offline."""

from __future__ import annotations

import json
import random
import zipfile

import numpy as np
import pytest

from inference.core.errors import Cancelled, InputError, ModelError
from inference.core.params import ImageParams
from inference.core.progress import Progress
from inference.core.stages import Illustrator
from inference.image.lite_illustrator import LiteIllustrator, default_folder, load_lite_illustrator
from inference.image.lite_match import INDEX_FILE, SPRITES_FILE, choose_emoji, sprite_name


@pytest.fixture(scope="module")
def lite() -> LiteIllustrator:
    return load_lite_illustrator()


def chosen(lite: LiteIllustrator, text: str, seed: int = 0, extra: str = "") -> list[str]:
    picks = choose_emoji(text, lite.index, random.Random(seed), extra_text=extra)
    return [p.emoji for p in picks]


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


# --- which emoji ------------------------------------------------------------------------
CAT, BEER = {"🐱", "🐈"}, {"🍺", "🍻"}
PROGRAMMER = {"🧑\u200d💻", "👨\u200d💻"}
DOCTORS = {"🧑\u200d⚕", "👨\u200d⚕"}


@pytest.mark.parametrize(
    ("joke", "expected"),
    [
        ("Кот выпил всё пиво", [CAT, BEER]),
        ("Пришёл к соседу кота с пивом кормить", [CAT, BEER]),  # inflected: кота, пивом
        ("Жена послала мужа за водкой", [{"👩", "👰"}, {"👨", "🤵"}, {"🥃", "🍶"}]),
        ("Заходит как-то программист в бар", [PROGRAMMER, {"🍸", "🍺"}]),
        ("У тёщи сломался компьютер", [{"👵"}, {"💻", "🖥"}]),
        ("Встретились русский, немец и американец", [{"🇷🇺"}, {"🇩🇪"}, {"🇺🇸"}]),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_emoji_match_the_words_of_the_joke(lite, joke, expected, seed):
    picks = set(chosen(lite, joke, seed))
    assert all(picks & alternatives for alternatives in expected), picks


@pytest.mark.parametrize("seed", range(6))
def test_the_hero_of_the_joke_comes_first(lite, seed):
    assert chosen(lite, "Вовочка спрашивает у учительницы на уроке", seed)[0] == "👦"
    assert chosen(lite, "Заходит как-то программист в бар", seed)[0] in PROGRAMMER
    # a nominative, living noun beats an earlier object: "кота" is not who acts here
    assert chosen(lite, "Из-за кота жена ушла к соседу", seed)[0] in {"👩", "👰"}


def test_another_seed_may_show_another_good_emoji(lite):
    firsts = {chosen(lite, "Кот", seed)[0] for seed in range(30)}
    assert firsts == CAT


@pytest.mark.parametrize("seed", range(6))
def test_synonyms_of_one_person_give_one_emoji(lite, seed):
    picks = chosen(lite, "Приходит мужик к врачу: доктор, помогите", seed)
    assert len(DOCTORS.intersection(picks)) == 1


def test_english_text_uses_the_english_names(lite):
    picks = set(chosen(lite, "a cat drinking beer in a bar"))
    assert picks & CAT and picks & BEER
    assert "🦄" in chosen(lite, "A unicorn walks into a library")


def test_an_emoji_typed_into_the_joke_is_drawn(lite):
    assert chosen(lite, "Заходит 🦄 в бар")[0] == "🦄"
    assert chosen(lite, "Заходит \U0001f431\ufe0f")[0] == "🐱"  # presentation selector ignored


@pytest.mark.parametrize("text", ["", "   ", "?!… — ...", "Как-то раз однажды", "12345"])
def test_nothing_to_draw_gives_one_fallback_face(lite, text):
    picks = chosen(lite, text, seed=3)
    assert len(picks) == 1 and picks[0] in lite.index.fallback


def test_fallback_face_depends_on_the_seed(lite):
    faces = {chosen(lite, "", seed=s)[0] for s in range(40)}
    assert len(faces) > 3


def test_visual_prompt_helps_only_when_the_joke_has_nothing(lite):
    assert set(chosen(lite, "Как-то раз однажды", extra="a cat on a sofa")) <= CAT
    dog, cat = chosen(lite, "Собака и кот", extra="beer")[:2]
    assert dog in {"🐶", "🐕"} and cat in CAT


def test_scene_follows_the_place_named_in_the_joke(lite):
    rng = random.Random(0)
    assert lite.plan("Сидят два мужика в баре", "", rng).scene == "bar"
    assert lite.plan("Звонит тёща ночью", "", rng).scene == "night"
    assert lite.plan("Летят космонавты на Марс", "", rng).scene == "space"
    # what the scene shows itself is not drawn again as an emoji
    assert "🌊" not in {p.emoji for p in lite.plan("Рыбак на море", "", rng).picks}


# --- the picture ----------------------------------------------------------------------
def test_is_an_illustrator(lite):
    assert isinstance(lite, Illustrator)
    assert (lite.name, lite.backend) == ("lite", "lite")
    assert lite.warnings and "demotivator models" in lite.warnings[0]


def test_same_seed_same_pixels_other_seed_other_picture(lite):
    joke = "Заходит как-то программист в бар"
    a = lite.draw_for_joke(joke, "", ImageParams(width=256, height=256, seed=7), Progress())
    b = lite.draw_for_joke(joke, "", ImageParams(width=256, height=256, seed=7), Progress())
    c = lite.draw_for_joke(joke, "", ImageParams(width=256, height=256, seed=8), Progress())
    assert np.array_equal(pixels(a), pixels(b))
    assert np.abs(pixels(a).astype(int) - pixels(c).astype(int)).mean() > 1.0


@pytest.mark.parametrize("size", [(512, 512), (320, 200), (200, 360), (64, 64)])
def test_requested_size_is_honoured(lite, size):
    params = ImageParams(width=size[0], height=size[1], seed=1)
    image = lite.draw_for_joke("Кот и собака", "", params, Progress())
    assert image.size == size and image.mode == "RGB"


def test_the_emoji_are_actually_drawn(lite):
    """The picture differs from its bare background where the emoji stand."""
    params = ImageParams(width=256, height=256, seed=5)
    with_cat = pixels(lite.draw_for_joke("Кот", "", params, Progress()))
    with_dog = pixels(lite.draw_for_joke("Собака", "", params, Progress()))
    centre = (slice(100, 220), slice(70, 190))
    assert np.abs(with_cat[centre].astype(int) - with_dog[centre].astype(int)).mean() > 10


def test_draw_works_from_the_visual_prompt_alone(lite):
    image = lite.draw("a cat drinking beer", ImageParams(width=128, height=128, seed=2), Progress())
    assert image.size == (128, 128)
    assert CAT & {p.emoji for p in lite.last_plan.picks}
    lite.draw("Кот пьёт пиво", ImageParams(width=128, height=128, seed=2), Progress())
    assert CAT & {p.emoji for p in lite.last_plan.picks}


def test_progress_reports_the_draw_stage(lite):
    events = []
    progress = Progress(events.append)
    lite.draw_for_joke("Жена послала мужа за водкой", "", ImageParams(128, 128, seed=1), progress)
    draw_events = [e for e in events if e.stage == "draw"]
    total = draw_events[0].total
    assert total == len(lite.last_plan.picks) + 2
    assert [e.done for e in draw_events] == list(range(total + 1))


def test_cancel_before_and_during_drawing(lite):
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        lite.draw_for_joke("Кот", "", ImageParams(128, 128, seed=1), progress)

    def cancel_after_background(event):
        if event.done == 1:
            progress_mid.cancel()

    progress_mid = Progress(cancel_after_background)
    with pytest.raises(Cancelled):
        lite.draw_for_joke("Кот и пиво", "", ImageParams(128, 128, seed=1), progress_mid)
    assert progress_mid.done == 1


def test_bad_size_is_a_clear_user_error(lite):
    with pytest.raises(InputError, match="64"):
        lite.draw("кот", ImageParams(width=10, height=512, seed=1), Progress())


def test_seed_none_is_deterministic(lite):
    a = lite.draw("кот", ImageParams(96, 96, seed=None), Progress())
    b = lite.draw("кот", ImageParams(96, 96, seed=None), Progress())
    assert np.array_equal(pixels(a), pixels(b))


# --- the bundled data -------------------------------------------------------------------
def test_every_emoji_the_index_can_return_has_a_sprite():
    folder = default_folder()
    data = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    with zipfile.ZipFile(folder / SPRITES_FILE) as zf:
        names = set(zf.namelist())
    returned = {e for table in ("ru", "en") for hits in data[table].values() for e in hits}
    returned |= set(data["fallback"])
    assert returned <= set(data["emoji"])
    assert {sprite_name(e) for e in data["emoji"]} == names


def test_missing_or_broken_data_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="lite_illustrator_build"):
        load_lite_illustrator(tmp_path)
    (tmp_path / INDEX_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        load_lite_illustrator(tmp_path)


# --- the build script's logic (the Debian sources themselves need the network) ------------
CLDR_RU = """<?xml version="1.0" encoding="UTF-8" ?>
<ldml><annotations>
<annotation cp="🐱">домашнее животное | животное | кот | кошка | морда кошки</annotation>
<annotation cp="🐱" type="tts">морда кошки</annotation>
<annotation cp="🐈">домашнее животное | животное | кот | кошка</annotation>
<annotation cp="🐈" type="tts">кошка</annotation>
<annotation cp="🐶">животное | морда собаки | собака</annotation>
<annotation cp="🐶" type="tts">морда собаки</annotation>
<annotation cp="➡">стрелка | вправо</annotation>
<annotation cp="➡" type="tts">стрелка вправо</annotation>
</annotations></ldml>
"""
CLDR_RU_DERIVED = """<?xml version="1.0" encoding="UTF-8" ?>
<ldml><annotations>
<annotation cp="🐈‍⬛">кот | черный кот | черный</annotation>
<annotation cp="🐈‍⬛" type="tts">черная кошка</annotation>
</annotations></ldml>
"""


def test_build_index_from_cldr_annotations(tmp_path):
    from training import lite_illustrator_build as build

    for folder, text in (("annotations", CLDR_RU), ("annotationsDerived", CLDR_RU_DERIVED)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "ru.xml").write_text(text, encoding="utf-8")
    annotations = build.read_annotations(tmp_path, "ru")
    assert annotations["🐈"] == ("кошка", ["домашнее животное", "животное", "кот", "кошка"], False)
    assert annotations["🐈\u200d⬛"][2] is True
    assert build.excluded("➡") and build.excluded("🐱🏽") and not build.excluded("🐱")

    pool = {"🐱", "🐈", "🐶", "🐈\u200d⬛"}
    index = build.build_index(annotations, pool, "ru", stop={"морда"})
    assert list(index["кошка"])[0] == "🐈"  # its name beats a keyword
    assert set(index["кот"]) == {"🐱", "🐈", "🐈\u200d⬛"}
    assert index["кот"]["🐈\u200d⬛"] < index["кот"]["🐱"]  # derived variants lose ties
    assert index["собака"]["🐶"] > index["животное"]["🐶"]  # a lemma shared by many is damped
    assert "морда" not in index and "стрелка" not in index  # stop-words, excluded emoji

    build.add_aliases(index, {"котик": ["🐱"], "кот": ["🐈", "🐱"]})
    assert list(index["кот"])[:2] == ["🐈", "🐱"] and index["котик"] == {"🐱": build.W_ALIAS}
