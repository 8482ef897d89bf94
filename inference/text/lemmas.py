"""Words of a Russian (or English) text with their dictionary forms, via pymorphy3.

Shared by the lite illustrator at run time and by its build script (which lemmatizes the
CLDR emoji keywords the same way, so both sides of the match agree). pymorphy3 is imported
lazily: loading its dictionaries takes ~0.2 s and only the lite illustrator needs them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

# Cyrillic or Latin words, hyphenated compounds kept whole ("как-то", "Винни-Пух").
WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*")
_CYRILLIC_RE = re.compile(r"[А-Яа-яЁё]")
_lock = threading.Lock()


@dataclass(frozen=True)
class Word:
    surface: str  # as written in the text
    lemma: str  # dictionary form, lower case, "ё" written as "е"
    pos: str  # pymorphy3 part of speech (NOUN, VERB, ADJF…); "LATN" for a Latin word
    case: str  # grammatical case of a noun ("nomn" = the subject), else ""
    position: int  # index of the word in the text
    animate: bool = False  # a living noun (people, animals: likely the joke's hero)


def normalize(text: str) -> str:
    """Lower case with "ё" folded into "е": CLDR and jokes spell it both ways."""
    return text.lower().replace("ё", "е")


@cache
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def analyzer() -> Any:
    with _lock:  # the first load must not race between the GUI's worker threads
        return _analyzer()


def english_lemma(word: str) -> str:
    """A rough English singular: enough to match "cats" to "cat", "boxes" to "box"."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@lru_cache(maxsize=16384)  # jokes repeat their words; pymorphy3 is pure Python
def parse_word(surface: str) -> tuple[str, str, str, bool]:
    """(lemma, part of speech, case, animate) of one word; Latin words get a rough English
    lemma and no grammar."""
    if not _CYRILLIC_RE.search(surface):
        return english_lemma(surface), "LATN", "", False
    parse = analyzer().parse(surface)[0]
    tag = parse.tag
    pos = str(tag.POS or "")
    is_noun = pos == "NOUN"
    case = str(tag.case or "") if is_noun else ""
    return normalize(parse.normal_form), pos, case, is_noun and tag.animacy == "anim"


def words(text: str) -> list[Word]:
    """Every word of ``text`` in order, with its lemma."""
    out: list[Word] = []
    for i, match in enumerate(WORD_RE.finditer(text or "")):
        surface = match.group(0)
        lemma, pos, case, animate = parse_word(surface)
        out.append(Word(surface, lemma, pos, case, i, animate))
    return out


def is_known(word: str) -> bool:
    """Whether the Russian dictionary knows ``word`` (used to repair CLDR spellings)."""
    return bool(analyzer().word_is_known(word))
