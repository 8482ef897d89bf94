"""Quality numbers of joke endings, counted with the candidate filter's own classifiers
(:mod:`inference.text.joke_filter`), so ``demotivator eval jokes`` measures exactly what the
filter acts on. Each flag is counted on its own (an ending can be talk *and* unfinished)."""

from __future__ import annotations

from typing import Any

from inference.text import joke_filter as jf

FLAGS = ("assistant_talk", "echo", "label", "unfinished", "non_russian", "duplicate")


def flags(text: str, prompt: str, earlier: list[str] | None = None) -> dict[str, bool]:
    return {
        "assistant_talk": jf.is_assistant_talk(text),
        "echo": jf.is_echo(text, prompt),
        "label": jf.is_label(text),
        "unfinished": jf.is_unfinished(text),
        "non_russian": jf.is_non_russian(text),
        "duplicate": any(jf.is_duplicate(text, e) for e in earlier or []),
    }


def describe(text: str, prompt: str, earlier: list[str] | None = None) -> dict[str, Any]:
    words = jf.russian_words(text)
    unknown = jf.unknown_words(text)
    return {
        "text": text,
        "flags": flags(text, prompt, earlier),
        "words": len(words),
        "unknown_words": unknown,
        "chars": len(text),
    }


def describe_all(texts: list[str], prompt: str) -> list[dict[str, Any]]:
    return [describe(t, prompt, texts[:i]) for i, t in enumerate(texts)]


def summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares of each flag, the share of unknown words among all words, the share of
    endings with more than one unknown word in ten, and the mean length."""
    n = len(items)
    out: dict[str, Any] = {"count": n}
    for flag in FLAGS:
        out[flag] = sum(i["flags"][flag] for i in items) / n if n else 0.0
    words = sum(i["words"] for i in items)
    out["unknown_words"] = sum(len(i["unknown_words"]) for i in items) / words if words else 0.0
    out["mostly_known"] = (
        sum(len(i["unknown_words"]) <= jf.MAX_UNKNOWN_WORD_SHARE * i["words"] for i in items) / n
        if n
        else 0.0
    )
    out["mean_chars"] = sum(i["chars"] for i in items) / n if n else 0.0
    return out
