"""The candidate filter between generation and ranking, as pure functions over strings.

An instruct model asked for a punchline often answers as a chatbot («Извините за путаницу.»,
«Конечно! Вот вариант:», "Sure! Here…"), labels its answer («По-русски: …»), repeats the
beginning, stops mid-sentence or writes an essay. Each rule below is one classifier; the
first that fires names the reason a candidate is dropped (:data:`REASONS`). The rules are
about the *kind* of text (a reply to a user, a heading, a copy), not about one model's
phrases, so they hold for any instruct model. ``demotivator eval jokes`` counts with the
same classifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inference.core.params import Candidate
from inference.text.postprocess import has_content, normalise, similarity

REASON_EMPTY = "empty"
REASON_THINKING = "thinking"
REASON_ASSISTANT = "assistant_talk"
REASON_LABEL = "label"
REASON_ECHO = "echo"
REASON_UNFINISHED = "unfinished"
REASON_LONG = "over_long"
REASON_FRAGMENT = "fragment"
REASON_NON_RUSSIAN = "non_russian"
REASON_NON_WORDS = "unknown_words"
REASON_DUPLICATE = "duplicate"
REASON_SURPLUS = "surplus"  # usable, but more than were asked for
REASONS = (
    REASON_EMPTY,
    REASON_THINKING,
    REASON_ASSISTANT,
    REASON_LABEL,
    REASON_ECHO,
    REASON_NON_RUSSIAN,
    REASON_NON_WORDS,
    REASON_UNFINISHED,
    REASON_FRAGMENT,
    REASON_LONG,
    REASON_DUPLICATE,
    REASON_SURPLUS,
)

# A poster never shows these; the other reasons are about quality (an unfinished phrase, a
# made-up word): when nothing better is left, the best of those are shown with a warning.
HARD_REASONS = frozenset(
    {REASON_EMPTY, REASON_THINKING, REASON_ASSISTANT, REASON_LABEL, REASON_ECHO, REASON_DUPLICATE}
)
SOFT_ORDER = (
    REASON_LONG,
    REASON_FRAGMENT,
    REASON_NON_WORDS,
    REASON_UNFINISHED,
    REASON_NON_RUSSIAN,
)

MAX_SENTENCES = 2
MAX_ENDING_CHARS = 240  # two long sentences; a poster subtitle holds about four lines
MIN_CYRILLIC_SHARE = 0.7  # of all letters
# Words no Russian dictionary knows («свойние», «вобилия»): a small model's made-up words.
# One in ten is allowed (names, slang); more reads as gibberish.
MAX_UNKNOWN_WORD_SHARE = 0.1
ECHO_SIMILARITY = 0.75  # character overlap with the beginning that makes a near copy
ECHO_RUN_WORDS = 4  # this many words of the beginning in a row, copied, is an echo
STEM_CHARS = 5  # a crude Russian stem: «приходит» and «приходят» are the same word here

_THINK_BLOCK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_THINK_TAG_RE = re.compile(r"</?think>", re.I)

# A reply addressed to the user: openers of apology, consent, presentation and diagnosis.
_W = r"(?=[\s,.!:;—-]|$)"  # end of a word
_TALK_OPENERS_RU = (
    r"извин\w*",
    r"прошу прощени\w*",
    r"простите",
    r"к сожалению",
    r"конечно",
    r"разумеется",
    r"безусловно",
    r"с удовольствием",
    r"хорошо,",
    r"отлично[,!]",
    r"понял\w*[,!.]",
    r"ок[,!.]",
    r"спасибо",
    r"пожалуйста[,!.]",
    r"надеюсь",
    r"вот\s+(?:\w+\s+)?(?:вариант|пример|исправлен|продолжени|концовк|шутк|анекдот|ответ"
    r"|перевод|текст|верси|ваш|мой|одн)\w*",
    r"(?:похоже|кажется|видимо),?\s+(?:что\s+)?вы",
    r"вы\s+(?:хотите|имели|просили|написали|спрашиваете|можете|правы|ошиблись)\w*",
    r"(?:давайте|позвольте|поговорим|обсудим)",
    # an ending that opens by addressing the reader as «вы» talks to the user
    r"(?:вы|вам|вас|ваш\w*)",
    r"я\s+(?:не\s+)?(?:могу|понимаю|понял|поняла|сожалею|извиняюсь|—\s*ии|ии|языков)\w*",
    r"как\s+(?:ии|языковая модель|искусственный интеллект)",
    r"(?:эта|данная|ваша)\s+(?:шутка|фраза|история)",
    r"(?:этот|данный|ваш)\s+(?:анекдот|текст|вариант)",
    r"(?:примечание|пояснение|объяснение|перевод)\b",
)
_TALK_OPENERS_EN = (
    r"sure",
    r"of course",
    r"certainly",
    r"absolutely",
    r"here(?:'s| is| are)",
    r"(?:i'm|i am) sorry",
    r"sorry",
    r"i apologi[sz]e",
    r"i (?:can't|cannot|can not|don't|do not|understand|hope)",
    r"as an ai",
    r"it (?:seems|looks like)",
    r"(?:let me|let's)",
    r"(?:great|okay|ok|alright)[,!.]",
    r"note:",
    r"translation",
)
# Not after a dash: «— Извините, доктор…» is a character speaking, not the model.
_TALK_OPENER_RE = re.compile(
    r"^[\s«\"'*#>]*(?:" + "|".join(_TALK_OPENERS_RU + _TALK_OPENERS_EN) + r")" + _W, re.I
)
# Talk about the task anywhere in the text: the model explains instead of joking.
_TALK_ANYWHERE_RE = re.compile(
    r"\b(?:концовк\w*|продолжени[ея] (?:шутки|анекдота)|исправленн\w* верси\w*"
    r"|по-русски|на русском языке|без кавычек|без пояснений|ваш\w* запрос\w*"
    r"|могу помочь|помо(?:чь|гу|гаю|жем)\w*\s+(?:вам|вас|тебе)"
    r"|языков\w* модел\w*|искусственн\w* интеллект\w*"
    r"|смешн\w* (?:конец|концовк\w*|шутк\w*|анекдот\w*|истори\w*|фраз\w*)"
    r"|here is|here's|i can't|as an ai|language model)\b",
    re.I,
)
# A heading or lead-in: «Ответ:», «По-русски:», «Без кавычек: "…"».
_LABEL_WORDS = (
    r"ответ|концовка|продолжение|шутка|анекдот|пример|вариант|перевод|итог|вывод|примечание"
    r"|answer|ending|punchline|joke|example|translation|output|result"
)
_LABEL_RE = re.compile(rf"^\s*(?:{_LABEL_WORDS})\s*\d*\s*[:：]", re.I)
_LEAD_IN_RE = re.compile(r"^\s*([^\s:：.!?«\"—–-][^:：.!?\n«\"]{0,30}?)\s*[:：]\s*(.*)$", re.S)
_SENTENCE_RE = re.compile(r"[^.!?…]*(?:[.!?…]+[»\"”')\]]*|$)", re.S)
_FINISHED_RE = re.compile(r"(?:[.!?…][»\"”')\]]*|\)\)+)$")
_CYRILLIC_RE = re.compile(r"[а-яё]", re.I)


def strip_thinking(text: str) -> str:
    """A reasoning model's ``<think>…</think>`` block removed (an unclosed one runs to the
    end: the model never got to its answer)."""
    return _THINK_TAG_RE.sub("", _THINK_BLOCK_RE.sub("", text)).strip()


def is_assistant_talk(text: str) -> bool:
    first = text.strip().split("\n", 1)[0]
    return bool(_TALK_OPENER_RE.search(first) or _TALK_ANYWHERE_RE.search(text))


def is_label(text: str) -> bool:
    """A heading or lead-in: ends with a colon, starts with a label word and a colon, or
    starts with a short phrase and a colon that is not someone speaking."""
    stripped = text.strip()
    if stripped.endswith((":", "：")) or _LABEL_RE.search(stripped):
        return True
    match = _LEAD_IN_RE.match(stripped)
    if not match:
        return False
    head = match.group(1).split()
    return len(head) <= 3 and not _is_speaker(head)


def _is_speaker(words: list[str]) -> bool:
    """«Врач: …», «Один другому: …», «Он сказал: …»: a subject, an addressee or a verb
    of the present or past before the colon makes it a line of dialogue."""
    from inference.text.lemmas import analyzer

    morph = analyzer()
    for word in words:
        tag = morph.parse(word)[0].tag
        if tag.POS in ("NOUN", "NPRO", "NUMR", "ADJF") and tag.case in ("nomn", "datv"):
            return True
        if tag.POS == "VERB" and tag.mood != "impr":
            return True
    return False


def is_echo(text: str, prompt: str) -> bool:
    """The ending repeats the beginning: contains it, is a near copy, uses only its words,
    or copies a run of :data:`ECHO_RUN_WORDS` of its words."""
    ne, np_ = normalise(text), normalise(prompt)
    if not ne or not np_:
        return False
    if np_ in ne or ne in np_ or similarity(text, prompt) >= ECHO_SIMILARITY:
        return True
    mine = {w[:STEM_CHARS] for w in ne.split() if len(w) > 2}
    if mine and mine <= {w[:STEM_CHARS] for w in np_.split()}:
        return True  # only the beginning's own words, reordered («Студент приходит на экзамен»)
    pw, ew = np_.split(), f" {ne} "
    run = min(ECHO_RUN_WORDS, len(pw))
    if run < 2:
        return False
    return any(f" {' '.join(pw[i : i + run])} " in ew for i in range(len(pw) - run + 1))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def is_unfinished(text: str) -> bool:
    return not _FINISHED_RE.search(text.strip())


def is_fragment(text: str) -> bool:
    """One lower-case word that is no verb and no line of dialogue («для.», «после.»,
    «собеса.»): a scrap, not an ending. «разбежались.» (a whole predicate), «— Священник.»
    and «Мяу!» (a capitalised word or an exclamation) still count."""
    from inference.text.lemmas import analyzer

    stripped = text.strip()
    words = stripped.split()
    if len(words) != 1 or not stripped[:1].islower() or stripped.endswith(("!", "?")):
        return False
    word = stripped.strip(".…,;:»\"'()")
    return analyzer().parse(word)[0].tag.POS != "VERB"


def is_over_long(text: str) -> bool:
    return len(sentences(text)) > MAX_SENTENCES or len(text.strip()) > MAX_ENDING_CHARS


def cyrillic_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(bool(_CYRILLIC_RE.match(ch)) for ch in letters) / len(letters)


def is_non_russian(text: str) -> bool:
    return cyrillic_share(text) < MIN_CYRILLIC_SHARE


def russian_words(text: str) -> list[str]:
    from inference.text.lemmas import WORD_RE

    return [w for w in WORD_RE.findall(text) if _CYRILLIC_RE.search(w)]


def unknown_words(text: str) -> list[str]:
    """The Cyrillic words of ``text`` that pymorphy3's dictionary does not know (names
    with a capital letter inside a sentence are not counted)."""
    from inference.text.lemmas import analyzer

    morph = analyzer()
    out = []
    for i, word in enumerate(russian_words(text)):
        if i > 0 and word[:1].isupper():
            continue
        if not morph.word_is_known(word.lower().replace("ё", "е")) and not morph.word_is_known(
            word.lower()
        ):
            out.append(word)
    return out


def unknown_word_share(text: str) -> float:
    words = russian_words(text)
    return len(unknown_words(text)) / len(words) if words else 0.0


def trim_sentences(text: str, limit: int = MAX_SENTENCES) -> str:
    """The first ``limit`` sentences (line breaks of a dialogue kept)."""
    parts = sentences(text)
    if len(parts) <= limit:
        return text.strip()
    end, pos = 0, 0
    for part in parts[:limit]:
        pos = text.find(part, pos)
        end = pos + len(part)
        pos = end
    return text[:end].strip()


def reject_reason(text: str, prompt: str, raw: str = "") -> str | None:
    """Why ``text`` (a cleaned ending) is no joke ending, or None when it is one. ``raw``
    (the text before clean-up) is checked for a reasoning block."""
    if raw and _THINK_TAG_RE.search(raw) and not strip_thinking(raw):
        return REASON_THINKING
    if not has_content(text):
        return REASON_EMPTY
    if is_assistant_talk(text):
        return REASON_ASSISTANT
    if is_label(text):
        return REASON_LABEL
    if is_echo(text, prompt):
        return REASON_ECHO
    if is_non_russian(text):
        return REASON_NON_RUSSIAN
    if unknown_word_share(text) > MAX_UNKNOWN_WORD_SHARE:
        return REASON_NON_WORDS
    if is_fragment(text):
        return REASON_FRAGMENT
    if is_unfinished(text):
        return REASON_UNFINISHED
    if is_over_long(text):
        return REASON_LONG
    return None


@dataclass
class Verdict:
    text: str  # the ending as it reaches the ranker (trimmed to two sentences)
    reason: str | None = None  # None: kept
    trimmed: bool = False
    notes: list[str] = field(default_factory=list)


def judge(text: str, prompt: str, raw: str = "") -> Verdict:
    """The verdict on one ending: over-long ones are cut to :data:`MAX_SENTENCES` sentences
    first (the later sentences of a model's answer are mostly explanation), then every
    rule runs on the cut text."""
    cut = trim_sentences(text) if len(sentences(text)) > MAX_SENTENCES else text.strip()
    return Verdict(cut, reject_reason(cut, prompt, raw), trimmed=cut != text.strip())


def is_duplicate(a: str, b: str, threshold: float = 0.9) -> bool:
    return similarity(a, b) >= threshold


SOURCE_COLLECTION = "collection"  # Candidate.meta["source"] of a real ending from the collection


def screen(
    candidates: list[Candidate], prompt: str, limit: int | None = None
) -> tuple[list[Candidate], list[Candidate]]:
    """``(kept, dropped)`` Candidates: generated ones judged by every rule (kept ones cut to
    two sentences, at most ``limit`` of them), real endings from the collection only for
    being empty or a duplicate; each dropped one carries ``meta["filtered_reason"]``."""
    kept: list[Candidate] = []
    dropped: list[Candidate] = []
    generated = 0
    for cand in candidates:
        cand.meta.pop("filtered_reason", None)  # screened again after a top-up round
        from_collection = cand.meta.get("source") == SOURCE_COLLECTION
        if from_collection:
            verdict = Verdict(cand.text.strip(), None if has_content(cand.text) else REASON_EMPTY)
        else:
            verdict = judge(cand.text, prompt, cand.meta.get("raw", ""))
        reason = verdict.reason
        if reason is None and any(is_duplicate(verdict.text, k.text) for k in kept):
            reason = REASON_DUPLICATE
        if reason is None and not from_collection and limit is not None and generated >= limit:
            reason = REASON_SURPLUS
        if reason is not None:
            cand.meta["filtered_reason"] = reason
            dropped.append(cand)
            continue
        if verdict.trimmed:
            cand.meta["untrimmed"] = cand.text
            cand.text = verdict.text
        generated += not from_collection
        kept.append(cand)
    return kept, dropped


def below_standard(dropped: list[Candidate], n: int) -> list[Candidate]:
    """When no ending passed every rule: up to ``n`` of those dropped only for quality
    (never talk, labels, echoes or copies), the mildest fault first, each marked with
    ``meta["below_standard"]`` instead of ``filtered_reason``."""
    soft = [c for c in dropped if c.meta.get("filtered_reason") in SOFT_ORDER]
    soft.sort(key=lambda c: SOFT_ORDER.index(c.meta["filtered_reason"]))
    chosen: list[Candidate] = []
    for cand in soft:
        if len(chosen) >= n or any(is_duplicate(cand.text, c.text) for c in chosen):
            continue
        cand.meta["below_standard"] = cand.meta.pop("filtered_reason")
        if cand.meta["below_standard"] == REASON_LONG:
            cand.text = cand.text[:MAX_ENDING_CHARS].rsplit(" ", 1)[0] + "…"
        chosen.append(cand)
    return chosen


def rows_to_request(n: int) -> int:
    """How many rows to generate so that ``n`` usable endings are likely to remain: a
    quarter more, at least two."""
    return n + max(2, (n + 3) // 4)
