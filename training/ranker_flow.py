"""From nothing to an installed joke ranker in one run (``demotivator train
ranker-from-anekdot`` and the Models dialog's «Обучить свою модель оценки шуток»).

Steps, each reusing what an interrupted run left in the work folder (``WORK/flow.json``
records the finished ones):

    base     the base encoder: a folder, or a catalogue id (rubert-tiny2) installed into
             the model store if missing (the installer resumes its own partial download)
    scrape   a bounded, polite sample of anekdot.ru: whole days (every page, so jokes of
             one day can be compared) spread over the years, newest first, until N jokes;
             pages already fetched are never fetched again
    prepare  the date split and the targets (``train prepare``)
    train    ``train ranker`` (resumes from its checkpoints)
    install  score scale + model card written next to the weights, the folder imported
             into the model store as a ranker and chosen in the settings

A model that does not beat the constant baseline on the held-out days is not installed.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.core.errors import DemotivatorError
from inference.core.i18n import tr
from inference.core.progress import Progress
from training.trainer_common import TrainOptions

if TYPE_CHECKING:
    from inference.models.model_store import ModelStore

DOMAIN = "ranker_flow"
STEPS = ("base", "scrape", "prepare", "train", "install")
STATE_FILE = "flow.json"
DEFAULT_BASE = "rubert-tiny2"
MAX_EMPTY_DAYS = 5  # consecutive days without a page: the site has no older releases


class NotLearned(DemotivatorError):
    """Trained, but no better than the constant on held-out days: not installed."""


@dataclass
class FlowConfig:
    work: Path
    base: str = DEFAULT_BASE  # a catalogue id or a folder
    jokes: int = 3000  # stop scraping once the sample holds this many
    last_day: date = field(default_factory=lambda: date.today() - timedelta(days=1))
    stride_days: int = 7  # one day a week: a few thousand jokes span many months
    max_days: int = 1000
    base_url: str | None = None  # None: anekdot.ru
    delay_s: float | None = None  # None: the scraper's polite default
    hub_endpoint: str | None = None
    target: str = "day_percentile"
    objective: str = "mse"
    max_length: int = 128
    name: str = "my-joke-ranker"
    use: bool = True  # choose it in the settings once installed
    train: TrainOptions = field(default_factory=TrainOptions)


def plan_days(cfg: FlowConfig) -> list[date]:
    """The days to crawl, in order: the last day, then one every ``stride_days`` before it."""
    return [cfg.last_day - timedelta(days=k * cfg.stride_days) for k in range(cfg.max_days)]


class Flow:
    def __init__(self, cfg: FlowConfig, progress: Progress | None = None) -> None:
        self.cfg = cfg
        self.progress = progress or Progress()
        self.work = Path(cfg.work).expanduser()

    # --- the record of finished steps --------------------------------------------------
    def state(self) -> dict[str, Any]:
        try:
            return json.loads((self.work / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def record(self, step: str, value: dict[str, Any]) -> None:
        from inference.core.jsonfiles import write_json_file

        state = self.state()
        state[step] = {**value, "options": self.options(step)} if self.options(step) else value
        self.work.mkdir(parents=True, exist_ok=True)
        write_json_file(self.work / STATE_FILE, state)  # atomic: a kill never halves it

    def say(self, key: str, **kwargs: Any) -> None:
        print(tr(key, DOMAIN, **kwargs), file=sys.stderr, flush=True)

    # --- steps ---------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        for step in STEPS:
            self.progress.check()
            done = self.state().get(step)
            if done is not None and step != "install":
                self.say("step.reused", step=tr(f"step.{step}", DOMAIN))
                self._say_ignored_options(step, done.get("options", {}))
                continue
            self.say("step.start", step=tr(f"step.{step}", DOMAIN))
            getattr(self, f"step_{step}")()
        return self.state()

    def options(self, step: str) -> dict[str, Any]:
        """What a finished step depended on, by command-line flag: recorded with the step,
        so that a later run given other values says they do not apply to it."""
        cfg, t = self.cfg, self.cfg.train
        if step == "base":
            return {"--base": cfg.base}
        if step == "scrape":
            return {"--jokes": cfg.jokes, "--stride-days": cfg.stride_days,
                    "--base-url": cfg.base_url}  # fmt: skip
        if step == "train":
            return {"--max-length": cfg.max_length, "--epochs": t.epochs,
                    "--max-steps": t.max_steps, "--lr": t.lr, "--batch-size": t.batch_size,
                    "--grad-accum": t.grad_accum, "--warmup-ratio": t.warmup_ratio,
                    "--weight-decay": t.weight_decay, "--seed": t.seed}  # fmt: skip
        return {}

    def _say_ignored_options(self, step: str, recorded: dict[str, Any]) -> None:
        now = self.options(step)
        changed = [flag for flag, value in recorded.items() if flag in now and now[flag] != value]
        if changed:
            self.say("step.options_ignored", step=tr(f"step.{step}", DOMAIN),
                     flags=", ".join(changed), work=str(self.work))  # fmt: skip

    def step_base(self) -> None:
        from inference.core.settings import load_settings
        from inference.models.downloader import DownloadOptions
        from inference.models.installer import install
        from inference.models.model_store import ModelStore

        folder = Path(self.cfg.base).expanduser()
        if folder.is_dir():
            self.record("base", {"path": str(folder.resolve()), "installed": False})
            return
        store = ModelStore.from_settings(load_settings()[0])
        found = store.find(self.cfg.base)
        if found is None:
            options = DownloadOptions(endpoint=self.cfg.hub_endpoint)
            found = install(self.cfg.base, store, options=options, progress=self.progress)
        self.record("base", {"path": str(found.path), "installed": True, "id": found.id})

    def step_scrape(self) -> None:
        from scraper.anekdot_crawl import DEFAULT_BASE_URL, crawl_days
        from scraper.dataset import count_by_source
        from scraper.db import connect
        from scraper.http import HttpSettings, PoliteClient

        db = self.work / "jokes.sqlite"
        self.work.mkdir(parents=True, exist_ok=True)
        http = HttpSettings()
        if self.cfg.delay_s is not None:
            http = replace(http, delay_s=self.cfg.delay_s)
        conn = connect(db)
        client = PoliteClient(self.cfg.base_url or DEFAULT_BASE_URL, http)

        def have() -> int:
            return sum(count_by_source(db).values())

        days: list[str] = []
        failed = misses = 0
        try:
            self.progress.stage("scrape", self.cfg.jokes, tr("scrape.message", DOMAIN))
            self.progress.advance(min(have(), self.cfg.jokes))
            for day in plan_days(self.cfg):
                before = have()
                if before >= self.cfg.jokes or misses >= MAX_EMPTY_DAYS:
                    break
                stats = crawl_days(conn, client, day, day, progress=self.progress)
                failed += stats.pages_failed
                days.append(day.isoformat())
                # days before the site's first release (or a site that stopped) end the plan
                misses = misses + 1 if stats.pages_failed and stats.pages_done == 0 else 0
                self.progress.advance(min(have(), self.cfg.jokes) - min(before, self.cfg.jokes))
            self.progress.finish()
        finally:
            client.close()
            conn.close()
        n = have()
        if n == 0:
            raise DemotivatorError(tr("scrape.nothing", DOMAIN, url=client.base_url))
        self.record("scrape", {"db": str(db), "jokes": n, "days": len(days), "failed": failed})

    def step_prepare(self) -> None:
        """Into ``data.partial``, renamed to ``data`` once whole: a run killed half-way
        leaves no torn folder that training could take for a prepared one."""
        from training.prepare import prepare_dataset

        data, staging = self.work / "data", self.work / "data.partial"
        shutil.rmtree(staging, ignore_errors=True)
        report = prepare_dataset(
            self.work / "jokes.sqlite",
            staging,
            progress=self.progress,
            expected=self.state().get("scrape", {}).get("jokes"),
        )
        shutil.rmtree(data, ignore_errors=True)  # an unrecorded earlier result: replaced
        staging.replace(data)
        self.record("prepare", {"data": str(data), "counts": report["counts"]})

    def step_train(self) -> None:
        from training.ranker_train import RankerConfig, train_ranker

        cfg = RankerConfig(
            data_dir=self.work / "data",
            base=Path(self.state()["base"]["path"]),
            out=self.work / "model",
            target=self.cfg.target,
            objective=self.cfg.objective,
            max_length=self.cfg.max_length,
            train=self.cfg.train,
        )
        metrics = train_ranker(cfg, self.progress)
        summary = {k: metrics[k] for k in ("pairwise_accuracy", "spearman", "r2", "verdict")}
        self.record("train", {"model": str(self.work / "model"), **summary})

    def step_install(self) -> None:
        """Scale and card next to the weights, then one copy in the model store. The id is
        recorded before the copy: a run killed during the copy, or after it but before the
        record, installs under that same id (the store's staging + rename makes the copy
        all or nothing), never a second copy."""
        from inference.core.settings import load_settings, save_settings
        from inference.models.model_store import ModelStore, use_model

        trained = self.state()["train"]
        if not trained["verdict"]["learned"]:
            raise NotLearned(tr("not_learned", DOMAIN, work=str(self.work)))
        model_dir = Path(trained["model"])
        write_score_scale(model_dir, self.work / "data", self.cfg.target)
        write_model_card(model_dir, self.state(), self.cfg)
        settings = load_settings()[0]
        store = ModelStore.from_settings(settings)
        model_id = self._install_id(store, model_dir)
        model = store.find(model_id)
        if model is None:
            model = store.import_folder(model_dir, "ranker", model_id, progress=self.progress)
        self.record("install", {"id": model.id, "path": str(model.path), "done": True})
        if self.cfg.use:
            save_settings(use_model(settings, model, backend="torch"))
        self.say("installed" if self.cfg.use else "installed.not_used", id=model.id,
                 path=str(model.path))  # fmt: skip

    def _install_id(self, store: ModelStore, model_dir: Path) -> str:
        """The store id this work folder installs as: the recorded one while the store has
        nothing else under it (ours, whole, or not yet there), else a free one, recorded."""
        model_id = self.state().get("install", {}).get("id")
        if model_id is not None:
            found = store.find(model_id)
            source = found.manifest.source if found is not None and found.manifest else {}
            if found is None or _same_path(source.get("path"), model_dir):
                return str(model_id)
        model_id = store.unique_id(self.cfg.name)
        self.record("install", {"id": model_id, "done": False})
        return model_id


def _same_path(a: str | None, b: Path) -> bool:
    return a is not None and Path(a).resolve() == b.resolve()


def write_score_scale(model_dir: Path, data_dir: Path, target: str) -> None:
    """The model's scores on the held-out jokes at each percentile (see inference.text.ranker):
    the app shows a candidate's score as "better than P % of these jokes"."""
    from inference.core.jsonfiles import write_json_file
    from inference.text.ranker import SCALE_FILE, load_ranker
    from training.ranker_data import load_target_rows

    rows = load_target_rows(data_dir, "test", target)
    scores = np.asarray(load_ranker(model_dir, backend="torch").score(rows.texts))
    reference = np.quantile(scores, np.linspace(0, 1, 101)).tolist()
    write_json_file(
        model_dir / SCALE_FILE,
        {"reference": reference, "split": "test", "jokes": len(rows), "target": target},
    )


def write_model_card(model_dir: Path, state: dict[str, Any], cfg: FlowConfig) -> None:
    m = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    rows = [
        f"| {name} | "
        + " | ".join(f"{m[k][name]:.3f}" for k in ("pairwise_accuracy", "spearman", "r2"))
        + " |"
        for name in ("model", "constant_mean", "text_length")
    ]
    scrape = state.get("scrape", {})
    text = "\n".join(
        [
            f"# {cfg.name}",
            "",
            "A joke ranker trained on this computer by `demotivator train ranker-from-anekdot`:",
            f"base `{state['base'].get('id') or state['base']['path']}`, "
            f"{scrape.get('jokes', '?')} jokes from {scrape.get('days', '?')} days of "
            f"{cfg.base_url or 'anekdot.ru'}, target `{m['target']}`, objective "
            f"`{m['objective']}`.",
            "",
            f"Held-out: the last {m['test']['days']} days ({m['test']['first_day']} … "
            f"{m['test']['last_day']}), {m['test']['n']} jokes.",
            "",
            "| | pair accuracy (day) | Spearman ρ | R² |",
            "|---|---|---|---|",
            *rows,
            "",
            "For scale: humans agree poorly on funniness; the best SemEval-2020 Task 7 systems "
            "pick the funnier of two at ≈ 0.67; the seed project's ranker reached R² 0.04.",
            "The jokes belong to their authors and anekdot.ru: keep this model for yourself.",
            "",
            "Options: " + json.dumps(asdict(cfg.train), ensure_ascii=False),
            "",
        ]
    )
    part = model_dir / "MODEL_CARD.md.partial"
    part.write_text(text, encoding="utf-8")
    part.replace(model_dir / "MODEL_CARD.md")
