"""`demotivator eval jokes` on the tiny real-architecture generator: the report's numbers
come from the filter's own classifiers, the JSON and the table agree, bad input is one
line and exit 1."""

from __future__ import annotations

import json

import pytest

from demotivator.cli import main
from inference.text import joke_metrics as jm

PROMPTS = "Заходит как-то программист в бар\n\nВстречаются два кота\n"


def test_metrics_count_each_flag_on_its_own() -> None:
    items = jm.describe_all(
        ["Извините за путаницу.", "Встречаются два кота и", "Мяу.", "мяу!"],
        "Встречаются два кота",
    )
    s = jm.summary(items)
    assert s["count"] == 4
    assert s["assistant_talk"] == 0.25
    assert s["echo"] == 0.25 and s["unfinished"] == 0.25
    assert s["duplicate"] == 0.25  # «мяу!» copies «Мяу.»
    assert s["unknown_words"] == 0.0 and s["mostly_known"] == 1.0
    assert s["mean_chars"] == pytest.approx(sum(len(i["text"]) for i in items) / 4)


@pytest.mark.parametrize("baseline", [False, True])
def test_eval_jokes_reports_per_prompt_and_in_total(
    tmp_path, capsys, tiny_generator_onnx_dir, baseline
) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text(PROMPTS, encoding="utf-8")
    out = tmp_path / "report.json"
    args = ["eval", "jokes", str(prompts), "--generator", str(tiny_generator_onnx_dir)]
    args += ["--candidates", "3", "--seed", "2", "--threads", "1", "--json", str(out)]
    assert main(args + (["--baseline"] if baseline else [])) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["baseline"] is baseline and report["candidates"] == 3
    assert [r["prompt"] for r in report["prompts"]] == [
        "Заходит как-то программист в бар",
        "Встречаются два кота",
    ]
    for row in report["prompts"]:
        assert row["generated"], row
        assert set(row["generated"][0]["flags"]) == set(jm.FLAGS)
        assert row["timings"]["generate"] > 0
        # every ending written is either ranked or dropped with its reason
        assert len(row["generated"]) == len(row["ranked"]) + len(row["dropped"])
        assert all(d["reason"] for d in row["dropped"]) or baseline
        texts = [g["text"] for g in row["generated"]]
        assert all(r["text"] in texts or r["source"] == "collection" for r in row["ranked"])
    total = report["total"]
    assert total["prompts"] == 2
    assert total["generated"]["count"] == sum(len(r["generated"]) for r in report["prompts"])
    assert set(jm.FLAGS) <= set(total["chosen"])
    table = capsys.readouterr().out
    assert "Заходит как-то программист в бар" in table and "ВСЕГО" in table


def test_eval_jokes_bad_input_is_one_line(tmp_path, capsys) -> None:
    assert main(["eval", "jokes", str(tmp_path / "missing.txt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.txt" in err[0]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    assert main(["eval", "jokes", str(empty)]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
