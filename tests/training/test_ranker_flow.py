"""``demotivator train ranker-from-anekdot`` end to end, in real processes: a local
anekdot-like site whose votes follow the text (cats up, Mondays down), the tiny BERT served
as ``rubert-tiny2`` by the local Hub look-alike, the run killed (SIGKILL) at each step: inside
the download of the base, inside the crawl, while preparing writes its files, inside
training, and in the middle of the copy into the model store; each time resumed by the same
command. Then the store holds the ranker once and ``demotivator make`` uses it. Every kill
waits for a state, never a time: a request held by the local site or Hub, a checkpoint on
disk, or the flow's own progress report (tests/training/flow_pause.py stops there).

"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from inference.models.catalog import load_catalog
from inference.models.model_store import ModelStore
from tests.hub_server import Repo, serving_hub
from tests.scraper.server import FixtureSite
from tests.scraper.sitegen import DayPlan, Joke, Site
from tests.training.synthetic_jokes import synthetic_records

DAYS, PER_DAY = 40, 12
ROOT = Path(__file__).resolve().parents[2]


def learnable_site() -> Site:
    """The synthetic jokes as daily releases of two pages each."""
    site = Site(days=[])
    by_day: dict[str, list[Joke]] = {}
    for n, rec in enumerate(synthetic_records(days=DAYS, per_day=PER_DAY, seed=5)):
        joke = Joke(2_000_000 + n, rec.text, rec.text, rec.up, rec.down)
        by_day.setdefault(rec.date, []).append(joke)
    for day, jokes in sorted(by_day.items()):
        half = len(jokes) // 2
        site.days.append(DayPlan(day, [jokes[:half], jokes[half:]]))
    return site


def wait_for(check: Callable[[], bool], proc: subprocess.Popen, what: str) -> None:
    """Poll a state until it holds; fail if the process ended first (no timing guesses)."""
    while not check():
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"the run ended (rc {proc.returncode}) before {what}:\n{out[-3000:]}")
        time.sleep(0.05)


def kill(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    return out


def state(work: Path) -> dict:
    try:
        return json.loads((work / "flow.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def test_one_command_from_nothing_to_an_installed_ranker_resumes_after_kills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_ranker_dir: Path
):
    site_plan = learnable_site()
    site = FixtureSite(site_plan.routes())
    base_url = site.start()
    with serving_hub(monkeypatch, tmp_path) as hub:
        entry = load_catalog().get("rubert-tiny2")
        repo = Repo.from_folder(entry.repo, tiny_ranker_dir)
        repo.commit = entry.revision  # the catalogue's pin
        hub.add(repo)
        # the first download of the weights stops half-way and hangs: the run is killed there
        hub.faults.stall_after["model.safetensors"] = (1000, 600.0)
        work, marker, store = tmp_path / "work", tmp_path / "paused", tmp_path / "data" / "models"
        env = {
            **os.environ,
            "DEMOTIVATOR_CONFIG_DIR": str(tmp_path / "config"),
            "DEMOTIVATOR_DATA_DIR": str(tmp_path / "data"),
            "OMP_WAIT_POLICY": "PASSIVE",
            "PYTHONPATH": str(ROOT),
        }
        last_day = site_plan.days[-1].day
        argv = [
            "--work", str(work),
            "--jokes", str(DAYS * PER_DAY), "--to", last_day, "--stride-days", "1",
            "--base-url", base_url, "--delay", "0", "--epochs", "6", "--batch-size", "16",
            "--max-length", "64", "--save-steps", "4", "--threads", "1", "--quiet",
        ]  # fmt: skip

        def start(*pause: str) -> subprocess.Popen:
            """The command; with ``pause`` (stage, done) it stops at that progress point."""
            marker.unlink(missing_ok=True)
            head = ["training", "ranker-from-anekdot"]
            if pause:
                head = ["tests.training.flow_pause", *pause, str(marker), "--"]
            return subprocess.Popen(
                [sys.executable, "-m", *head, *argv], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip

        # 1. killed while the base downloads
        proc = start()
        weights = "/cdn/" + repo.files["model.safetensors"].sha256  # LFS: served by the "CDN"
        wait_for(lambda: hub.requests_for(weights), proc, "the base download")
        kill(proc)
        assert "base" not in state(work)

        # 2. killed in the middle of the crawl (its 12th request is held by the site)
        assert not site.hits
        site.hold_from(12)
        proc = start()
        wait_for(lambda: site.waiting > 0, proc, "a page request is held")
        kill(proc)
        site.release()
        assert "base" in state(work) and "scrape" not in state(work)
        held = site.hits[11].path
        fetched_before = {h.path for h in site.hits} - {"/robots.txt"}

        # 3. the crawl goes on, then killed while preparing writes its files: the first is
        # written, in the staging folder only
        proc = start("prepare_write", "1")
        wait_for(marker.exists, proc, "prepare writing its files")
        kill(proc)
        assert {"base", "scrape"} <= set(state(work)) and "prepare" not in state(work)
        assert (work / "data.partial" / "jokes_train.jsonl").is_file()
        assert not (work / "data").exists()  # nothing training could take for prepared data
        # the crawl went on where it was killed: only the page held at the kill is asked again
        pages = [h.path for h in site.hits if h.path != "/robots.txt"]
        assert {p for p in pages if pages.count(p) > 1} <= {held}
        assert fetched_before <= set(pages) and len(set(pages)) == site_plan.page_count
        crawled = len(site.hits)

        # 4. killed in training, after a checkpoint
        proc = start()
        checkpoints = work / "model" / "checkpoints"
        wait_for(
            lambda: (
                checkpoints.is_dir() and any(checkpoints.glob("checkpoint-*/trainer_state.json"))
            ),
            proc,
            "a training checkpoint",
        )
        kill(proc)
        assert {"base", "scrape", "prepare"} <= set(state(work)) and "train" not in state(work)
        assert (work / "data" / "report.json").is_file() and not (work / "data.partial").exists()
        assert len(site.hits) == crawled  # the finished crawl was not repeated

        # 5. training resumes and ends; killed in the middle of the copy into the store
        proc = start("import", "1")
        wait_for(marker.exists, proc, "the copy into the model store")
        out = kill(proc)
        assert "checkpoint" in out.lower()  # training resumed, not restarted
        pending = state(work)["install"]
        assert "train" in state(work) and not pending["done"]
        assert (store / ".partial" / pending["id"]).is_dir()  # half copied, staged
        assert not (store / pending["id"]).exists()  # not in the store

        # 6. the same command finishes: reuses every step, installs under the same id
        proc = start()
        out, _ = proc.communicate()
        assert proc.returncode == 0, out[-3000:]
        assert out.count("✓") >= 4  # base, scrape, prepare and training reused

    site.stop()
    done = state(work)
    assert done["train"]["verdict"]["learned"]
    assert done["install"] == {**pending, "path": str(store / pending["id"]), "done": True}
    settings = json.loads((tmp_path / "config" / "settings.json").read_text(encoding="utf-8"))
    installed = Path(done["install"]["path"])
    # exactly one copy of the trained model in the store, nothing half-copied left over
    copies = [
        m.path
        for m in ModelStore(store).list()
        if m.manifest and m.manifest.source.get("path") == str((work / "model").resolve())
    ]
    assert copies == [installed]
    leftovers = list((store / ".partial").glob("*")) if (store / ".partial").is_dir() else []
    assert not leftovers
    assert settings["models"]["ranker_dir"] == str(installed)
    for name in ("metrics.json", "MODEL_CARD.md", "score_scale.json", "config.json"):
        assert (installed / name).is_file(), name
    metrics = json.loads((installed / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["pairwise_accuracy"]["model"] > metrics["pairwise_accuracy"]["constant_mean"]

    # `demotivator make` now ranks with it (lite generator and illustrator: offline)
    poster = tmp_path / "poster.png"
    make = subprocess.run(
        [sys.executable, "-m", "demotivator.cli", "make", "Приходит кот к врачу", "-o", str(poster),
         "--json", "--quiet", "--candidates", "3", "--seed", "1", "--threads", "1"],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert make.returncode == 0, make.stderr[-2000:]
    result = json.loads(make.stdout)
    assert result["ranking"] == "ranker"
    rankers = [m for m in result["models"] if m["role"] == "ranker"]
    assert rankers and Path(rankers[0]["path"]) == installed and not rankers[0]["lite"]


def test_a_run_killed_after_the_copy_but_before_the_record_installs_no_second_copy(
    tmp_path: Path, tiny_ranker_dir: Path
):
    """The window the end-to-end kills cannot hold open: the store's rename done, flow.json
    not yet told. The id recorded before the copy finds the copy; another model that took
    the name meanwhile is not mistaken for it."""
    from tests.training.conftest import copy_model
    from training.ranker_flow import Flow, FlowConfig

    store = ModelStore(tmp_path / "models")
    model_dir = copy_model(tiny_ranker_dir, tmp_path, "model")
    flow = Flow(FlowConfig(work=tmp_path / "work", name="mine"))
    model_id = flow._install_id(store, model_dir)
    assert state(tmp_path / "work")["install"] == {"id": model_id, "done": False}
    store.import_folder(model_dir, "ranker", model_id)  # ... and killed right here
    assert flow._install_id(store, model_dir) == model_id  # the rerun takes its copy

    store.remove(model_id)
    other = copy_model(tiny_ranker_dir, tmp_path, "other")
    store.import_folder(other, "ranker", model_id)  # someone else's model under the name
    fresh = flow._install_id(store, model_dir)
    assert fresh != model_id and state(tmp_path / "work")["install"]["id"] == fresh


def test_prepare_reports_to_the_flow_progress_and_stops_on_cancel(
    tmp_path: Path, synthetic_db: Path
):
    from inference.core.errors import Cancelled
    from inference.core.progress import Progress, ProgressEvent
    from scraper.dataset import count_by_source
    from training.prepare import STAGE_READ, STAGE_WRITE, prepare_dataset

    n = sum(count_by_source(synthetic_db).values())
    events: list[ProgressEvent] = []
    prepare_dataset(synthetic_db, tmp_path / "data", progress=Progress(events.append), expected=n)
    reads = [e for e in events if e.stage == STAGE_READ]
    writes = [e for e in events if e.stage == STAGE_WRITE]
    assert {e.total for e in reads} == {n} and [e.done for e in reads] == [*range(n + 1), n]
    total = writes[0].total  # 6 split files, 3 histograms, the report (its end: finish)
    assert [e.done for e in writes] == [*range(total), total] and writes[-1].finished

    progress = Progress(lambda e: progress.cancel() if e.stage == STAGE_WRITE else None)
    with pytest.raises(Cancelled):
        prepare_dataset(synthetic_db, tmp_path / "stopped", progress=progress)
    assert not (tmp_path / "stopped" / "report.json").exists()


def test_a_rerun_with_other_options_says_which_ones_a_finished_step_ignores(
    tmp_path: Path, capsys: pytest.CaptureFixture
):
    from training.ranker_flow import Flow, FlowConfig, NotLearned

    work = tmp_path / "work"
    first = Flow(FlowConfig(work=work, jokes=100))
    for step in ("base", "scrape", "prepare"):
        first.record(step, {})
    first.record("train", {"verdict": {"learned": False}})

    again = FlowConfig(work=work, jokes=200)
    again.train.lr = 1e-3
    with pytest.raises(NotLearned):  # every step reused, then the unlearned model refused
        Flow(again).run()
    notes = [line for line in capsys.readouterr().err.splitlines() if "--" in line]
    assert len(notes) == 2 and "--jokes" in notes[0] and "--lr" in notes[1], notes
    assert str(work) in notes[0]
