"""The prepared-data folder (``DATA_DIR``): the contract between ``train prepare`` and the
two trainers.

    DATA_DIR/
      jokes_{train,validation,test}.jsonl   one joke a line: id, source, date, text,
                                            text_hash, key, up, down, net, total, category,
                                            n_chars, targets {zscore, approval,
                                            day_percentile} (null without votes)
      pairs_{train,validation,test}.jsonl   id, date, setup, punchline, kind
      report.json                           counts, split dates, target statistics, options
      hist_<target>.png                     distribution of each target per split

Rows are sorted by (date, id) so a sequential pass meets the jokes of one day together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from inference.core.errors import InputError, OutputError
from inference.core.i18n import tr

DOMAIN = "training"
SPLITS = ("train", "validation", "test")
REPORT_FILE = "report.json"


def jokes_file(data_dir: Path, split: str) -> Path:
    return Path(data_dir) / f"jokes_{split}.jsonl"


def pairs_file(data_dir: Path, split: str) -> Path:
    return Path(data_dir) / f"pairs_{split}.jsonl"


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write atomically (a temporary file renamed at the end): a killed run leaves either the
    old file or the new one, never half of one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        tmp.replace(path)
    except OSError as exc:
        raise OutputError(tr("data.cannot_write", DOMAIN, path=str(path), err=str(exc))) from exc
    return n


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically, as :func:`write_jsonl`."""
    from inference.core.jsonfiles import write_json_file

    try:
        write_json_file(path, data)
    except OSError as exc:
        raise OutputError(tr("data.cannot_write", DOMAIN, path=str(path), err=str(exc))) from exc


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    tr("data.bad_line", DOMAIN, path=str(path), line=line_no, err=exc.msg)
                ) from exc


def check_data_dir(data_dir: str | Path) -> Path:
    """The folder must be a ``train prepare`` output; say how to make one if not."""
    path = Path(data_dir).expanduser()
    if not (path / REPORT_FILE).is_file() or not jokes_file(path, "train").is_file():
        raise InputError(tr("data.not_prepared", DOMAIN, path=str(path)))
    return path


def load_split(data_dir: str | Path, split: str, kind: str = "jokes") -> list[dict[str, Any]]:
    """All rows of one split (``kind`` is ``jokes`` or ``pairs``); a missing file is empty."""
    path = check_data_dir(data_dir)
    file = jokes_file(path, split) if kind == "jokes" else pairs_file(path, split)
    return list(read_jsonl(file)) if file.is_file() else []


def prepare_output_dir(out: str | Path) -> Path:
    path = Path(out).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(tr("data.cannot_write", DOMAIN, path=str(path), err=str(exc))) from exc
    return path
