"""A hostile Hub (tests/hub_server.py with ``hostile_names``) must not write outside the
models folder: every remote file name is checked once (inference.models.remote_names) before any
path is built, for catalogue entries, any Hub repo, the background job the window runs and
the CLI. Refused with one translated line; nothing written, nothing in a manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from demotivator import models as cli_models
from inference.models.catalog import Catalog, load_catalog, parse_catalog
from inference.models.downloader import DownloadError, DownloadOptions
from inference.models.install_job import FAILED, InstallJobs
from inference.models.installer import install
from inference.models.model_store import ModelStore
from inference.models.remote_names import UnsafeName, check_remote_name, safe_target
from tests.hub_server import Repo, serving_hub

FAST = DownloadOptions(retries=1, backoff_s=0.05, poll_s=0.05)
ESCAPE = "tokenizer/../../../../../PWN.txt"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with serving_hub(monkeypatch, tmp_path) as server:
        yield server


def catalog_for(repo: Repo) -> Catalog:
    entry = {
        "id": "tiny-qwen",
        "role": "generator",
        "source": "hub",
        "repo": repo.repo_id,
        "revision": repo.commit,
        "allow_patterns": ["config.json", "*.safetensors", "tokenizer*", "*.json", "*.txt"],
        "optional_patterns": ["*.jinja"],
        "size_bytes": 1000,
        "licence": {"name": "MIT", "url": "https://example.invalid/licence"},
        "description": {"ru": "тестовая модель", "en": "test model"},
    }
    return parse_catalog({"models": [entry]}, Path("test-catalog.json"))


def pwned(root: Path) -> list[Path]:
    """Every copy of the payload anywhere under the test's folder (and the filesystem root,
    where an absolute name would have put it)."""
    found = [p for p in root.rglob("PWN*") if p.is_file()]
    return found + [p for p in (Path("/PWN.txt"), Path("/PWN.json")) if p.exists()]


def assert_nothing_installed(store: ModelStore, tmp_path: Path, err: DownloadError) -> None:
    assert err.kind == "unsafe_name"
    assert len(str(err).splitlines()) == 1 and "HF_ENDPOINT" in str(err)
    assert pwned(tmp_path) == []
    assert store.list() == []  # no model, so no manifest listing the name either


# --- the check itself ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["config.json", "tokenizer/vocab.json", "unet/diffusion_pytorch_model.safetensors"]
)
def test_ordinary_names_pass(name):
    assert check_remote_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        ESCAPE,
        "..",
        "../x.json",
        "/etc/x.json",
        "C:/x.json",
        "c:x.json",
        "..\\..\\x.json",
        "a\\b.json",
        "a//b.json",
        "./config.json",
        "a/./b.json",
        "tokenizer/",
        "",
        "a\nb.json",
        "a\0b.json",
    ],
)
def test_hostile_names_are_refused(name):
    with pytest.raises(UnsafeName):
        check_remote_name(name)


def test_a_link_leading_out_of_the_folder_is_refused(tmp_path):
    root, outside = tmp_path / "model", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "tokenizer").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeName):
        safe_target(root, "tokenizer/vocab.json")
    (root / "inside").mkdir()
    (root / "alias").symlink_to(root / "inside", target_is_directory=True)
    assert safe_target(root, "alias/vocab.json") == root.resolve() / "alias/vocab.json"


# --- every install path ------------------------------------------------------------------
def test_catalogue_install_refuses_a_name_climbing_out(hub, tmp_path, tiny_generator_dir):
    """The attack run's case: fnmatch's ``*`` matched ``tokenizer/../../…`` and the file
    landed outside the data folder, with a success message and a manifest line."""
    repo = hub.add(Repo.from_folder("evil/tiny-qwen", tiny_generator_dir))
    hub.faults.hostile_names = [ESCAPE]
    store = ModelStore(tmp_path / "data" / "models")
    with pytest.raises(DownloadError) as err:
        install("tiny-qwen", store, catalog_for(repo), FAST)
    assert_nothing_installed(store, tmp_path, err.value)
    assert ESCAPE in str(err.value)


def test_the_shipped_sdxs_entry_refuses_it_too(hub, tmp_path, tiny_sd_dir):
    catalog = load_catalog()
    entry = catalog.get("sdxs-512-0.9")
    repo = Repo.from_folder(entry.repo, tiny_sd_dir)
    repo.commit = entry.revision
    hub.add(repo)
    hub.faults.hostile_names = [ESCAPE]
    store = ModelStore(tmp_path / "data" / "models")
    with pytest.raises(DownloadError) as err:
        install(entry.id, store, catalog, FAST)
    assert_nothing_installed(store, tmp_path, err.value)


@pytest.mark.parametrize(
    "name",
    ["../../../PWN.json", "tokenizer/../../../../PWN.json", "/PWN.json", "..\\..\\PWN.json"],
)
def test_any_repo_install_refuses_hostile_names(hub, tmp_path, tiny_generator_dir, name):
    hub.add(Repo.from_folder("evil/joke-writer", tiny_generator_dir))
    hub.faults.hostile_names = [name]
    store = ModelStore(tmp_path / "data" / "models")
    with pytest.raises(DownloadError) as err:
        install("evil/joke-writer", store, options=FAST)
    assert_nothing_installed(store, tmp_path, err.value)
    # refused from the listing, before any file was asked for
    assert [r for r in hub.log if r[0] == "GET" and not r[1].startswith("/api/")] == []


def test_a_link_left_in_a_resumed_install_is_not_followed(hub, tmp_path, tiny_generator_dir):
    """An interrupted install's folder where ``tokenizer`` became a link to elsewhere: the
    resumed install must not write through it."""
    repo = Repo.from_folder("evil/linked", tiny_generator_dir)
    repo.files["tokenizer/extra.json"] = repo.files["config.json"]
    hub.add(repo)
    store = ModelStore(tmp_path / "data" / "models")
    outside = tmp_path / "outside"
    outside.mkdir()
    staging = store.staging_dir("tiny-qwen")
    staging.mkdir(parents=True)
    (staging / "tokenizer").symlink_to(outside, target_is_directory=True)
    with pytest.raises(DownloadError) as err:
        install("tiny-qwen", store, catalog_for(repo), FAST)
    assert err.value.kind == "unsafe_name" and "tokenizer/extra.json" in str(err.value)
    assert list(outside.iterdir()) == []
    assert store.list() == []


def test_the_windows_background_install_refuses_it(hub, tmp_path, tiny_generator_dir):
    repo = hub.add(Repo.from_folder("evil/tiny-qwen", tiny_generator_dir))
    hub.faults.hostile_names = [ESCAPE]
    store = ModelStore(tmp_path / "data" / "models")
    job = InstallJobs().start("tiny-qwen", store, catalog=catalog_for(repo), options=FAST)
    assert job.wait(600)  # a limit only so that a hang fails instead of blocking the suite
    assert job.state == FAILED and "HF_ENDPOINT" in job.error
    assert pwned(tmp_path) == [] and store.list() == []


def test_cli_install_says_one_line(hub, capsys, tmp_path, tiny_generator_dir):
    hub.add(Repo.from_folder("evil/joke-writer", tiny_generator_dir))
    hub.faults.hostile_names = [ESCAPE]
    assert cli_models.main(["install", "evil/joke-writer", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "недопустимое имя файла" in err
    assert pwned(tmp_path) == []
