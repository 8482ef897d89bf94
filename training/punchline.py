"""Setup → punchline splitting for the generator's training pairs (pure functions).

At inference the user types the beginning of a joke and the model writes the ending, so a
training pair is (setup, punchline) cut from one joke. The methods, tried in order (the
order and the set are configurable, see :class:`PairConfig`):

``dialogue``
    The joke has two or more lines and the last one is a reply (starts with a dash): the
    punchline is that last reply, dash included (``— Так ведь знак висит!``); the setup is
    every line before it.
``sentence``
    The punchline is the last sentence (or the last line of a multi-line narrative); the
    setup is everything before it.
``turn``
    A one-sentence joke is cut after its last turn marker — a colon, a dash between words,
    or ``, а`` / ``, но`` — the setup keeps the marker (``…, машинист —``), the punchline
    is the rest.

A cut is kept only if the setup has at least ``min_setup_chars``, the punchline is between
``min_punchline_chars`` and ``max_punchline_chars`` and at most ``max_punchline_share`` of
the whole joke; otherwise the joke is left out of the pair set and its reason counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

METHODS = ("dialogue", "sentence", "turn")

_DIALOGUE_LINE = re.compile(r"^[—–-]\s*\S")
# End of a sentence: terminal punctuation (plus closing quotes/brackets), whitespace, then
# something that can open a sentence (capital letter, digit, dash, opening quote).
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»\"')]*\s+(?=[«\"(]?[A-ZА-ЯЁ0-9—–-])")
_TURN = re.compile(r"(:\s+|\s[—–]\s+|,\s+(?:а|но)\s+)")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class PairConfig:
    methods: tuple[str, ...] = METHODS
    min_setup_chars: int = 15
    min_punchline_chars: int = 3
    max_punchline_chars: int = 300
    max_punchline_share: float = 0.75


@dataclass(frozen=True)
class JokeSplit:
    setup: str = ""
    punchline: str = ""
    kind: str = ""  # the method that made the cut; empty when the joke was left out
    reason: str = ""  # why it was left out (a report counter key)

    @property
    def ok(self) -> bool:
        return bool(self.kind)


def split_dialogue(text: str) -> tuple[str, str] | None:
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2 or not _DIALOGUE_LINE.match(lines[-1].strip()):
        return None
    return "\n".join(lines[:-1]).strip(), lines[-1].strip()


def split_last_sentence(text: str) -> tuple[str, str] | None:
    """Cut at the last line break or sentence end that leaves a non-empty ending."""
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    cuts += [m.end() for m in re.finditer(r"\n+", text)]
    for cut in sorted(set(cuts), reverse=True):
        setup, punchline = text[:cut].strip(), text[cut:].strip()
        if setup and punchline:
            return setup, punchline
    return None


def split_turn(text: str) -> tuple[str, str] | None:
    """Cut a one-sentence joke after its last turn marker (the marker stays in the setup)."""
    matches = list(_TURN.finditer(text))
    for m in reversed(matches):
        setup, punchline = text[: m.end()].strip(), text[m.end() :].strip()
        if setup and punchline:
            return setup, punchline
    return None


_SPLITTERS = {"dialogue": split_dialogue, "sentence": split_last_sentence, "turn": split_turn}


def _problem(setup: str, punchline: str, whole: int, cfg: PairConfig) -> str | None:
    if len(setup) < cfg.min_setup_chars or not _LETTER.search(setup):
        return "setup_too_short"
    if len(punchline) < cfg.min_punchline_chars or not _LETTER.search(punchline):
        return "punchline_too_short"
    if len(punchline) > cfg.max_punchline_chars or len(punchline) > cfg.max_punchline_share * whole:
        return "punchline_too_long"
    return None


def split_joke(text: str, cfg: PairConfig = PairConfig()) -> JokeSplit:
    """The first acceptable cut by ``cfg.methods``; if none, the reason of the first method
    that found a cut at all (``no_boundary`` when none did)."""
    text = text.strip()
    first_problem = ""
    for method in cfg.methods:
        cut = _SPLITTERS[method](text)
        if cut is None:
            continue
        problem = _problem(cut[0], cut[1], len(text), cfg)
        if problem is None:
            return JokeSplit(setup=cut[0], punchline=cut[1], kind=method)
        first_problem = first_problem or problem
    return JokeSplit(reason=first_problem or "no_boundary")
