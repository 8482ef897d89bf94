"""Which emoji a joke is about: word lemmas matched against an emoji index.

The index (``resources/lite_illustrator/emoji_index.json``, built by
``training/lite_illustrator_build.py``) maps a lemma — Russian via pymorphy3, English by a
rough singular — to a few emoji with weights, from the CLDR names and keywords plus a
hand-curated alias list for common joke nouns. Here the joke's words are weighed (nouns over
verbs and adjectives, the grammatical subject and early words first) and 1–3 emoji chosen.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from inference.text import lemmas

INDEX_FILE = "emoji_index.json"
SPRITES_FILE = "emoji_sprites.zip"
VS16 = "\ufe0f"  # emoji presentation selector: the index stores emoji without it

POS_FACTOR = {
    "NOUN": 1.0,
    "LATN": 1.0,
    "EMOJI": 1.2,  # an emoji typed into the joke is the clearest hint there is
    "VERB": 0.55,
    "INFN": 0.55,
    "ADJF": 0.5,
    "ADJS": 0.4,
    "PRTF": 0.4,
    "GRND": 0.4,
}
# Who the joke is about: a living noun, best in the nominative (for lifeless nouns the
# nominative looks like the accusative — "летят на Марс" — so they get no bonus).
ANIMATE_BONUS = 1.1
SUBJECT_BONUS = 1.2
REPEAT_BONUS = 0.15  # per extra mention of the same lemma
# Emoji within this share of a lemma's best are good too (the curated second choice, 🐈 for
# 🐱): the seed takes one of them now and then, so «другая картинка» can show another.
NEAR_TOP = 0.9
BEST_SHARE = 0.65  # how often the best one is taken
MIN_SIDE_SHARE = 0.2  # a side emoji must score at least this share of the main one
MIN_SCORE = 0.6  # below: a verb matched inside a longer name ("пускает слюни"), too loose
CURATED = 5.0  # index weights from the hand-made alias list start here
CURATED_POS_FLOOR = 0.9  # a curated word is meant to be drawn, even as an adjective


def sprite_name(emoji: str) -> str:
    """File name of an emoji's sprite: its code points in hex ("1f431.webp")."""
    return "-".join(f"{ord(ch):x}" for ch in emoji) + ".webp"


@dataclass(frozen=True)
class EmojiIndex:
    ru: dict[str, dict[str, float]]
    en: dict[str, dict[str, float]]
    fallback: tuple[str, ...]
    stop_ru: frozenset[str]
    stop_en: frozenset[str]
    emoji: frozenset[str]  # every emoji with a sprite
    names: dict[str, str] = field(default_factory=dict)  # emoji → Russian CLDR name
    scenes: dict[str, frozenset[str]] = field(default_factory=dict)  # scene → lemmas
    depicted: dict[str, frozenset[str]] = field(default_factory=dict)  # drawn by the scene
    longest: int = 1  # longest emoji in code points, for scanning text

    def lookup(self, lemma: str, lang: str) -> dict[str, float]:
        table, stop = (self.ru, self.stop_ru) if lang == "ru" else (self.en, self.stop_en)
        if lemma in stop or len(lemma) < 2:
            return {}
        return table.get(lemma, {})


@cache
def load_index(folder: Path) -> EmojiIndex:
    data = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    emoji = frozenset(data["emoji"])
    return EmojiIndex(
        ru=data["ru"],
        en=data["en"],
        fallback=tuple(data["fallback"]),
        stop_ru=frozenset(data["stop"]["ru"]),
        stop_en=frozenset(data["stop"]["en"]),
        emoji=emoji,
        names=data.get("names", {}),
        scenes={name: frozenset(words) for name, words in data.get("scenes", {}).items()},
        depicted={name: frozenset(ws) for name, ws in data.get("depicted", {}).items()},
        longest=max((len(e) for e in emoji), default=1),
    )


@dataclass
class Mention:
    """One thing the text talks about: a lemma (or a typed emoji) and its candidates."""

    key: str
    surface: str
    position: int
    pos: str
    case: str
    candidates: dict[str, float]
    animate: bool = False
    count: int = 1

    @property
    def score(self) -> float:
        best = max(self.candidates.values())
        factor = POS_FACTOR.get(self.pos, 0.0)
        if best >= CURATED and factor > 0:  # "русский" (ADJF) in «русский, немец и…»
            factor = max(factor, CURATED_POS_FLOOR)
        if self.animate:
            factor *= ANIMATE_BONUS * (SUBJECT_BONUS if self.case == "nomn" else 1.0)
        factor *= 1.0 / (1.0 + 0.03 * self.position)  # the beginning sets the scene
        factor *= 1.0 + REPEAT_BONUS * (self.count - 1)
        return best * factor


@dataclass(frozen=True)
class Pick:
    emoji: str
    word: str  # the word of the text it stands for; "" for a fallback
    score: float


def text_emoji(text: str, index: EmojiIndex) -> list[tuple[int, str]]:
    """Emoji typed into the text that we have sprites for, longest match first."""
    text = text.replace(VS16, "")
    found, i = [], 0
    while i < len(text):
        for length in range(min(index.longest, len(text) - i), 0, -1):
            if text[i : i + length] in index.emoji:
                found.append((i, text[i : i + length]))
                i += length
                break
        else:
            i += 1
    return found


def mentions(text: str, index: EmojiIndex, weight: float = 1.0) -> list[Mention]:
    """Every word (or typed emoji) of ``text`` that the index can draw, merged by lemma."""
    found: list[Mention] = []
    for word in lemmas.words(text):
        lang = "en" if word.pos == "LATN" else "ru"
        candidates = index.lookup(word.lemma, lang)
        if not candidates and "-" in word.lemma:  # "кот-программист": try the parts
            for part in word.lemma.split("-"):
                lemma, pos, case, animate = lemmas.parse_word(part)
                if candidates := index.lookup(lemma, lang):
                    word = lemmas.Word(word.surface, lemma, pos, case, word.position, animate)
                    break
        if candidates and POS_FACTOR.get(word.pos, 0.0) > 0:
            scaled = {e: w * weight for e, w in candidates.items()}
            found.append(
                Mention(
                    word.lemma,
                    word.surface,
                    word.position,
                    word.pos,
                    word.case,
                    scaled,
                    word.animate,
                )
            )
    for rank, (_, emoji) in enumerate(text_emoji(text, index)):
        found.append(Mention(emoji, emoji, rank, "EMOJI", "", {emoji: 6.0 * weight}))
    by_key: dict[str, Mention] = {}
    for mention in found:
        first = by_key.setdefault(mention.key, mention)
        if first is not mention:
            first.count += 1
            if mention.case == "nomn":
                first.case = "nomn"
    return list(by_key.values())


def choose_emoji(
    text: str,
    index: EmojiIndex,
    rng: random.Random,
    max_count: int = 3,
    extra_text: str = "",
    skip: frozenset[str] = frozenset(),
) -> list[Pick]:
    """1–``max_count`` emoji for ``text``, the main subject first; a fallback face if
    nothing matches. ``extra_text`` (e.g. the English visual prompt) counts for half;
    lemmas in ``skip`` (what the background already shows: the sea, the Moon) are left out."""
    found = mentions(text, index)
    if extra_text:
        found += mentions(extra_text, index, weight=0.5)
    found = [m for m in found if m.key not in skip]
    found.sort(key=lambda m: (-m.score, m.position))
    picks: list[Pick] = []
    for mention in found:
        if len(picks) >= max_count:
            break
        if mention.score < MIN_SCORE or (picks and mention.score < MIN_SIDE_SHARE * picks[0].score):
            break
        emoji = _pick_candidate(mention.candidates, {p.emoji for p in picks}, rng)
        if emoji is not None:
            picks.append(Pick(emoji, mention.surface, round(mention.score, 3)))
    if not picks and index.fallback:
        picks.append(Pick(rng.choice(index.fallback), "", 0.0))
    return picks


def _pick_candidate(
    candidates: dict[str, float], taken: set[str], rng: random.Random
) -> str | None:
    """The best emoji for a mention, or now and then an almost as good one; None when one
    of them is already drawn ("врач" after "доктор" is the same person, not a second one)."""
    best = max(candidates.values())
    near = [e for e, w in candidates.items() if w >= NEAR_TOP * best]  # best first: stable
    if taken.intersection(near):
        return None
    if len(near) == 1 or rng.random() < BEST_SHARE:
        return near[0]
    return rng.choice(near[1:])
