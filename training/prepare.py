"""``train prepare``: the scraper's SQLite dataset → a prepared-data folder for training.

Steps (each counted in ``report.json``): clean every text, drop the ones that are not
usable jokes (length, links, not text — :mod:`training.text_clean`), merge reposts (same
scraper ``text_hash`` or same normalised text; the earliest is kept unless
``keep_reposts``), split by date (:mod:`training.date_split`), compute the three rating
targets (:mod:`training.targets`) and cut setup → punchline pairs
(:mod:`training.punchline`). The folder layout is in :mod:`training.data_files`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.core.errors import InputError
from inference.core.i18n import tr
from inference.core.progress import Progress
from training import data_files as df
from training.date_split import SplitConfig, repost_groups, split_by_date
from training.punchline import PairConfig, split_joke
from training.targets import TARGETS, approval, day_percentiles, fit_zscale
from training.text_clean import TextFilter, clean_text, normalised_key, rejection_reason


@dataclass(frozen=True)
class PrepareConfig:
    text: TextFilter = field(default_factory=TextFilter)
    pairs: PairConfig = field(default_factory=PairConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    approval_a: float = 1.0  # prior up-votes of the smoothed approval
    approval_b: float = 1.0  # prior down-votes
    keep_reposts: bool = False  # keep every copy (still all on one side of the split)
    sources: tuple[str, ...] | None = None  # only these scraper sources
    min_votes: int | None = None  # only jokes with at least this many votes


# Progress stages of prepare_dataset when it is given a Progress (the ranker flow, the GUI):
# jokes read from the dataset file, then files written into the folder.
STAGE_READ = "prepare"
STAGE_WRITE = "prepare_write"


def record_to_row(rec: Any) -> dict[str, Any]:
    """A scraper JokeRecord (or anything with its attributes) as a prepared row (text not
    yet cleaned), its date reduced to ``YYYY-MM-DD``. Missing vote fields are completed by
    the scraper's own rule: net and total from up/down, or up/down from net and total (a
    file with only the site's rating and vote count still gets its approval target)."""
    from scraper.table import complete_votes
    from scraper.textnorm import parse_date

    up, down, net, total = complete_votes(rec.up, rec.down, rec.net, rec.total)
    return {
        "id": rec.id,
        "source": rec.source,
        # a day, whatever the file holds (a timestamp would make every joke its own "day")
        "date": parse_date(rec.date),
        "text": rec.text,
        "text_hash": rec.text_hash,
        "up": up,
        "down": down,
        "net": net,
        "total": total,
        "category": rec.category,
    }


def _clean_and_filter(
    rows: Iterable[dict[str, Any]], cfg: PrepareConfig, counts: Counter
) -> list[dict[str, Any]]:
    kept = []
    for row in rows:
        counts["read"] += 1
        text = clean_text(row["text"])
        reason = rejection_reason(text, cfg.text)
        if reason:
            counts[f"rejected_{reason}"] += 1
            continue
        kept.append({**row, "text": text, "key": normalised_key(text), "n_chars": len(text)})
    return kept


def _merge_reposts(
    rows: list[dict[str, Any]], cfg: PrepareConfig, counts: Counter
) -> tuple[list[dict[str, Any]], list[int]]:
    """Rows to keep and their repost-group ids; without ``keep_reposts`` only the earliest
    copy of each group stays (then the most voted, then the smallest id)."""
    groups = repost_groups([(r["text_hash"], r["key"]) for r in rows])
    if cfg.keep_reposts:
        return rows, groups
    best: dict[int, int] = {}
    for i, g in enumerate(groups):
        if g not in best or _prefer(rows[i], rows[best[g]]):
            best[g] = i
    keep = sorted(best.values())
    counts["reposts_merged"] += len(rows) - len(keep)
    return [rows[i] for i in keep], [groups[i] for i in keep]


def _prefer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def rank(r: dict[str, Any]) -> tuple:
        return (r["date"] is None, r["date"] or "", -(r["total"] or 0), r["id"])

    return rank(a) < rank(b)


def _add_targets(
    rows: list[dict[str, Any]], splits: list[str], cfg: PrepareConfig
) -> dict[str, float]:
    scale = fit_zscale(
        [
            r["net"]
            for r, s in zip(rows, splits, strict=True)
            if s == "train" and r["net"] is not None
        ]
    )
    dated = [i for i, r in enumerate(rows) if r["date"] and r["net"] is not None]
    pct = day_percentiles([rows[i]["date"] for i in dated], [rows[i]["net"] for i in dated])
    percentile = dict(zip(dated, pct, strict=True))
    for i, r in enumerate(rows):
        has_updown = r["up"] is not None and r["down"] is not None
        r["targets"] = {
            "zscore": scale.apply(r["net"]) if r["net"] is not None else None,
            "approval": approval(r["up"], r["down"], cfg.approval_a, cfg.approval_b)
            if has_updown
            else None,
            "day_percentile": percentile.get(i),
        }
    return {"mean": scale.mean, "std": scale.std}


def _describe(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    v = np.asarray(values, dtype=float)
    q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0])
    return {
        "n": len(v),
        "mean": float(v.mean()),
        "std": float(v.std()),
        "min": float(q[0]),
        "p25": float(q[1]),
        "median": float(q[2]),
        "p75": float(q[3]),
        "max": float(q[4]),
    }


def build_dataset(
    records: Iterable[Any], cfg: PrepareConfig = PrepareConfig()
) -> tuple[dict[str, list], dict[str, list], dict[str, Any]]:
    """The pure core of ``prepare``: (jokes per split, pairs per split, report)."""
    counts: Counter = Counter()
    rows = _clean_and_filter((record_to_row(r) for r in records), cfg, counts)
    rows, groups = _merge_reposts(rows, cfg, counts)
    split = split_by_date(
        [r["date"] for r in rows], [(r["text_hash"], r["key"]) for r in rows], cfg.split
    )
    zscale = _add_targets(rows, split.splits, cfg)

    jokes: dict[str, list] = {s: [] for s in df.SPLITS}
    for row, name, group in zip(rows, split.splits, groups, strict=True):
        jokes[name].append({**row, "group": group})
    pairs: dict[str, list] = {s: [] for s in df.SPLITS}
    pair_counts: Counter = Counter()
    for name in df.SPLITS:
        jokes[name].sort(key=lambda r: (r["date"] or "", r["id"]))
        for row in jokes[name]:
            cut = split_joke(row["text"], cfg.pairs)
            pair_counts[cut.kind or f"left_out_{cut.reason}"] += 1
            if cut.ok:
                pairs[name].append(
                    {
                        "id": row["id"],
                        "date": row["date"],
                        "setup": cut.setup,
                        "punchline": cut.punchline,
                        "kind": cut.kind,
                    }
                )
    report = {
        "counts": dict(counts) | {"kept": len(rows)},
        "splits": {
            s: {
                "jokes": len(jokes[s]),
                "with_votes": sum(1 for r in jokes[s] if r["net"] is not None),
                "days": len({r["date"] for r in jokes[s] if r["date"]}),
                "first_day": min((r["date"] for r in jokes[s] if r["date"]), default=None),
                "last_day": max((r["date"] for r in jokes[s] if r["date"]), default=None),
                "pairs": len(pairs[s]),
            }
            for s in df.SPLITS
        },
        "validation_from": split.validation_from,
        "test_from": split.test_from,
        "pairs": dict(pair_counts),
        "zscore_scale": zscale,
        "targets": {
            t: {
                s: _describe([r["targets"][t] for r in jokes[s] if r["targets"][t] is not None])
                for s in df.SPLITS
            }
            for t in TARGETS
        },
        "config": asdict(cfg),
    }
    for rows_of_split in jokes.values():
        for row in rows_of_split:
            row.pop("group")
    return jokes, pairs, report


def write_dataset(
    out_dir: Path,
    jokes: dict[str, list],
    pairs: dict[str, list],
    report: dict[str, Any],
    progress: Progress | None = None,
) -> None:
    """Every file of the folder, each written whole (temporary file + rename); the report
    last: its presence marks a complete folder. ``progress`` counts the files."""
    from training.plots import histogram

    progress = progress or Progress()
    progress.stage(STAGE_WRITE, 2 * len(df.SPLITS) + len(TARGETS) + 1)
    for name in df.SPLITS:
        for path, rows in ((df.jokes_file(out_dir, name), jokes[name]),
                           (df.pairs_file(out_dir, name), pairs[name])):  # fmt: skip
            progress.check()
            df.write_jsonl(path, rows)
            progress.advance()
    report["histograms"] = {}
    for target in TARGETS:
        progress.check()
        series = {
            s: [r["targets"][target] for r in jokes[s] if r["targets"][target] is not None]
            for s in df.SPLITS
        }
        png = histogram(out_dir / f"hist_{target}.png", target, series)
        report["histograms"][target] = png.name
        progress.advance()
    df.write_json(out_dir / df.REPORT_FILE, report)
    progress.finish()


def prepare_dataset(
    db_path: str | Path,
    out_dir: str | Path,
    cfg: PrepareConfig = PrepareConfig(),
    show_progress: bool = True,
    progress: Progress | None = None,
    expected: int | None = None,
) -> dict[str, Any]:
    """Read the dataset file, build everything, write the folder; returns the report.
    With ``progress`` (``expected``: the jokes in the file, if known) the stages are reported
    there instead of a terminal bar, and its cancel request stops the work."""
    from tqdm import tqdm

    from scraper.dataset import iter_jokes, open_readonly

    # A missing or unreadable file is reported before the progress bar starts, so the
    # error is the one line the user sees (iter_jokes opens the file only when iterated).
    open_readonly(db_path).close()
    out = df.prepare_output_dir(out_dir)
    (out / df.REPORT_FILE).unlink(missing_ok=True)
    records = iter_jokes(db_path, sources=cfg.sources, min_total_votes=cfg.min_votes)
    if progress is not None:
        records = _reported(records, progress, expected)
    else:
        records = tqdm(
            records,
            desc=tr("prepare.progress", df.DOMAIN),
            unit=tr("prepare.progress_unit", df.DOMAIN),
            file=sys.stderr,
            disable=not show_progress,
        )
    jokes, pairs, report = build_dataset(records, cfg)
    if not jokes["train"]:
        raise InputError(
            tr("prepare.no_jokes", df.DOMAIN, db=str(db_path), read=report["counts"].get("read", 0))
        )
    report["db"] = str(Path(db_path).resolve())
    write_dataset(out, jokes, pairs, report, progress)
    return report


def _reported(records: Iterable[Any], progress: Progress, expected: int | None) -> Iterator[Any]:
    progress.stage(STAGE_READ, expected, tr("prepare.progress_unit", df.DOMAIN).strip())
    for rec in records:
        progress.check()
        progress.advance()
        yield rec
    progress.finish()
