"""The bundled lite models (resources/models/lite-*) and the steps of their rebuild.

The first half loads the committed bundle through the app's normal loaders: the generator
is a Qwen2 folder with a chat template that writes Russian through ``inference.text.generator``,
the ranker a num_labels=1 BERT folder that scores through ``inference.text.ranker``. The second
half runs the rebuild's data and tokenizer steps on a tiny hand-made input (no training).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.core.settings import Settings
from inference.models.model_manager import ModelManager, bundled_model_dir

PROMPT = "Заходит как-то программист в бар"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN = re.compile(r"[A-Za-z]")


def _bundle(role: str) -> Path:
    path = bundled_model_dir(role)
    assert path is not None, f"resources/models/lite-{role} is missing: run demotivator train lite"
    return path


@pytest.fixture(scope="module")
def lite_generator():
    from inference.text.generator import load_generator

    return load_generator(_bundle("generator"), backend="onnx", threads=2)


@pytest.fixture(scope="module")
def lite_ranker():
    from inference.text.ranker import load_ranker

    return load_ranker(_bundle("ranker"), backend="onnx", threads=2)


# --- the bundle ---------------------------------------------------------------------------


def test_bundle_is_what_the_app_loads_by_default():
    manager = ModelManager(Settings())
    for role in ("generator", "ranker"):
        spec = manager.spec(role)
        assert spec is not None and spec.path == _bundle(role)
        assert (spec.path / "model.onnx").is_file() and (spec.path / "MODEL_CARD.md").is_file()
    sizes = sum(f.stat().st_size for f in _bundle("generator").parent.rglob("*") if f.is_file())
    assert sizes < 40e6


def test_the_lite_ranker_ranks_for_any_generator_until_another_ranker_is_chosen(tmp_path):
    settings = Settings()
    settings.models.generator_dir = str(tmp_path)
    spec = ModelManager(settings).spec("ranker")
    assert spec is not None and spec.bundled and spec.path == _bundle("ranker")
    settings.models.ranker_dir = str(tmp_path / "ranker")
    assert ModelManager(settings).spec("ranker").path == tmp_path / "ranker"


def test_lite_generator_is_a_qwen2_chat_model(lite_generator):
    config = json.loads((_bundle("generator") / "config.json").read_text())
    assert config["model_type"] == "qwen2" and config["tie_word_embeddings"]
    assert lite_generator.backend == "onnx" and lite_generator.has_chat_template
    assert lite_generator.tokenizer.eos_token == "<|im_end|>"
    assert lite_generator.tokenizer.padding_side == "left"


def test_lite_generator_writes_russian_endings(lite_generator):
    params = GenerationParams(seed=11, max_new_tokens=32)
    candidates = lite_generator.generate(PROMPT, 6, params, Progress())
    assert candidates, "all six endings were filtered out"
    letters = "".join(c.text for c in candidates)
    assert len(CYRILLIC.findall(letters)) > 5 * max(1, len(LATIN.findall(letters)))
    assert all(c.logprob is not None and c.logprob < 0 for c in candidates)
    again = lite_generator.generate(PROMPT, 6, params, Progress())
    assert [c.text for c in again] == [c.text for c in candidates]  # seeded


def test_lite_ranker_scores_real_text_above_shuffled(lite_ranker):
    real = [
        "Приходит мужик в библиотеку и просит книгу о паранойе. — Она у вас за спиной!",
        "Лучше поздно, чем никогда.",
        "Оптимист верит, что понедельник закончится. Пессимист знает, что наступит следующий.",
        "Не откладывай на завтра то, что можно сделать сегодня.",
        "Жена говорит мужу: сходи в магазин, купи батон, а если будут яйца — возьми десяток.",
    ]
    rng = np.random.default_rng(0)
    shuffled = [" ".join(rng.permutation(t.split())) for t in real]
    scores = lite_ranker.score(real + shuffled)
    assert len(scores) == 10 and all(np.isfinite(scores))
    assert np.mean(scores[:5]) > np.mean(scores[5:])


# --- the rebuild's steps on a tiny input ----------------------------------------------------

FORTUNES = """\
Лучше поздно, чем в понедельник, говорил мой начальник, закрывая дверь кабинета на ключ
изнутри.
%
Встречаются два программиста. Один говорит:
- У меня всё работает.
- Значит, ты ещё не запускал тесты.
%
Кот сидит на окне и смотрит на птиц с видом философа, который всё понял.
%
Оптимист верит, что понедельник закончится. Пессимист знает, что наступит следующий.
%
Жизнь — как зебра: белая полоса, чёрная полоса, а потом снова белая.
%
Если долго смотреть на работу, она не сделается сама.
        -- Народная мудрость
%
"""
PROVERBS = [
    "Без труда не вытащишь и рыбку из пруда.",
    "Тише едешь — дальше будешь.",
    "Ёжик шёл по лесу и нашёл гриб.",
]
PYJOKES = """\
neutral = [
    "Жил-был программист и было у него два сына - Антон и Неантон.",
]
chuck = []
"""


def _wheel(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


@pytest.fixture()
def tiny_sources(tmp_path):
    """The three sources laid out as their real packages are, unpacked from local archives
    through the rebuild's own ``fetch`` (no network)."""
    from training.lite import sources as src

    ru = tmp_path / "deb/usr/share/games/fortunes/ru"
    ru.mkdir(parents=True)
    (ru / "tiny.u8").write_text(FORTUNES * 8, encoding="utf-8")
    (tmp_path / "deb/usr/share/doc/fortunes-ru").mkdir(parents=True)
    (tmp_path / "deb/usr/share/doc/fortunes-ru/copyright").write_text("GPL-2")
    pyjokes = _wheel(
        tmp_path / "pyjokes.whl",
        {"pyjokes/jokes_ru.py": PYJOKES, "pyjokes-0.8.3.dist-info/LICENCE.txt": "BSD"},
    )
    proverbs = _wheel(
        tmp_path / "proverbs.whl",
        {"ru_proverbs/ru_proverbs.txt": "\n".join(PROVERBS * 5), "LICENSE": "Apache"},
    )
    by_name = {s.name: s for s in src.SOURCES}
    cache = tmp_path / "cache"
    fetched = {
        "pyjokes": src.fetch(by_name["pyjokes"], cache, pyjokes),
        "ru-proverbs": src.fetch(by_name["ru-proverbs"], cache, proverbs),
    }
    fetched["fortune"] = src.Fetched(by_name["fortune"], ru / "tiny.u8", tmp_path / "deb", "x")
    return fetched


def test_unwrap_joins_wrapped_lines_and_keeps_dialogue():
    from training.lite.unwrap import tidy

    wrapped = "Лучше поздно, чем в понедельник, говорил мой начальник, закрывая дверь\nкабинета."
    assert tidy(wrapped) == wrapped.replace("\n", " ")
    dialogue = "Встречаются два программиста:\n- У меня всё работает.\n- А тесты?"
    assert tidy(dialogue) == dialogue
    assert tidy("Короткая строка\nвторая строка") == "Короткая строка\nвторая строка"
    assert tidy("Один - другой") == "Один — другой"


def test_corpus_import_split_and_pairs(tiny_sources, tmp_path):
    from training.data_files import load_split
    from training.lite.corpus import CorpusConfig, build_database, make_data_dir, word_cut
    from training.lite.sources import pyjokes_texts

    assert pyjokes_texts(tiny_sources["pyjokes"])[0][0] == "neutral"
    cfg = CorpusConfig(validation_share=0.2, test_share=0.2)
    stats = build_database(tiny_sources, tmp_path / "j.sqlite", tmp_path)
    assert stats["fortune"]["new"] == 6 and stats["pyjokes"]["new"] == 1
    assert stats["ru-proverbs"]["new"] == 3 and stats["ru-proverbs"]["duplicates"] == 12
    report = make_data_dir(tmp_path / "j.sqlite", tmp_path / "data", cfg)
    texts = {s: [j["text"] for j in load_split(tmp_path / "data", s)] for s in report["splits"]}
    assert sum(len(t) for t in texts.values()) == 10
    all_texts = [t for ts in texts.values() for t in ts]
    assert len(set(all_texts)) == len(all_texts)  # no text on two sides
    assert any(t.startswith("Лучше поздно") and "\n" not in t for t in all_texts)  # unwrapped
    pairs = [p for s in texts for p in load_split(tmp_path / "data", s, "pairs")]
    assert {"dialogue", "words"} <= {p["kind"] for p in pairs}
    # the same input gives the same folder, byte for byte
    again = make_data_dir(tmp_path / "j.sqlite", tmp_path / "data2", cfg)
    assert again["splits"] == report["splits"]
    for name in ("jokes_train.jsonl", "pairs_train.jsonl", "jokes_test.jsonl"):
        assert (tmp_path / "data" / name).read_bytes() == (tmp_path / "data2" / name).read_bytes()
    setup, ending = word_cut("раз два три четыре пять шесть семь", "k")
    assert f"{setup} {ending}" == "раз два три четыре пять шесть семь" and setup and ending


def test_tokenizers_and_untrained_models_load_in_the_app(tiny_sources, tmp_path):
    from inference.text.chat import render_generation_prompt
    from inference.text.generator import load_generator
    from inference.text.ranker import load_ranker
    from training.generator_data import IGNORE
    from training.lite.corpus import build_database, make_data_dir
    from training.lite.generator_build import prepare_generator_base
    from training.lite.lm_data import lm_examples
    from training.lite.ranker_build import prepare_ranker_base
    from training.lite.recipe import GeneratorRecipe, RankerRecipe

    build_database(tiny_sources, tmp_path / "j.sqlite", tmp_path)
    data = tmp_path / "data"
    make_data_dir(tmp_path / "j.sqlite", data)
    small = {"hidden_size": 32, "intermediate_size": 64, "layers": 1, "heads": 2}
    gen_recipe = GeneratorRecipe(vocab_size=400, kv_heads=1, **small)
    base = prepare_generator_base(data, gen_recipe, tmp_path / "gen")
    generator = load_generator(base, backend="torch")
    tok = generator.tokenizer
    text = "Ёжик шёл, а йогурт — тоже."
    assert tok.decode(tok(text)["input_ids"]) == text
    assert render_generation_prompt(tok, PROMPT).endswith("<|im_start|>assistant\n")
    rows = generator.raw_batch(PROMPT, 2, GenerationParams(seed=1, max_new_tokens=4), Progress())
    assert len(rows) == 2

    pairs = [{"setup": "Встречаются два кота", "punchline": "и молчат."}]
    examples, stats = lm_examples(tok, [{"text": text}], pairs, 64)
    assert stats["plain_examples"] == 1 and stats["chat_examples"] == 1
    plain, chat = examples
    assert plain["input_ids"][0] == plain["input_ids"][-1] == tok.pad_token_id  # <|endoftext|>
    first_loss = next(i for i, t in enumerate(chat["labels"]) if t != IGNORE)
    assert tok.decode(chat["input_ids"][first_loss:]) == "и молчат.<|im_end|>"

    ranker_base = prepare_ranker_base(data, RankerRecipe(vocab_size=300, **small), tmp_path / "rk")
    ranker = load_ranker(ranker_base, backend="torch")
    assert "й" in ranker.tokenizer.tokenize("йогурт") or "##й" in str(
        ranker.tokenizer.tokenize("йогурт")
    )
    assert len(ranker.score(["Кот спит.", "Ёжик"])) == 2


def test_bigram_baseline_and_auc():
    from training.lite.degrade import roc_auc, shuffled_words, truncated_words
    from training.lite.ngram import BigramModel

    examples = [{"input_ids": [0, 1, 2, 1, 2, 0], "labels": [-100, 1, 2, 1, 2, 0]}]
    model = BigramModel(vocab_size=4).fit(examples)
    assert np.isclose(model.distribution(1).sum(), 1.0)
    assert model.bigram_logprob(1, 2) > model.bigram_logprob(1, 3)
    scores = model.nll(examples)
    assert scores["tokens"] == 5 and scores["bigram_nll"] < scores["unigram_nll"]
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([1, 1, 0, 0])) == 1.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5
    rng = np.random.default_rng(0)
    words = "раз два три четыре пять"
    assert sorted(shuffled_words(words, rng).split()) == sorted(words.split())
    assert words.startswith(truncated_words(words, rng))


def test_recipe_overrides():
    import argparse

    from training.lite.cli import apply_overrides
    from training.lite.recipe import Recipe

    recipe = apply_overrides(Recipe(), ["generator.epochs=0.5", "ranker.train_groups=10"])
    assert recipe.generator.epochs == 0.5 and recipe.ranker.train_groups == 10
    for bad in ("generator.nope=1", "epochs=1", "generator.layers=x"):
        with pytest.raises(argparse.ArgumentTypeError):
            apply_overrides(Recipe(), [bad])


def test_junk_negatives_are_what_the_filter_calls_junk_and_vary():
    """The lite ranker's junk negatives (training/lite/junk.py) are of the kinds the joke
    filter names, built from pieces so that no fixed sentence repeats; a group holds one of
    each next to the real ending, and needs no generator tokenizer (bigram skipped)."""
    from inference.text.joke_filter import is_assistant_talk, is_echo, is_label
    from training.lite.degrade import build_groups
    from training.lite.junk import MAKERS

    rng = np.random.default_rng(1)
    setup, other = (
        "Приходит мужик к врачу и говорит",
        "А в остальном всё хорошо, прекрасная маркиза.",
    )
    made = {kind: [make(setup, other, rng) for _ in range(60)] for kind, make in MAKERS.items()}
    variety = {kind: len(set(texts)) for kind, texts in made.items()}
    assert min(variety["assistant"], variety["label"], variety["debris"]) >= 30, variety
    assert variety["echo"] >= 4  # one beginning: whole, dashed, its tail, doubled
    # most are what the filter also calls assistant talk; the rest are what the gate adds
    assert np.mean([is_assistant_talk(t) for t in made["assistant"]]) > 0.5
    assert np.mean([is_label(t) for t in made["label"]]) > 0.4
    assert np.mean([is_echo(t, setup) for t in made["echo"]]) > 0.6
    pairs = [
        {"id": f"j{i}", "setup": setup + f" номер {i}", "punchline": f"Концовка номер {i} тут."}
        for i in range(3)
    ]
    groups = build_groups(pairs, [[], [], []], None, None, seed=3)
    kinds = {(t.group, t.kind) for t in groups}
    for pair in pairs:
        assert {(pair["id"], k) for k in ("real", "mismatched", *MAKERS)} <= kinds
    assert [t.label for t in groups if t.kind == "real"] == [1.0, 1.0, 1.0]
    again = build_groups(pairs, [[], [], []], None, None, seed=3)
    assert [t.text for t in again] == [t.text for t in groups]  # fixed by the seed


def test_the_bundled_gate_sets_assistant_talk_aside_whatever_the_ranker_says(tiny_ranker_dir):
    """A chosen ranker (here a tiny random one) orders; the bundled lite ranker gates: what an
    instruct model wrote instead of a punchline (replies seen from a real 0.5B chat model,
    none of them training text) is ranked below the real ending by the lite ranker; under a
    chosen ranker what the gate sets aside (the clearer half here) goes last with the
    reason, and a real ending is never set aside."""
    from inference.core.params import Candidate
    from inference.runs.pipeline import Pipeline
    from inference.runs.result import Result
    from inference.text.ranker import REASON_NOT_JOKE, read_gate_threshold

    assert read_gate_threshold(_bundle("ranker")) is not None
    settings = Settings()
    settings.models.ranker_dir, settings.models.ranker_backend = str(tiny_ranker_dir), "torch"
    settings.threads = 1
    talk = [
        "Да, я могу помочь вам с заданием! Пожалуйста, предоставьте мне начальное предложение.",
        "Извините за русский текст!",
        "Надеюсь, это поможет!",
        "Конечно! Вот краткая серия подобной шутки:",
    ]
    cases = {  # held-out beginnings of the bundled collection with their real endings
        "Фотография — искусство.": "До тех пор, пока вылетает птичка.",
        "Правда на твоей стороне?": "Имей в виду, при обстреле эта сторона наиболее опасна!",
    }
    for prompt, ending in cases.items():
        # the lite ranker ranking (no ranker chosen): the real ending comes first
        result = Result(prompt=prompt, candidates=[Candidate(t) for t in [*talk, ending]])
        Pipeline(Settings()).rank(result)
        order = [c.text for c in result.candidates]
        assert order[0] == ending and result.chosen_text == ending, order
        # a chosen ranker orders, the gate still sets its rejects last, never the real ending
        result = Result(prompt=prompt, candidates=[Candidate(t) for t in [*talk, ending]])
        Pipeline(settings).rank(result)
        assert all("joke_gate" in c.meta for c in result.candidates)
        aside = [c for c in result.candidates if c.meta.get("filtered_reason") == REASON_NOT_JOKE]
        assert ending not in {c.text for c in aside} and len(aside) >= 2  # not all: see card
        kept = len(result.candidates) - len(aside)
        assert all("filtered_reason" not in c.meta for c in result.candidates[:kept])
        assert not result.warnings


def test_the_gate_threshold_passes_95_percent_of_the_collections_validation_endings(
    tmp_path: Path, tiny_ranker_dir: Path
):
    """The threshold is set on the endings as the bundled collection has them (whole cuts,
    finished with a full stop, scored as the app scores a candidate), not on mid-sentence
    ``words`` cuts, which are continuation material and no ending."""
    from inference.core.params import full_joke
    from inference.text.ranker import load_ranker
    from training.data_files import jokes_file, pairs_file, write_json, write_jsonl
    from training.lite.ranker_build import gate_report

    data, groups = tmp_path / "data", tmp_path / "ranker-data"
    data.mkdir()
    groups.mkdir()

    def pair(split: str, i: int, kind: str) -> dict:
        setups = ("Сидит кот {i} на крыше", "Приходит {split} номер {i} к врачу и говорит")
        return {
            "id": f"{split}{i}",
            "setup": setups[i % 2].format(i=i, split=split),
            "punchline": f"доктор, я {i} раз",
            "kind": kind,
        }

    ranker = load_ranker(tiny_ranker_dir, backend="torch")

    def endings(pairs: list[dict]) -> np.ndarray:  # as the collection has them: a full stop
        return np.asarray(
            ranker.score([full_joke(p["setup"], p["punchline"] + ".") for p in pairs])
        )

    # Which validation pairs are mid-sentence ``words`` cuts is set after scoring: the 20
    # the (random-weight) model scores lowest, so that counting them in would move the
    # threshold, whatever the model prefers; the other 20 are whole endings.
    pool = [pair("validation", i, "dialogue") for i in range(40)]
    order = np.argsort(endings(pool), kind="stable")
    cuts = [{**pool[i], "kind": "words"} for i in order[:20]]
    whole = {"validation": [pool[i] for i in order[20:]]}
    whole["test"] = [pair("test", i, "dialogue") for i in range(20)]
    write_jsonl(pairs_file(data, "train"), [])
    write_jsonl(pairs_file(data, "validation"), whole["validation"] + cuts)
    write_jsonl(pairs_file(data, "test"), whole["test"])
    rows = [
        {"text": full_joke(p["setup"], p["punchline"]), "kind": kind, "targets": {}}
        for p in whole["test"]
        for kind in ("real", "assistant")
    ]
    for split in ("train", "validation", "test"):
        write_jsonl(jokes_file(groups, split), rows if split == "test" else [])
    write_json(groups / "report.json", {})

    report = gate_report(tiny_ranker_dir, groups, data)
    assert report["threshold"] == pytest.approx(np.quantile(endings(whole["validation"]), 0.05))
    everything = np.quantile(endings(whole["validation"] + cuts), 0.05)
    assert report["threshold"] != pytest.approx(everything)  # the words cuts are left out
    passed = float(np.mean(endings(whole["test"]) >= report["threshold"]))
    assert report["test_pass"]["real_collection"] == pytest.approx(passed)
    assert set(report["test_pass"]) == {"real", "assistant", "real_collection"}
