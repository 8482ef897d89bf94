"""The bundled joke collection (``resources/jokes/pairs.jsonl``): setup → punchline pairs
cut from the lite build's texts, for few-shot prompts, collection endings and rankers.

It reads the prepared-data folder the lite build's ``corpus`` step writes (the same pinned
registry texts, imported and cut by :mod:`training.punchline`) and keeps only real cuts:

- the ``dialogue``, ``sentence`` and ``turn`` cuts — never the mid-sentence ``words`` cuts,
  which are training material for continuation, not punchlines;
- no ``sentence`` cut whose ending starts in lower case (a hard-wrapped line, not a new
  sentence);
- an ending that stops on a letter or digit gets a full stop (fortune files often omit
  it); one that stops on anything else (a comma, a colon) is left out;
- at most :data:`MAX_SETUP_CHARS` / :data:`MAX_PUNCHLINE_CHARS`, so a few of them fit a
  prompt.

Run ``python -m training.lite.joke_pairs [--work DIR] [--out DIR]`` (fetches the sources
when the work folder has no prepared data yet).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from training import data_files as df

KINDS = ("dialogue", "sentence", "turn")
MAX_SETUP_CHARS = 300
MAX_PUNCHLINE_CHARS = 200
PAIRS_FILE = "pairs.jsonl"
_CLOSED_END = re.compile(r"[.!?…][»\"”)]*$")
_OPEN_END = re.compile(r"[\w)»\"”]$")


def _finish(punchline: str) -> str | None:
    """The ending with a sentence end, or None when it stops somewhere odd."""
    text = punchline.strip()
    if _CLOSED_END.search(text):
        return text
    if _OPEN_END.search(text):
        return text + "."
    return None


def pair_row(pair: dict[str, Any], split: str) -> dict[str, Any] | None:
    """One collection row from a prepared pair, or None when it is left out."""
    kind, setup = pair.get("kind", ""), pair["setup"].strip()
    if kind not in KINDS or len(setup) > MAX_SETUP_CHARS:
        return None
    punchline = _finish(pair["punchline"])
    if punchline is None or len(punchline) > MAX_PUNCHLINE_CHARS:
        return None
    if kind == "sentence" and punchline[0].islower():
        return None
    source = pair["id"].split(":", 1)[0]
    return {
        "id": pair["id"],
        "setup": setup,
        "punchline": punchline,
        "source": source,
        "kind": kind,
        "split": split,
    }


def collection_rows(data_dir: Path) -> list[dict[str, Any]]:
    rows = []
    for split in df.SPLITS:
        for pair in df.read_jsonl(df.pairs_file(data_dir, split)):
            row = pair_row(pair, split)
            if row is not None:
                rows.append(row)
    rows.sort(key=lambda r: r["id"])
    return rows


def write_collection(data_dir: Path, out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = collection_rows(data_dir)
    tmp = out_dir / (PAIRS_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(out_dir / PAIRS_FILE)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from resources import resource_path
    from training.lite.paths import default_work_dir

    p = argparse.ArgumentParser(prog="python -m training.lite.joke_pairs")
    p.add_argument("--work", type=Path, default=None)
    p.add_argument("--out", type=Path, default=resource_path("jokes"))
    args = p.parse_args(argv)
    work = (args.work or default_work_dir()).expanduser()
    data_dir = work / "data"
    if not (data_dir / df.REPORT_FILE).is_file():
        from training.lite.corpus import build_database, make_data_dir
        from training.lite.sources import fetch_all

        work.mkdir(parents=True, exist_ok=True)
        fetched = fetch_all(work / "cache")
        build_database(fetched, work / "jokes.sqlite", work)
        make_data_dir(work / "jokes.sqlite", data_dir)
    n = write_collection(data_dir, args.out)
    print(f"{n} pairs -> {args.out / PAIRS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
