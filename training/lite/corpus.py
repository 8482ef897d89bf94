"""Fetched texts → the scraper's SQLite dataset → a prepared-data folder for the lite models.

Import goes through the scraper's own importers (fortune files with
:func:`scraper.fortune.import_fortunes`, the PyPI texts as JSONL with
:func:`scraper.table.import_table`), cleaning, filtering, repost merging and
setup → punchline cutting through :func:`training.prepare.build_dataset`. Only the split
differs from ``train prepare``: these texts have no dates (``prepare`` would put them all in
train), so rows are split by a salted hash of their normalised text — stable across runs
and machines, and reposts (same key) always land on the same side.

The folder has the layout of :mod:`training.data_files`, so the project's trainers read it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from training import data_files as df
from training.date_split import SplitConfig
from training.lite.sources import Fetched, fortune_dir, proverb_texts, pyjokes_texts
from training.lite.unwrap import tidy
from training.prepare import PrepareConfig, build_dataset
from training.text_clean import TextFilter


@dataclass(frozen=True)
class CorpusConfig:
    validation_share: float = 0.05
    test_share: float = 0.05
    salt: str = "lite-v1"  # changing it draws another split
    # Jokes the splitter of training/punchline.py leaves out (one sentence, no turn marker)
    # are cut between two words instead, near the middle: users type beginnings that stop
    # mid-sentence ("Заходит как-то программист в бар"), so the model must learn to go on.
    word_cuts: bool = True
    min_cut_words: int = 6
    # Proverbs and one-liners are short; very long entries (essays) teach little here.
    text: TextFilter = field(
        default_factory=lambda: TextFilter(min_chars=15, max_chars=600, min_words=3)
    )


def _write_rows(path: Path, name: str, texts: list[tuple[str, str]]) -> Path:
    rows = [
        {"id": f"{category}-{i:05d}", "text": text, "category": category}
        for i, (category, text) in enumerate(texts)
    ]
    df.write_jsonl(path, rows)
    return path


def build_database(fetched: dict[str, Fetched], db_path: Path, work: Path) -> dict[str, Any]:
    """A fresh SQLite dataset holding every source; returns the importers' statistics."""
    from scraper.db import connect
    from scraper.fortune import import_fortunes
    from scraper.table import ColumnMap, import_table

    db_path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # a rebuild starts from nothing
    conn = connect(db_path)
    stats: dict[str, Any] = {}
    try:
        stats["fortune"] = asdict(import_fortunes(conn, [fortune_dir(fetched["fortune"])]))
        columns = ColumnMap(text="text", id="id", category="category")
        for name, reader in (("pyjokes", pyjokes_texts), ("ru-proverbs", proverb_texts)):
            table = _write_rows(work / f"{name}.jsonl", name, reader(fetched[name]))
            stats[name] = asdict(import_table(conn, table, columns, source=name, fmt="jsonl"))
    finally:
        conn.close()
    return stats


def split_of(key: str, cfg: CorpusConfig) -> str:
    """``train`` / ``validation`` / ``test`` from a salted hash of the normalised text."""
    digest = hashlib.sha256(f"{cfg.salt}:{key}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < cfg.test_share:
        return "test"
    if u < cfg.test_share + cfg.validation_share:
        return "validation"
    return "train"


def word_cut(text: str, key: str, min_words: int = 6) -> tuple[str, str] | None:
    """Cut a one-line text between two words at 35–65 % of its words (the place drawn from
    ``key``, so it is the same on every run); None for short or multi-line texts."""
    if "\n" in text:
        return None
    words = text.split(" ")
    if len(words) < min_words:
        return None
    u = int(hashlib.sha256(f"cut:{key}".encode()).hexdigest()[:8], 16) / 2**32
    k = round(len(words) * (0.35 + 0.3 * u))
    k = min(max(k, 2), len(words) - 2)
    return " ".join(words[:k]), " ".join(words[k:])


def _word_cut_pairs(rows: list[dict], have: set[str], cfg: CorpusConfig) -> list[dict]:
    out = []
    for row in rows:
        if row["id"] in have:
            continue
        cut = word_cut(row["text"], row["key"], cfg.min_cut_words)
        if cut:
            out.append(
                {
                    "id": row["id"],
                    "date": None,
                    "setup": cut[0],
                    "punchline": cut[1],
                    "kind": "words",
                }
            )
    return out


def make_data_dir(db_path: Path, out_dir: Path, cfg: CorpusConfig = CorpusConfig()) -> dict:
    """Write the prepared-data folder; returns its report."""
    from scraper.dataset import iter_jokes

    records = [replace(r, text=tidy(r.text)) for r in iter_jokes(db_path)]
    no_date_split = SplitConfig(validation_fraction=0.0, test_fraction=0.0)
    jokes, pairs, report = build_dataset(records, PrepareConfig(text=cfg.text, split=no_date_split))
    rows = [r for split in df.SPLITS for r in jokes[split]]
    split_by_id = {r["id"]: split_of(r["key"], cfg) for r in rows}
    new_jokes: dict[str, list] = {s: [] for s in df.SPLITS}
    new_pairs: dict[str, list] = {s: [] for s in df.SPLITS}
    for row in sorted(rows, key=lambda r: r["id"]):
        new_jokes[split_by_id[row["id"]]].append(row)
    all_pairs = [p for s in df.SPLITS for p in pairs[s]]
    if cfg.word_cuts:
        all_pairs += _word_cut_pairs(rows, {p["id"] for p in all_pairs}, cfg)
    for pair in sorted(all_pairs, key=lambda p: p["id"]):
        new_pairs[split_by_id[pair["id"]]].append(pair)

    out = df.prepare_output_dir(out_dir)
    (out / df.REPORT_FILE).unlink(missing_ok=True)
    for split in df.SPLITS:
        df.write_jsonl(df.jokes_file(out, split), new_jokes[split])
        df.write_jsonl(df.pairs_file(out, split), new_pairs[split])
    report = {
        "counts": report["counts"],
        "pairs": report["pairs"] | {"words": sum(p["kind"] == "words" for p in all_pairs)},
        "split": "salted hash of the normalised text (the texts have no dates)",
        "corpus_config": asdict(cfg),
        "splits": {
            s: {
                "jokes": len(new_jokes[s]),
                "pairs": len(new_pairs[s]),
                "by_source": dict(Counter(r["source"] for r in new_jokes[s])),
                "chars": sum(r["n_chars"] for r in new_jokes[s]),
            }
            for s in df.SPLITS
        },
        "db": str(Path(db_path).resolve()),
    }
    df.write_json(out / df.REPORT_FILE, report)  # last: marks a complete folder
    return report
