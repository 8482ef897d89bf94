"""Builds the data of the lite illustrator: emoji sprites and a word → emoji index.

    python -m training.lite_illustrator_build [--out resources/lite_illustrator] [--cache DIR]

Sources (both fetched with ``apt-get download`` at pinned versions, unpacked with dpkg -x):
- Debian ``fonts-noto-color-emoji`` — NotoColorEmoji.ttf (SIL OFL 1.1), rendered by Pillow;
- Debian ``unicode-cldr-core`` — CLDR emoji annotations in Russian and English (names and
  keywords, Unicode licence), lemmatized with pymorphy3 exactly as the runtime does.
Hand-curated input: ``aliases.json`` next to the output (common joke nouns, stop-words,
fallback emoji). Outputs: ``emoji_sprites.zip`` (one lossless WebP per emoji), ``emoji_index.json``
and the licences.
Every step is deterministic, so a rebuild with the same inputs gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from inference.image.lite_match import INDEX_FILE, SPRITES_FILE, sprite_name
from inference.text import lemmas
from resources import resource_path

DEBS = {
    "fonts-noto-color-emoji": "2.042-0+deb12u1",
    "unicode-cldr-core": "41-0.1",
}
FONT_IN_DEB = "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
CLDR_IN_DEB = "usr/share/unicode/cldr/common"
FONT_OFL_IN_DEB = "usr/share/doc/fonts-noto-color-emoji/copyright"
CLDR_COPYRIGHT_IN_DEB = "usr/share/doc/unicode-cldr-core/copyright"

STRIKE_PX = 109  # the one bitmap size NotoColorEmoji carries (glyph cells are 136×128)
CELL = (136, 128)
TOP_PER_LEMMA = 4
# Weights of a match between a lemma and an emoji's CLDR text (aliases outrank them all).
W_ALIAS, W_NAME, W_KEYWORD, W_NAME_PART, W_KEYWORD_PART = 6.0, 3.0, 2.0, 1.0, 0.6
DERIVED_FACTOR = 0.9  # gendered/derived variants lose ties against the neutral base emoji
CONTENT_POS = {"NOUN", "ADJF", "ADJS", "VERB", "INFN", "PRTF", "LATN", ""}

SKIN_TONES = set(range(0x1F3FB, 0x1F400))
EXCLUDED_RANGES = (
    (0x1F1E6, 0x1F1FF),  # regional indicators: flags only via aliases
    (0x1F170, 0x1F251),  # enclosed letters and ideographs (🆗, 🈶…)
    (0x2190, 0x21FF),  # arrows
    (0x2B05, 0x2B07),
    (0x25A0, 0x25FF),  # geometric shapes
    (0x1F7E0, 0x1F7F0),  # coloured circles and squares, 🟰
    (0x2648, 0x2653),  # zodiac: "лев", "рак" must mean the animals
    (0xE0000, 0xE007F),  # tag sequences (subdivision flags)
    (0x1F9B0, 0x1F9B3),  # hair components
    (0x0000, 0x00FF),  # ASCII/Latin-1 (#, *, ©…)
    (0x2000, 0x206F),  # punctuation (‼, ⁉)
    (0x1F500, 0x1F53D),  # media buttons, 🔠 input symbols
    (0x23E9, 0x23FA),  # media controls
    (0x2640, 0x2642),  # gender signs: "Марс" must not draw ♂
    (0x26A7, 0x26A7),
)

# Signs and marks that say nothing as a picture (✅, ➡, ™, 🚭, religious symbols…).
EXCLUDED_CHARS = frozenset(
    "™ℹⓂ⏏☑✅✔✖❌❎❓❔❕❗➕➖➗➡➰➿⤴⤵⬛⬜⭕〰〽㊗㊙✳✴❇⚪⚫♻♾♿⛎☦☪☮☯☸✝✡⚜"
    "🕉🕎🛐🚫🚭🚯🚱🚳🚷🚹🚺🚻🚼🚾🛂🛃🛄🛅"
)


def excluded(cp: str) -> bool:
    if "\u20e3" in cp or (len(cp) == 1 and cp in EXCLUDED_CHARS):  # keycaps, signs
        return True
    for ch in cp:
        code = ord(ch)
        if code in SKIN_TONES or any(lo <= code <= hi for lo, hi in EXCLUDED_RANGES):
            return True
    return False


def fetch_debs(cache: Path) -> dict[str, Path]:
    """Download (once) and unpack the pinned Debian packages; returns their roots."""
    roots = {}
    for name, version in DEBS.items():
        root = cache / name
        if not root.is_dir():
            cache.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=tmp, check=True)
                deb = next(Path(tmp).glob(f"{name}_*.deb"))
                subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        roots[name] = root
    return roots


def read_annotations(cldr: Path, lang: str) -> dict[str, tuple[str, list[str], bool]]:
    """cp → (name, keywords, derived) from CLDR annotations and annotationsDerived."""
    out: dict[str, tuple[str, list[str], bool]] = {}
    for folder, derived in (("annotations", False), ("annotationsDerived", True)):
        names: dict[str, str] = {}
        keywords: dict[str, list[str]] = {}
        for node in ET.parse(cldr / folder / f"{lang}.xml").getroot().iter("annotation"):
            cp, text = node.get("cp", ""), (node.text or "").strip()
            if node.get("type") == "tts":
                names[cp] = text
            else:
                keywords[cp] = [k.strip() for k in text.split("|") if k.strip()]
        for cp in names:
            if cp not in out:
                out[cp] = (names[cp], keywords.get(cp, []), derived)
    return out


class Renderer:
    def __init__(self, font_path: Path) -> None:
        self.font = ImageFont.truetype(
            str(font_path), STRIKE_PX, layout_engine=ImageFont.Layout.RAQM
        )

    def render(self, cp: str) -> Image.Image | None:
        """The emoji as one RGBA cell, or None when the font has no single glyph for it."""
        if self.font.getlength(cp) > CELL[0] * 1.2:  # a sequence the font cannot ligate
            return None
        cell = Image.new("RGBA", CELL, (0, 0, 0, 0))
        ImageDraw.Draw(cell).text((0, 0), cp, font=self.font, embedded_color=True)
        alpha = cell.getchannel("A")
        if alpha.getbbox() is None or _is_notdef(cell):
            return None
        return cell


def _is_notdef(cell: Image.Image) -> bool:
    # The notdef glyph of Noto Color Emoji is an outlined box: almost no opaque pixels inside.
    return sum(cell.getchannel("A").histogram()[129:]) < 300


def lemma_tokens(phrase: str, lang: str) -> list[str]:
    """Content-word lemmas of a CLDR phrase (hyphenated words split into parts too)."""
    out: list[str] = []
    for match in lemmas.WORD_RE.finditer(phrase.replace(":", " ")):
        parts = [match.group(0)] + (match.group(0).split("-") if "-" in match.group(0) else [])
        for part in parts:
            if lang == "en":
                out.append(lemmas.english_lemma(part))
                continue
            lemma, pos, *_ = lemmas.parse_word(_repair(part))
            if pos in CONTENT_POS:
                out.append(lemma)
    return list(dict.fromkeys(out))


def _repair(word: str) -> str:
    """CLDR writes some "й" as "и" ("темныи"); keep the spelling the dictionary knows."""
    if word.endswith("и") and not lemmas.is_known(word.lower()):
        fixed = word[:-1] + "й"
        if lemmas.is_known(fixed.lower()):
            return fixed
    return word


def build_index(
    annotations: dict[str, tuple[str, list[str], bool]], pool: set[str], lang: str, stop: set[str]
) -> dict[str, dict[str, float]]:
    raw: dict[str, dict[str, float]] = defaultdict(dict)
    for cp, (name, keywords, derived) in annotations.items():
        if cp not in pool:
            continue
        factor = DERIVED_FACTOR if derived else 1.0
        phrases = [(name, True)] + [(k, False) for k in keywords if k != name]
        for phrase, is_name in phrases:
            tokens = [t for t in lemma_tokens(phrase, lang) if t not in stop and len(t) > 1]
            single = len(lemmas.WORD_RE.findall(phrase)) == 1
            for token in tokens:
                if single:
                    weight = W_NAME if is_name else W_KEYWORD
                else:
                    weight = W_NAME_PART if is_name else W_KEYWORD_PART
                weight *= factor
                raw[token][cp] = max(raw[token].get(cp, 0.0), weight)
    # A lemma shared by many emoji ("животное") says little: damp it by its spread.
    rank = {cp: i for i, cp in enumerate(annotations)}  # CLDR order: base emoji first
    index = {}
    for token, emoji in raw.items():
        damp = 1.0 / (1.0 + 0.3 * math.log(len(emoji)))
        order = sorted(emoji, key=lambda cp: (-emoji[cp], len(cp), rank[cp]))
        index[token] = {cp: round(emoji[cp] * damp, 3) for cp in order[:TOP_PER_LEMMA]}
    return index


def add_aliases(
    index: dict[str, dict[str, float]], aliases: dict[str, list[str]], lang: str = "en"
) -> None:
    for lemma, emoji in aliases.items():
        key = lemmas.normalize(lemma)
        # The first alias is the picture; later ones are there when the first is taken.
        entry = {cp: round(W_ALIAS - 0.5 * i, 3) for i, cp in enumerate(emoji)}
        for cp, weight in index.get(key, {}).items():
            entry.setdefault(cp, round(min(weight, W_ALIAS - 1.0), 3))
        index[key] = dict(list(entry.items())[:TOP_PER_LEMMA])
    if lang == "ru":  # "деньги" reads as the lemma "деньга": file it there too
        for lemma, emoji in aliases.items():
            parsed, pos, *_ = lemmas.parse_word(lemma)
            if pos == "NOUN" and parsed not in aliases and emoji:
                index[parsed] = {cp: round(W_ALIAS - 0.5 * i, 3) for i, cp in enumerate(emoji)}


def write_sprites(cells: dict[str, Image.Image], path: Path) -> None:
    """One lossless WebP per emoji (cropped to its pixels) in a stored zip: the runtime
    decodes only the 1–3 it draws (< 1 ms each) instead of a whole atlas (~2 s)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for cp in sorted(cells):  # code-point order and a fixed date: identical rebuilds
            cell = cells[cp]
            buffer = io.BytesIO()
            cell.crop(cell.getchannel("A").getbbox()).save(
                buffer, format="WEBP", lossless=True, quality=100, method=4, exact=False
            )
            info = zipfile.ZipInfo(sprite_name(cp), date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buffer.getvalue())


def build(out: Path, cache: Path) -> dict[str, int]:
    roots = fetch_debs(cache)
    font_root, cldr_root = roots["fonts-noto-color-emoji"], roots["unicode-cldr-core"]
    aliases = json.loads((out / "aliases.json").read_text(encoding="utf-8"))
    renderer = Renderer(font_root / FONT_IN_DEB)
    cldr = cldr_root / CLDR_IN_DEB
    ru, en = read_annotations(cldr, "ru"), read_annotations(cldr, "en")

    wanted = {cp for cp in ru if not excluded(cp)}
    for table in (aliases["ru"], aliases["en"]):
        wanted.update(cp for emoji in table.values() for cp in emoji)
    wanted.update(aliases["fallback"])
    cells = {cp: cell for cp in sorted(wanted) if (cell := renderer.render(cp)) is not None}
    missing = sorted(wanted - set(cells))
    pool = set(cells)

    stop_ru = {lemmas.normalize(w) for w in aliases["stop"]["ru"]}
    stop_en = set(aliases["stop"]["en"])
    index_ru = build_index(ru, pool, "ru", stop_ru)
    index_en = build_index(en, pool, "en", stop_en)
    ru_aliases = {k: [c for c in v if c in pool] for k, v in aliases["ru"].items()}
    add_aliases(index_ru, ru_aliases, "ru")
    add_aliases(index_en, {k: [c for c in v if c in pool] for k, v in aliases["en"].items()})

    # Only emoji the index can actually return are stored.
    used = {cp for index in (index_ru, index_en) for e in index.values() for cp in e}
    used.update(cp for cp in aliases["fallback"] if cp in pool)
    write_sprites({cp: cells[cp] for cp in used}, out / SPRITES_FILE)
    data = {
        "version": 1,
        "emoji": sorted(used),
        "names": {cp: ru[cp][0] for cp in sorted(used) if cp in ru},
        "fallback": [cp for cp in aliases["fallback"] if cp in pool],
        "scenes": {
            name: sorted({lemmas.normalize(w) for w in words})
            for name, words in aliases["scenes"].items()
        },
        "depicted": {
            name: sorted({lemmas.normalize(w) for w in words})
            for name, words in aliases["depicted"].items()
        },
        "stop": {"ru": sorted(stop_ru), "en": sorted(stop_en)},
        "ru": dict(sorted(index_ru.items())),
        "en": dict(sorted(index_en.items())),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    (out / INDEX_FILE).write_text(text + "\n", encoding="utf-8")
    shutil.copyfile(font_root / FONT_OFL_IN_DEB, out / "LICENSE-NotoColorEmoji.txt")
    shutil.copyfile(cldr_root / CLDR_COPYRIGHT_IN_DEB, out / "LICENSE-CLDR.txt")
    if missing:
        print(f"not in the font, skipped: {' '.join(missing)}", file=sys.stderr)
    return {
        "emoji": len(used),
        "ru_lemmas": len(index_ru),
        "en_lemmas": len(index_en),
        "sprites_bytes": (out / SPRITES_FILE).stat().st_size,
        "index_bytes": (out / INDEX_FILE).stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=resource_path("lite_illustrator"))
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "demotivator-lite-illustrator-src",
        help="where the Debian packages are downloaded and unpacked",
    )
    args = parser.parse_args(argv)
    print(json.dumps(build(args.out, args.cache), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
