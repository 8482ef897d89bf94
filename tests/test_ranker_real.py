"""The bundled lite ranker on a real instruct model's candidates: real endings of held-out
beginnings must score above what the model writes instead of a punchline (assistant talk,
labels, echoes as the joke filter names them). Needs DEMOTIVATOR_REAL_GENERATOR (a real
instruct model's folder, PyTorch weights); skipped otherwise, and not run in CI (minutes)."""

from __future__ import annotations

import os

import numpy as np
import pytest

FOLDER = os.environ.get("DEMOTIVATOR_REAL_GENERATOR", "")
pytestmark = pytest.mark.skipif(not FOLDER, reason="DEMOTIVATOR_REAL_GENERATOR is not set")
PROMPTS = int(os.environ.get("DEMOTIVATOR_REAL_PROMPTS", "6"))
JUNK = {"assistant_talk", "echo", "label"}


def test_lite_ranker_puts_real_endings_above_assistant_talk_and_echoes():
    import random

    from inference.core.params import GenerationParams, full_joke
    from inference.core.progress import Progress
    from inference.models.model_manager import bundled_model_dir
    from inference.text.generator import load_generator
    from inference.text.joke_corpus import load_pairs
    from inference.text.joke_filter import judge
    from inference.text.postprocess import clean_ending, strip_prompt_echo
    from inference.text.ranker import load_ranker
    from training.lite.degrade import roc_auc

    pairs = [p for p in load_pairs() if p.split == "test" and p.source != "ru-proverbs"]
    pairs = [p for p in pairs if len(p.setup) > 25]
    random.Random(3).shuffle(pairs)
    generator = load_generator(FOLDER, backend="torch", threads=2)
    ranker = load_ranker(bundled_model_dir("ranker"), backend="onnx", threads=1)
    real, junk = [], []
    for i, pair in enumerate(pairs[:PROMPTS]):
        # the bare beginning, no few-shot examples: the setting where chat models talk most
        rows = generator.raw_batch(
            pair.setup, 8, GenerationParams(seed=100 + i, max_new_tokens=48), Progress()
        )
        texts = [clean_ending(strip_prompt_echo(clean_ending(r["text"]), pair.setup)) for r in rows]
        bad = [t for t in texts if judge(t, pair.setup).reason in JUNK]
        scores = ranker.score([full_joke(pair.setup, t) for t in [pair.punchline, *bad]])
        real.append(scores[0])
        junk += scores[1:]
    assert junk, "the model wrote no assistant talk at all: nothing to compare"
    labels = np.r_[np.ones(len(real)), np.zeros(len(junk))]
    auc = roc_auc(np.r_[real, junk], labels)
    print(f"real {len(real)}, junk {len(junk)}, AUC {auc:.3f}")
    assert auc > 0.75
    assert np.median(real) > np.median(junk)
