"""Installing models from a Hub look-alike on 127.0.0.1 (tests/hub_server.py) with the real
huggingface_hub client: full install, resume after a dropped connection / a cancel / a stall,
corrupted transfers, 404/401/5xx, no network, disk full, offline mode, progress, the
background install job, and conversion of the downloaded model to ONNX with a poster made
from it. Every test points the client at the local server; nothing reaches the real Hub."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from inference.core.errors import Cancelled
from inference.core.file_hashes import sha256_file
from inference.core.progress import Progress, ProgressEvent
from inference.models.catalog import Catalog, parse_catalog
from inference.models.downloader import DownloadError, DownloadOptions, DownloadStatus
from inference.models.hub_worker import WRITE_CHUNK
from inference.models.install_job import CANCELLED, CONVERTING, DONE, DOWNLOADING, InstallJobs
from inference.models.installer import install
from inference.models.model_store import ModelStore
from tests.hub_server import HubServer, Repo

BIG = "big.bin"  # an extra LFS file, larger than huggingface_hub's 10 MiB read chunk
BIG_SIZE = 24_000_000
CHUNK = WRITE_CHUNK  # the worker's read size: a resume starts from a multiple of it
FAST = DownloadOptions(retries=2, backoff_s=0.05, poll_s=0.05)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # conftest sets HF_HUB_OFFLINE=1 for the whole suite; these tests talk to 127.0.0.1 only.
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    for name in ("HF_TOKEN", "TRANSFORMERS_OFFLINE", "HF_HUB_ENABLE_HF_TRANSFER"):
        monkeypatch.delenv(name, raising=False)
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


@pytest.fixture(scope="session")
def big_blob() -> bytes:
    return random.Random(7).randbytes(BIG_SIZE)


@pytest.fixture
def qwen_repo(hub: HubServer, tiny_generator_dir: Path) -> Repo:
    return hub.add(Repo.from_folder("test/tiny-qwen", tiny_generator_dir))


@pytest.fixture
def big_repo(hub: HubServer, tiny_generator_dir: Path, big_blob: bytes) -> Repo:
    return hub.add(Repo.from_folder("test/tiny-qwen-big", tiny_generator_dir, {BIG: big_blob}))


def entry(model_id: str, repo: Repo | str, revision: str = "", **extra: object) -> dict:
    repo_id = repo if isinstance(repo, str) else repo.repo_id
    commit = revision or (repo.commit if isinstance(repo, Repo) else "a" * 40)
    return {
        "id": model_id,
        "role": "generator",
        "source": "hub",
        "repo": repo_id,
        "revision": commit,
        "allow_patterns": ["config.json", "*.safetensors", "tokenizer*", "*.json", "*.txt"],
        "optional_patterns": ["*.jinja", "*.bin"],
        "size_bytes": 1000,
        "licence": {"name": "MIT", "url": "https://example.invalid/licence"},
        "description": {"ru": "тестовая модель", "en": "test model"},
        **extra,
    }


def catalog_of(*entries: dict) -> Catalog:
    return parse_catalog({"models": list(entries)}, Path("test-catalog.json"))


def store_of(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "data" / "models")


def install_one(tmp_path: Path, catalog: Catalog, model_id: str, **kwargs):
    return install(model_id, store_of(tmp_path), catalog, kwargs.pop("options", FAST), **kwargs)


# --- the happy path ------------------------------------------------------------------------
def test_full_install_matches_the_served_repo(hub, qwen_repo, tmp_path):
    statuses: list[DownloadStatus] = []
    events: list[ProgressEvent] = []
    catalog = catalog_of(entry("tiny-qwen", qwen_repo))
    model = install_one(
        tmp_path, catalog, "tiny-qwen", progress=Progress(events.append), on_status=statuses.append
    )

    assert model.path == store_of(tmp_path).path_for("tiny-qwen")
    served = {name: f.sha256 for name, f in qwen_repo.files.items()}
    recorded = {f.path: f.sha256 for f in model.manifest.files}
    assert recorded == served  # every file, every byte
    for name, sha in served.items():
        assert sha256_file(model.path / name) == sha
    assert model.manifest.source["commit"] == qwen_repo.commit
    assert model.manifest.source["endpoint"] == hub.url  # taken from HF_ENDPOINT
    assert not (model.path / ".cache").exists()  # huggingface_hub's bookkeeping is gone
    assert not store_of(tmp_path).staging_dir("tiny-qwen").exists()
    assert store_of(tmp_path).status(catalog.get("tiny-qwen")).state == "installed"
    assert store_of(tmp_path).verify("tiny-qwen").ok

    total = sum(len(f.data) for f in qwen_repo.files.values())
    done = [s.done_bytes for s in statuses]
    assert done == sorted(done) and done[-1] == total
    assert statuses[-1].files_done == statuses[-1].files_total == len(qwen_repo.files)
    download_events = [e for e in events if e.stage == "download"]
    assert download_events[-1].total == total and download_events[-1].done == total
    # LFS files came through the CDN redirect, like on the real Hub
    assert hub.requests_for(qwen_repo.files["model.safetensors"].sha256)


def test_offline_mode_refuses_without_a_request(hub, qwen_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError) as err:
        install_one(tmp_path, catalog_of(entry("tiny-qwen", qwen_repo)), "tiny-qwen")
    assert err.value.kind == "offline"
    assert "HF_HUB_OFFLINE" in str(err.value)
    assert hub.log == []


# --- interrupted transfers -----------------------------------------------------------------
def test_dropped_connection_resumes_with_a_range_request(hub, big_repo, tmp_path):
    hub.faults.drop_after[BIG] = 15_000_000  # mid-file
    statuses: list[DownloadStatus] = []
    model = install_one(
        tmp_path, catalog_of(entry("big", big_repo)), "big", on_status=statuses.append
    )
    cdn = hub.requests_for(big_repo.files[BIG].sha256)
    # what was received is kept, up to the last whole read (at most 1 MiB is fetched again)
    assert [r[2] for r in cdn] == ["", f"bytes={15_000_000 // CHUNK * CHUNK}-"]
    assert sha256_file(model.path / BIG) == big_repo.files[BIG].sha256
    assert any(s.phase == "retrying" and "нет связи" in s.message for s in statuses)


def test_a_body_cut_short_without_an_error_resumes_with_a_range_request(hub, big_repo, tmp_path):
    """A server (or proxy) that closes cleanly mid-file, with no Content-Length to tell the
    client: huggingface_hub reports a size mismatch; the bytes that came are kept and the
    retry within the same install asks for the rest, not for the whole file again."""
    hub.faults.cut_after[BIG] = 15_000_000
    model = install_one(tmp_path, catalog_of(entry("big", big_repo)), "big")
    cdn = hub.requests_for(big_repo.files[BIG].sha256)
    assert [r[2] for r in cdn] == ["", "bytes=15000000-"]
    assert sha256_file(model.path / BIG) == big_repo.files[BIG].sha256


def test_cancel_mid_file_then_resume_after_restart(hub, big_repo, tmp_path):
    catalog = catalog_of(entry("big", big_repo))
    hub.faults.throttle_bps = 8_000_000
    progress = Progress()

    def cancel_after_first_chunk(status: DownloadStatus) -> None:
        if status.file == BIG and status.file_done >= CHUNK:
            progress.cancel()

    with pytest.raises(Cancelled):
        install_one(tmp_path, catalog, "big", progress=progress, on_status=cancel_after_first_chunk)
    restarted = store_of(tmp_path)  # a new store object: as after an app restart
    status = restarted.status(catalog.get("big"))
    assert status.state == "partial" and status.partial_bytes >= CHUNK
    assert restarted.find("big") is None  # nothing half-installed where the app looks

    hub.faults.throttle_bps = 0
    hub.log.clear()
    model = install("big", restarted, catalog, FAST)
    ranges = [r[2] for r in hub.requests_for(big_repo.files[BIG].sha256)]
    assert len(ranges) == 1 and ranges[0].startswith("bytes=") and ranges[0].endswith("-")
    start = int(ranges[0][6:-1])
    assert start >= CHUNK and start % CHUNK == 0  # resumed, not fetched from zero
    assert sha256_file(model.path / BIG) == big_repo.files[BIG].sha256


def test_stalled_response_times_out_and_resumes(hub, big_repo, tmp_path):
    hub.faults.stall_after[BIG] = (CHUNK + 500_000, 4.0)
    options = DownloadOptions(retries=2, backoff_s=0.05, poll_s=0.05, read_timeout_s=1)
    model = install_one(tmp_path, catalog_of(entry("big", big_repo)), "big", options=options)
    ranges = [r[2] for r in hub.requests_for(big_repo.files[BIG].sha256)]
    assert ranges[0] == "" and f"bytes={CHUNK}-" in ranges[1:]
    assert sha256_file(model.path / BIG) == big_repo.files[BIG].sha256


# --- bad data and bad answers --------------------------------------------------------------
def test_corrupted_transfer_is_detected_and_fetched_again(hub, qwen_repo, tmp_path):
    hub.faults.corrupt["model.safetensors"] = 1
    statuses: list[DownloadStatus] = []
    model = install_one(
        tmp_path, catalog_of(entry("tiny-qwen", qwen_repo)), "tiny-qwen", on_status=statuses.append
    )
    sha = qwen_repo.files["model.safetensors"].sha256
    assert len(hub.requests_for(sha)) == 2
    assert sha256_file(model.path / "model.safetensors") == sha
    assert any("повреждённым" in s.message for s in statuses)


def test_always_corrupted_file_fails_clearly(hub, qwen_repo, tmp_path):
    hub.faults.corrupt["config.json"] = 99
    with pytest.raises(DownloadError) as err:
        install_one(tmp_path, catalog_of(entry("tiny-qwen", qwen_repo)), "tiny-qwen")
    assert err.value.kind == "corrupt"
    assert "test/tiny-qwen" in str(err.value) and "повреждёнными" in str(err.value)
    assert store_of(tmp_path).find("tiny-qwen") is None


def test_server_errors_are_retried(hub, qwen_repo, tmp_path):
    hub.faults.statuses["info"] = [500, 503]  # our own backoff
    hub.faults.statuses["config.json"] = [502]  # huggingface_hub's backoff on the HEAD
    model = install_one(tmp_path, catalog_of(entry("tiny-qwen", qwen_repo)), "tiny-qwen")
    assert len([r for r in hub.log if r[1].startswith("/api/models/")]) == 3
    assert (model.path / "config.json").is_file()


@pytest.mark.parametrize(
    ("case", "kind", "words"),
    [
        ("missing_repo", "repo_not_found", "не найдена"),
        ("bad_revision", "revision_not_found", "Обновите приложение"),
        ("gated", "gated", "HF_TOKEN"),
        ("stale_patterns", "catalog_mismatch", "nothing-like-this.json"),
        ("disk_full", "disk_full", "Недостаточно места"),
    ],
)
def test_refusals_are_clear(hub, qwen_repo, tmp_path, case, kind, words):
    item = entry("tiny-qwen", qwen_repo)
    if case == "missing_repo":
        item["repo"] = "test/no-such-model"
    elif case == "bad_revision":
        item["revision"] = "0" * 40
    elif case == "gated":
        qwen_repo.gated = True
    elif case == "stale_patterns":
        item["allow_patterns"] = ["config.json", "nothing-like-this.json"]
    else:
        hub.faults.claimed_sizes["model.safetensors"] = 10**16  # "10 PB": cannot fit
    with pytest.raises(DownloadError) as err:
        install_one(tmp_path, catalog_of(item), "tiny-qwen")
    assert err.value.kind == kind
    assert words in str(err.value)
    transfers = [r for r in hub.log if r[0] == "GET" and not r[1].startswith("/api/")]
    assert transfers == []  # refused before any file was fetched


def test_a_plain_404_on_the_model_api_reads_as_model_not_found(hub, qwen_repo, tmp_path):
    """A mirror that answers a bare 404 (no Hub X-Error-Code header) for an unknown model is
    told as "not found", the same words as the Hub's own answer, and is not retried."""
    hub.faults.statuses["info"] = [404]
    with pytest.raises(DownloadError) as err:
        install_one(tmp_path, catalog_of(entry("tiny-qwen", qwen_repo)), "tiny-qwen")
    assert err.value.kind == "repo_not_found" and "не найдена" in str(err.value)
    assert len([r for r in hub.log if r[1].startswith("/api/models/")]) == 1


def test_no_network_fails_after_retries(hub, qwen_repo, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    options = DownloadOptions(endpoint=dead, retries=1, backoff_s=0.05, poll_s=0.05)
    statuses: list[DownloadStatus] = []
    with pytest.raises(DownloadError) as err:
        install_one(
            tmp_path,
            catalog_of(entry("tiny-qwen", qwen_repo)),
            "tiny-qwen",
            options=options,
            on_status=statuses.append,
        )
    assert err.value.kind == "network"
    assert "Проверьте интернет" in str(err.value)
    # the reason in words, not urllib3's nested reprs
    assert "Connection refused" in str(err.value) and "MaxRetryError" not in str(err.value)
    assert any(s.phase == "retrying" for s in statuses)


# --- progress and the background job -------------------------------------------------------
def test_progress_reports_speed_and_eta(hub, big_repo, tmp_path):
    hub.faults.throttle_bps = 16_000_000
    statuses: list[DownloadStatus] = []
    install_one(tmp_path, catalog_of(entry("big", big_repo)), "big", on_status=statuses.append)
    moving = [s for s in statuses if s.phase == "downloading" and s.file == BIG and s.file_done]
    assert moving, "the big file was never seen in flight"
    assert any(s.speed_bps > 0 and s.eta_s is not None and s.eta_s > 0 for s in moving)
    line = moving[-1].describe()
    assert BIG in line and "МБ/с" in line and "осталось" in line


def test_install_job_runs_in_background_cancels_and_resumes(hub, big_repo, tmp_path):
    catalog, store = catalog_of(entry("big", big_repo)), store_of(tmp_path)
    hub.faults.throttle_bps = 8_000_000
    jobs, updates = InstallJobs(), []
    job = jobs.start("big", store, catalog=catalog, options=FAST, on_update=updates.append)
    assert jobs.start("big", store, catalog=catalog, options=FAST) is job  # one per model
    while not job.finished and not (job.last.download and job.last.download.file_done):
        job.wait(0.05)
    job.cancel()
    assert job.wait(30) and job.state == CANCELLED
    assert DOWNLOADING in {u.state for u in updates}

    hub.faults.throttle_bps = 0
    again = jobs.start("big", store, catalog=catalog, options=FAST)
    assert again is not job
    assert again.wait(60) and again.state == DONE, again.error
    assert again.result is not None and again.result.path.is_dir()
    assert again.last.percent == 100 and jobs.active() == []


# --- after the download: ONNX, a poster, the CLI -------------------------------------------
@pytest.mark.slow
def test_downloaded_generator_converts_to_onnx_and_makes_a_poster(hub, qwen_repo, tmp_path):
    from PIL import Image

    from export.convert_installed import convert_installed
    from inference.core.settings import Settings
    from inference.models.model_store import use_model
    from inference.runs.pipeline import MakeRequest, Pipeline

    store, updates = store_of(tmp_path), []
    job = InstallJobs().start(
        "tiny-qwen",
        store,
        catalog=catalog_of(entry("tiny-qwen", qwen_repo)),
        options=FAST,
        onnx=True,
        keep_torch=False,
        convert=convert_installed,
        on_update=updates.append,
    )
    assert job.wait(600) and job.state == DONE, job.error
    assert [u.state for u in updates].index(DOWNLOADING) < [u.state for u in updates].index(
        CONVERTING
    )
    onnx = job.result
    from export.common import AUTO_QUANTIZATION
    from inference.models.model_store import converted_id

    # "auto": the generator's benchmarked default (export.common), named after it
    assert onnx.id == converted_id("tiny-qwen", AUTO_QUANTIZATION["generator"]) and onnx.is_onnx
    assert onnx.manifest.source["from"] == "tiny-qwen"
    assert "parity" in onnx.manifest.source and onnx.manifest.source["parity"]
    assert store.find("tiny-qwen") is None  # the PyTorch folder was not kept
    report = store.verify(onnx.id, load=True)
    assert report.ok and report.loaded_with == "onnx", report.problems

    settings = use_model(Settings(), onnx)
    assert settings.models.generator_backend == "onnx"
    picture = Image.new("RGB", (320, 240), (40, 90, 160))
    result = Pipeline(settings).run(
        MakeRequest("Приходит мужик в библиотеку", n_candidates=2, picture=picture)
    )
    assert result.candidates and result.poster is not None
    out = tmp_path / "poster.png"
    result.poster.save(out)
    with Image.open(out) as img:
        assert img.width == settings.poster_width
        assert img.getpixel((2, 2)) == (0, 0, 0)  # the black mat


def test_cli_install_list_verify_remove(hub, qwen_repo, tmp_path):
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps({"models": [entry("tiny-qwen", qwen_repo)]}), "utf-8")
    env = {**__import__("os").environ, "DEMOTIVATOR_CATALOG": str(catalog_file)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "demotivator.cli", "models", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    before = json.loads(cli("list", "--json").stdout)
    assert [(r["id"], r["state"]) for r in before["catalog"]] == [("tiny-qwen", "absent")]
    done = cli("install", "tiny-qwen", "--quiet")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_dir()
    after = json.loads(cli("list", "--json").stdout)
    assert after["catalog"][0]["state"] == "installed"
    assert [m["id"] for m in after["installed"]] == ["tiny-qwen"]
    verify = cli("verify", "tiny-qwen")
    assert verify.returncode == 0 and "в порядке" in verify.stdout
    assert cli("remove", "tiny-qwen").returncode == 0
    missing = cli("verify", "tiny-qwen")
    assert missing.returncode == 1 and "не установлена" in missing.stderr
    assert "Traceback" not in missing.stderr
