"""Import files in the ``fortune`` format (e.g. Debian's ``fortunes-ru``).

Entries are separated by lines holding only ``%``. An entry may end with an attribution:
an indented line starting with ``--`` (plus indented continuation lines), e.g.

    Аппетит приходит... и уходит, а кушать хочется всегда.
            -- Евгений Кащеев
    %

The attribution is stored apart from the text. An unindented ``-- Name`` last line is an
attribution too, unless the entry is a dialogue (other lines start with a dash) or the
line reads as a reply (ends with ? or !): then it stays in the text. The file name
(without ``.u8``) becomes the category.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inference.core.errors import InputError
from scraper.dataset import JokeRecord
from scraper.db import ImportStats, Transaction, upsert_joke
from scraper.errors import msg
from scraper.textnorm import clean_text, decode_bytes, text_hash

SOURCE = "fortune"
_ATTRIBUTION = re.compile(r"^[ \t]+(?:--|—|–)\s*(.*)$")
_PLAIN_ATTRIBUTION = re.compile(r"^--\s+(\S.*)$")
_DASHES = ("-", "—", "–")
_SKIP_SUFFIXES = (".dat", ".pos", ".gz", ".deb")


@dataclass(frozen=True)
class FortuneEntry:
    text: str
    attribution: str | None


def _split_attribution(lines: list[str]) -> tuple[list[str], str | None]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    for start in range(len(lines) - 1, 0, -1):
        match = _ATTRIBUTION.match(lines[start])
        if match is None:
            continue
        tail = lines[start + 1 :]
        # Continuation lines of an attribution are indented too; anything else means the
        # "--" line was part of the text.
        if all(not t.strip() or t[:1] in " \t" for t in tail):
            parts = [match.group(1), *(t.strip() for t in tail)]
            return lines[:start], " ".join(p for p in parts if p) or None
        return lines, None
    return _plain_attribution(lines)


def _plain_attribution(lines: list[str]) -> tuple[list[str], str | None]:
    """An unindented last line ``-- Name`` is the attribution when nothing else in the entry
    is a dialogue line (starts with a dash) and it does not read as a reply (? or !)."""
    if len(lines) < 2:
        return lines, None
    match = _PLAIN_ATTRIBUTION.match(lines[-1])
    body = lines[:-1]
    if match is None or not any(line.strip() for line in body):
        return lines, None
    name = match.group(1).strip()
    if name.endswith(("?", "!")) or any(line.lstrip()[:1] in _DASHES for line in body):
        return lines, None
    return body, name


def parse_fortune(text: str) -> list[FortuneEntry]:
    entries: list[FortuneEntry] = []
    current: list[str] = []

    def flush() -> None:
        body, attribution = _split_attribution(current)
        cleaned = clean_text("\n".join(body))
        if cleaned:
            entries.append(FortuneEntry(cleaned, attribution))

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.rstrip() == "%":
            flush()
            current = []
        else:
            current.append(line.rstrip())
    flush()
    return entries


def fortune_files(paths: Iterable[str | Path]) -> list[Path]:
    """The fortune files named or found in the named folders (``*.dat`` indexes skipped,
    a ``name.u8`` link and its target read once)."""
    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if p.is_file())
        elif path.is_file():
            candidates = [path]
        else:
            raise InputError(msg("fortune.missing", path=str(path)))
        for candidate in candidates:
            if candidate.name.startswith(".") or candidate.name.endswith(_SKIP_SUFFIXES):
                continue
            found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values(), key=lambda p: (category_of(p), str(p)))


def category_of(path: Path) -> str:
    return path.name.removesuffix(".u8")


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:4096]


def import_fortunes(conn: sqlite3.Connection, paths: Iterable[str | Path]) -> ImportStats:
    stats = ImportStats()
    files = fortune_files(paths)
    if not files:
        raise InputError(msg("fortune.none"))
    for path in files:
        data = path.read_bytes()
        if _looks_binary(data):
            continue
        stats.files += 1
        category = category_of(path)
        text, _ = decode_bytes(data)
        entries = parse_fortune(text)
        with Transaction(conn):  # one file, one commit: a re-run redoes whole files only
            for entry in entries:
                stats.entries += 1
                digest = text_hash(entry.text)
                record = JokeRecord(
                    id=f"{SOURCE}:{category}:{digest[:16]}",
                    source=SOURCE,
                    text=entry.text,
                    text_hash=digest,
                    category=category,
                    attribution=entry.attribution,
                )
                stats.count(upsert_joke(conn, record))
    return stats
