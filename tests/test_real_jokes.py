"""The done-when of the joke engine on real weights (not run in CI): set
DEMOTIVATOR_REAL_GENERATOR to a real instruct model's folder (PyTorch weights, or an ONNX
export with DEMOTIVATOR_REAL_BACKEND=onnx). No chosen ending may be assistant talk, a label,
an echo or unfinished, and assistant talk stays at most 10 % of what reaches the ranker."""

from __future__ import annotations

import json
import os

import pytest

from demotivator.cli import main

FOLDER = os.environ.get("DEMOTIVATOR_REAL_GENERATOR", "")
BACKEND = os.environ.get("DEMOTIVATOR_REAL_BACKEND", "torch")
PROMPTS = ["Приходит мужик к врачу", "Встречаются два кота", "Штирлиц шёл по лесу"]

pytestmark = pytest.mark.skipif(not FOLDER, reason="DEMOTIVATOR_REAL_GENERATOR is not set")


def test_real_instruct_model_gives_joke_endings(tmp_path) -> None:
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(PROMPTS), encoding="utf-8")
    out = tmp_path / "report.json"
    args = ["eval", "jokes", str(prompts), "--generator", FOLDER, "--backend", BACKEND]
    assert main([*args, "--candidates", "8", "--seed", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    for row in report["prompts"]:
        assert row["chosen"], row["error"]
        flags = row["chosen"]["flags"]
        assert not (flags["assistant_talk"] or flags["label"] or flags["echo"]), row["chosen"]
        assert not flags["unfinished"], row["chosen"]
    assert report["total"]["ranked"]["assistant_talk"] <= 0.10
