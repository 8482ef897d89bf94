"""Export the dataset to JSONL or Parquet for training (written to a temporary file and
renamed, so a failed export never leaves half a file under the target name)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from inference.core.errors import InputError
from scraper.dataset import JokeRecord, iter_jokes
from scraper.errors import DatasetError, msg

FORMATS = ("jsonl", "parquet")
PARQUET_BATCH = 10_000


def detect_format(out: Path, fmt: str | None) -> str:
    kind = fmt or out.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise InputError(msg("export.format_unknown", path=str(out), formats=", ".join(FORMATS)))
    return kind


def _write_jsonl(records: Iterable[JokeRecord], tmp: Path) -> int:
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.as_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


def _batches(records: Iterable[JokeRecord], size: int) -> Iterator[list[JokeRecord]]:
    batch: list[JokeRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_parquet(records: Iterable[JokeRecord], tmp: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a declared dependency
        raise InputError(msg("parquet.missing")) from exc
    integer, string = pa.int64(), pa.string()
    schema = pa.schema(
        [
            ("id", string),
            ("source", string),
            ("date", pa.date32()),
            ("text", string),
            ("up", integer),
            ("down", integer),
            ("net", integer),
            ("total", integer),
            ("tags", pa.list_(string)),
            ("category", string),
            ("attribution", string),
            ("url", string),
            ("text_hash", string),
        ]
    )
    count = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in _batches(records, PARQUET_BATCH):
            rows = [r.as_dict() for r in batch]
            for row in rows:
                row["date"] = date.fromisoformat(row["date"]) if row["date"] else None
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            count += len(rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def export_dataset(
    db_path: str | Path,
    out: str | Path,
    *,
    fmt: str | None = None,
    sources: Iterable[str] | None = None,
) -> int:
    """Write every joke (optionally of ``sources`` only) to ``out``; returns the count."""
    out = Path(out)
    kind = detect_format(out, fmt)
    if not out.parent.is_dir():
        raise DatasetError(msg("export.no_folder", path=str(out)))
    records = iter_jokes(db_path, sources=sources)
    tmp = out.with_name(f".{out.name}.partial")
    try:
        count = (_write_jsonl if kind == "jsonl" else _write_parquet)(records, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count
