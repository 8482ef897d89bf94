"""Import jokes from CSV / JSONL / Parquet files with a column mapping, e.g. the public
``igorktech/anekdots`` set (text, date, upvote, downvote, total_votes, …):

    demotivator scrape import-table anekdots.parquet --db jokes.sqlite --source anekdots \
        --text-col text --date-col date --up-col upvote --down-col downvote

Missing vote numbers are completed from the others (net = up - down, total = up + down).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from inference.core.errors import InputError
from scraper.dataset import JokeRecord
from scraper.db import ImportStats, Transaction, upsert_joke
from scraper.errors import msg
from scraper.textnorm import clean_text, parse_date, text_hash

FORMATS = ("csv", "jsonl", "parquet")
BATCH_ROWS = 2000  # rows per transaction: bounded memory, few commits


@dataclass(frozen=True)
class ColumnMap:
    text: str
    id: str | None = None
    date: str | None = None
    up: str | None = None
    down: str | None = None
    net: str | None = None
    total: str | None = None
    tags: str | None = None
    category: str | None = None
    attribution: str | None = None

    def named(self) -> list[str]:
        return [v for v in (getattr(self, f.name) for f in fields(self)) if v]


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    aliases = {
        "csv": "csv",
        "tsv": "csv",
        "jsonl": "jsonl",
        "ndjson": "jsonl",
        "parquet": "parquet",
    }
    if suffix not in aliases:
        raise InputError(msg("table.format_unknown", path=str(path), formats=", ".join(FORMATS)))
    return aliases[suffix]


def _csv_rows(path: Path, delimiter: str) -> tuple[list[str], Iterator[dict]]:
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.DictReader(handle, delimiter=delimiter)
    header = list(reader.fieldnames or [])

    def rows() -> Iterator[dict]:
        with handle:
            yield from reader

    return header, rows()


def _jsonl_rows(path: Path) -> tuple[list[str], Iterator[dict]]:
    def rows() -> Iterator[dict]:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(msg("table.bad_json", path=str(path), line=number)) from exc
                if isinstance(row, dict):
                    yield row

    first = next(rows(), None)
    return (list(first) if first else []), rows()


def _parquet_rows(path: Path) -> tuple[list[str], Iterator[dict]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a declared dependency
        raise InputError(msg("parquet.missing")) from exc
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid & co for non-Parquet files
        raise InputError(msg("table.unreadable", path=str(path), reason=str(exc))) from exc

    def rows() -> Iterator[dict]:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            yield from batch.to_pylist()

    return list(parquet.schema_arrow.names), rows()


def read_table(path: Path, fmt: str | None = None, delimiter: str = ",") -> tuple[list, Iterator]:
    """(column names, iterator of row dicts) of a CSV / JSONL / Parquet file."""
    if not path.is_file():
        raise InputError(msg("table.missing", path=str(path)))
    kind = detect_format(path, fmt)
    if kind == "csv":
        return _csv_rows(path, "\t" if path.suffix.lower() == ".tsv" else delimiter)
    if kind == "jsonl":
        return _jsonl_rows(path)
    return _parquet_rows(path)


def to_int(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def to_tags(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    if text.startswith("["):
        try:
            return to_tags(json.loads(text))
        except json.JSONDecodeError:
            pass
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())


def complete_votes(up, down, net, total) -> tuple:  # noqa: ANN001 - four optional ints
    if up is not None and down is not None:
        net = up - down if net is None else net
        total = up + down if total is None else total
    elif net is not None and total is not None and (total + net) % 2 == 0:
        up, down = (total + net) // 2, (total - net) // 2
    return up, down, net, total


def row_to_record(
    row: dict, columns: ColumnMap, source: str, category: str | None
) -> JokeRecord | None:
    text = clean_text(str(row.get(columns.text) or ""))
    if not text:
        return None

    def get(name: str | None) -> object:
        return row.get(name) if name else None

    up, down, net, total = complete_votes(
        *(to_int(get(c)) for c in (columns.up, columns.down, columns.net, columns.total))
    )
    digest = text_hash(text)
    native = get(columns.id)
    attribution = get(columns.attribution)
    return JokeRecord(
        id=f"{source}:{native if native not in (None, '') else digest[:16]}",
        source=source,
        text=text,
        text_hash=digest,
        date=parse_date(get(columns.date)),
        up=up,
        down=down,
        net=net,
        total=total,
        tags=to_tags(get(columns.tags)),
        category=str(get(columns.category) or category or "") or None,
        attribution=str(attribution).strip() or None if attribution else None,
    )


def import_table(
    conn: sqlite3.Connection,
    path: Path,
    columns: ColumnMap,
    *,
    source: str,
    category: str | None = None,
    fmt: str | None = None,
    delimiter: str = ",",
) -> ImportStats:
    header, rows = read_table(path, fmt, delimiter)
    missing = [c for c in columns.named() if c not in header]
    if missing:
        raise InputError(
            msg("table.no_column", columns=", ".join(missing), available=", ".join(header))
        )
    stats = ImportStats(files=1)
    batch: list[JokeRecord] = []

    def flush() -> None:
        with Transaction(conn):
            for record in batch:
                stats.count(upsert_joke(conn, record))
        batch.clear()

    for row in rows:
        stats.entries += 1
        record = row_to_record(row, columns, source, category)
        if record is None:
            stats.skipped += 1
            continue
        batch.append(record)
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    return stats
