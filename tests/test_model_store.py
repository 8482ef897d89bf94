"""The catalogue and the models folder without any network: validation of the shipped
catalogue, import of local folders (with clear refusals), verify (missing, truncated and
corrupted files), remove, selection for a role, the CLI, and the small helpers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from demotivator import models as cli_models
from inference.core.errors import ModelError
from inference.core.human_units import format_bytes, format_duration
from inference.core.i18n import set_language
from inference.core.progress import Progress
from inference.core.registry import ROLES
from inference.core.settings import Settings, load_settings
from inference.models.catalog import CatalogError, load_catalog, parse_catalog
from inference.models.downloader import SpeedMeter, offline_mode
from inference.models.model_manifest import MANIFEST_NAME
from inference.models.model_store import ModelStore, slug_id, use_model


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "data" / "models")  # the conftest's DEMOTIVATOR_DATA_DIR


# --- the catalogue -------------------------------------------------------------------------
def test_shipped_catalogue_is_complete():
    catalog = load_catalog()
    hub = catalog.downloadable()
    assert {e.repo for e in hub} >= {
        "Qwen/Qwen2.5-1.5B-Instruct",
        "Qwen/Qwen2.5-0.5B-Instruct",
        "Qwen/Qwen2.5-3B-Instruct",
        "stabilityai/sd-turbo",
        "IDKiro/sdxs-512-0.9",
        "madebyollin/taesd",
        "cointegrated/rubert-tiny2",
    }
    for e in hub:
        assert len(e.revision) == 40 and e.allow_patterns and e.size_bytes > 0
        assert e.licence.name and e.licence.url.startswith("https://")
        assert e.text("ru") and e.text("en") and e.note
    assert {e.id for e in catalog.entries if e.is_bundled} == {f"lite-{r}" for r in ROLES}
    defaults = {e.role: e.id for e in catalog.entries if e.default}
    assert defaults["generator"] == "qwen3-1.7b"
    recommended = [e.id for e in catalog.recommended()]
    assert "qwen3-1.7b" in recommended and defaults["illustrator"] in recommended
    assert {"qwen3-4b", "qwen2.5-1.5b-instruct", "qwen2.5-0.5b-instruct"} <= {e.id for e in hub}
    # licences shown plainly: a non-commercial one says so in the name the user sees
    for e in hub:
        assert e.licence.commercial or "non-commercial" in e.licence.name
    assert not catalog.get("qwen2.5-3b-instruct").licence.commercial
    assert catalog.get("qwen3-4b").licence.name == "Apache-2.0"
    turbo = catalog.get("sd-turbo")
    assert [(c.id, c.subfolder) for c in turbo.companions] == [("taesd", "vae_tiny")]
    assert catalog.download_size(turbo) == turbo.size_bytes + catalog.get("taesd").size_bytes


def good_entry(**changes: object) -> dict:
    item = {
        "id": "m",
        "role": "generator",
        "source": "hub",
        "repo": "a/b",
        "revision": "f" * 40,
        "allow_patterns": ["*.json"],
        "licence": {"name": "MIT", "url": ""},
        "description": {"ru": "м", "en": "m"},
    }
    return item | changes


@pytest.mark.parametrize(
    ("models", "where"),
    [
        ([good_entry(revision="main")], "revision"),
        ([good_entry(role="painter")], "role"),
        ([good_entry(), good_entry()], "duplicate"),
        ([good_entry(companions=[{"id": "ghost", "subfolder": "x"}])], "ghost"),
        ([good_entry(description={"ru": "только русский"})], "description"),
        ([good_entry(allow_patterns=[])], "allow_patterns"),
        ([good_entry(licence={"name": "Research", "url": "", "commercial": False})], "non-comm"),
        ([good_entry(licence={"name": "MIT", "commercial": "yes"})], "licence.commercial"),
    ],
)
def test_broken_catalogue_says_where(models, where):
    with pytest.raises(CatalogError) as err:
        parse_catalog({"models": models}, Path("broken.json"))
    assert where in str(err.value) and "broken.json" in str(err.value)


def test_unknown_catalogue_id_lists_the_known_ones():
    with pytest.raises(ModelError) as err:
        load_catalog().get("gpt-5")
    assert "gpt-5" in str(err.value) and "qwen2.5-1.5b-instruct" in str(err.value)


# --- import ------------------------------------------------------------------------------
def test_import_generator_records_every_file(store, tiny_generator_dir):
    events = []
    model = store.import_folder(tiny_generator_dir, "generator", progress=Progress(events.append))
    assert model.id == slug_id(tiny_generator_dir.name) and model.role == "generator"
    src_files = sorted(p.name for p in tiny_generator_dir.iterdir() if p.is_file())
    assert sorted(f.path for f in model.manifest.files) == src_files
    assert all(f.sha256 and len(f.sha256) == 64 for f in model.manifest.files)
    assert (model.path / MANIFEST_NAME).is_file()
    assert model.manifest.source == {"type": "import", "path": str(tiny_generator_dir.resolve())}
    assert events[-1].finished and events[-1].done == events[-1].total == model.size
    assert [m.id for m in store.list()] == [model.id]
    with pytest.raises(ModelError):  # the same id twice is refused, not overwritten
        store.import_folder(tiny_generator_dir, "generator", model_id=model.id)


def test_import_illustrator(store, tiny_sd_dir):
    model = store.import_folder(tiny_sd_dir, "illustrator", model_id="tiny-sd")
    assert model.role == "illustrator"
    assert store.verify("tiny-sd").backends == ["torch"]


@pytest.mark.parametrize(
    ("fixture", "role", "words"),
    [  # the message says what the folder is and how to add it
        ("tiny_ranker_dir", "generator", "«оценка шуток», а не «генератор шуток»"),
        ("tiny_generator_dir", "ranker", "--role generator"),
        ("tiny_generator_dir", "illustrator", "--role generator"),
        ("tiny_sd_dir", "generator", "--role illustrator"),
        ("tiny_sd_dir", "ranker", "«картинка», а не «оценка шуток»"),
    ],
)
def test_import_refuses_the_wrong_kind(store, request, fixture, role, words):
    src = request.getfixturevalue(fixture)
    with pytest.raises(ModelError) as err:
        store.import_folder(src, role)
    assert words.lower() in str(err.value).lower()
    assert store.list() == [] and not any(store.root.glob(".partial/*"))


def test_import_of_a_file_or_an_empty_folder_says_what_is_wrong(
    store, tiny_generator_dir, tmp_path
):
    with pytest.raises(ModelError, match="это файл"):
        store.import_folder(tiny_generator_dir / "config.json", "generator")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="нет config.json"):
        store.import_folder(tmp_path / "empty", "generator")
    assert store.list() == []


def test_import_refuses_a_folder_without_weights(store, tiny_generator_dir, tmp_path):
    src = tmp_path / "no-weights"
    shutil.copytree(tiny_generator_dir, src, ignore=shutil.ignore_patterns("*.safetensors"))
    with pytest.raises(ModelError) as err:
        store.import_folder(src, "generator")
    assert str(src) in str(err.value)
    with pytest.raises(ModelError):
        store.import_folder(tmp_path / "nowhere", "generator")


@pytest.mark.parametrize(
    ("keep", "words"),
    [(0.5, "обрезан"), (200, "обрезан"), (0, "повреждён")],  # cut in the data, in the header
)
def test_import_refuses_weights_cut_short_or_garbled(
    store, tiny_generator_dir, tmp_path, keep, words
):
    """An interrupted copy of the user's folder (weights shorter than their header promises,
    or no safetensors header at all) is refused at import, naming the file, not at the first
    poster."""
    src = tmp_path / "cut"
    shutil.copytree(tiny_generator_dir, src)
    weights = next(src.glob("*.safetensors"))
    data = weights.read_bytes()
    if keep == 0:
        weights.write_bytes(b"\x00" * len(data))
    else:
        weights.write_bytes(data[: int(len(data) * keep) if keep < 1 else int(keep)])
    with pytest.raises(ModelError) as err:
        store.import_folder(src, "generator")
    assert weights.name in str(err.value) and words in str(err.value)
    assert store.list() == [] and not any(store.root.glob(".partial/*"))


def test_verify_without_a_manifest_still_sees_cut_weights(store, tiny_generator_dir):
    """Even with no recorded sizes (the manifest lost), verify reads the weights' headers."""
    model = store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    (model.path / MANIFEST_NAME).unlink()
    weights = next(model.path.glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-100])
    report = store.verify("gen", hashes=False)
    assert not report.ok
    assert any(weights.name in p and "обрезан" in p for p in report.problems)


# --- verify, remove, unmanaged folders -----------------------------------------------------
@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_verify_finds_damaged_files(store, tiny_generator_dir, damage):
    model = store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    assert store.verify("gen").ok
    target = model.path / "tokenizer.json"
    data = target.read_bytes()
    if damage == "flip":
        target.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif damage == "truncate":
        target.write_bytes(data[:-10])
    else:
        target.unlink()
    report = store.verify("gen")
    assert not report.ok
    expected = {"flip": "повреждён", "truncate": "ожидалось", "delete": "нет файла"}[damage]
    assert any("tokenizer.json" in p and expected in p for p in report.problems)
    quick = store.verify("gen", hashes=False)
    assert quick.ok == (damage == "flip")  # sizes alone cannot see a flipped byte


def test_verify_can_really_load(store, tiny_generator_dir):
    store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    report = store.verify("gen", load=True)
    assert report.ok and report.loaded_with == "torch"
    (store.path_for("gen") / "model.safetensors").write_bytes(b"not safetensors at all")
    broken = store.verify("gen", hashes=False, load=True)
    assert not broken.ok


def test_unmanaged_folder_is_listed_and_checked(store, tiny_ranker_dir):
    shutil.copytree(tiny_ranker_dir, store.root / "by-hand")
    (model,) = store.list()
    assert model.id == "by-hand" and model.role == "ranker" and not model.managed
    report = store.verify("by-hand")
    assert report.ok and report.files_checked == 0 and report.backends == ["torch"]


def test_remove(store, tiny_generator_dir):
    store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    store.remove("gen")
    assert store.list() == [] and not store.path_for("gen").exists()
    with pytest.raises(ModelError) as err:
        store.remove("gen")
    assert "gen" in str(err.value)


def test_use_model_points_settings_at_it(store, tiny_generator_dir):
    model = store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    settings = use_model(Settings(), model)
    assert settings.models.generator_dir == str(model.path)
    assert settings.models.generator_backend == "torch"  # no ONNX export in the folder


def test_catalogue_status_of_bundled_and_absent_entries(store):
    catalog = load_catalog()
    assert store.status(catalog.get("qwen2.5-1.5b-instruct")).state == "absent"
    lite = store.status(catalog.get("lite-generator"))
    assert lite.state in ("bundled", "unavailable")
    assert (lite.state == "bundled") == (catalog.get("lite-generator").bundled_path() is not None)


# --- the CLI -------------------------------------------------------------------------------
def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_models.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_verify_use_remove(capsys, tiny_generator_dir, tiny_ranker_dir):
    code, out, _ = run_cli(
        capsys, "import", str(tiny_generator_dir), "--role", "generator", "--id", "gen", "--quiet"
    )
    assert code == 0 and out.strip().endswith("gen")
    code, out, _ = run_cli(capsys, "verify", "--quiet")
    assert code == 0 and "gen: в порядке" in out
    code, out, _ = run_cli(capsys, "use", "gen")
    assert code == 0 and load_settings()[0].models.generator_dir.endswith("gen")
    code, out, _ = run_cli(capsys, "list", "--json")
    listing = json.loads(out)
    assert listing["configured"]["generator"]["path"].endswith("gen")
    assert [m["id"] for m in listing["installed"]] == ["gen"]
    code, _, err = run_cli(capsys, "import", str(tiny_ranker_dir), "--role", "generator")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert run_cli(capsys, "remove", "gen")[0] == 0
    code, out, _ = run_cli(capsys)  # no action = list
    assert code == 0 and "qwen2.5-1.5b-instruct" in out


def test_lite_entries_are_what_the_app_runs_with_no_model_chosen(store, capsys):
    """Each bundled catalogue entry points at the folder the app really uses for its role
    when nothing is configured, so `models list` calls it «встроена», not «нет в этой
    сборке» (the lite illustrator lives in resources/lite_illustrator, not models/)."""
    from inference.models.model_manager import ModelManager

    catalog = load_catalog()
    manager = ModelManager(Settings())
    for role in ROLES:
        entry = next(e for e in catalog.entries if e.is_bundled and e.role == role)
        spec = manager.spec(role)
        assert spec is not None and spec.bundled
        assert entry.bundled_path() == spec.path, entry.id
        assert store.status(entry).state == "bundled", entry.id
    code, out, _ = run_cli(capsys, "list", "--json")
    states = {row["id"]: row["state"] for row in json.loads(out)["catalog"]}
    assert code == 0 and states["lite-illustrator"] == "bundled"
    code, out, _ = run_cli(capsys, "list")
    line = next(li for li in out.splitlines() if li.strip().startswith("lite-illustrator"))
    assert "встроена" in line and "нет в этой сборке" not in out


def test_using_the_lite_illustrator_entry_keeps_the_picture_backend(store):
    """«Использовать» on the lite-illustrator row means the default (no folder); the backend
    chosen for real picture models is not turned into "torch" by the emoji folder."""
    from inference.core.registry import no_folder_backend
    from inference.models.model_manager import ModelManager

    lite = store.status(load_catalog().get("lite-illustrator")).installed
    lite_backend = no_folder_backend("illustrator")
    settings = Settings()
    settings.models.illustrator_dir, settings.models.illustrator_backend = "/some/sd", "onnx"
    settings = use_model(settings, lite)
    assert settings.models.illustrator_dir == ""
    assert settings.models.illustrator_backend == "onnx"
    assert ModelManager(settings).spec("illustrator").backend == lite_backend.name


def test_cli_speaks_english(capsys):
    set_language("en")
    code, out, _ = run_cli(capsys, "list")
    assert code == 0 and "Model catalogue" in out and "not installed" in out


# --- helpers -------------------------------------------------------------------------------
def test_speed_meter_uses_a_sliding_window():
    meter = SpeedMeter(window_s=5.0)
    assert meter.speed() == 0.0 and meter.eta(100) is None
    for t in range(11):
        meter.add(float(t), t * 1_000_000)  # 1 MB/s
    assert meter.speed() == pytest.approx(1_000_000)
    assert meter.eta(3_000_000) == pytest.approx(3.0)
    meter.add(11.0, 500)  # a restarted file: old samples are dropped
    assert meter.speed() == 0.0


def test_speed_meter_shows_a_slow_line_whose_bytes_land_in_steps():
    """At 1 MB/s the file on disk grows by 10 MB every 10 s (huggingface_hub's read size):
    between steps the speed is still about 1 MB/s, not 0 with an unknown ETA."""
    meter = SpeedMeter(window_s=5.0)
    for tenth in range(0, 251, 2):  # 25 s polled every 0.2 s
        t = tenth / 10
        meter.add(t, int(t // 10) * 10_000_000)
        if t >= 10:
            assert meter.speed() > 400_000, t
            assert meter.eta(10_000_000) is not None
    meter = SpeedMeter(window_s=5.0, max_window_s=60.0)
    for t in range(0, 200, 1):  # one step, then a real stall of minutes
        meter.add(float(t), 10_000_000 if t >= 10 else 0)
    assert meter.speed() == 0.0


def test_human_units():
    assert format_bytes(3_090_000_000) == "3,1 ГБ"
    assert format_bytes(512) == "512 Б"
    assert format_duration(0.2) == "1 с"
    assert format_duration(150) == "2 мин 30 с"
    assert format_duration(None) == "—"
    set_language("en")
    assert format_bytes(3_090_000_000) == "3.1 GB"


def test_offline_mode_is_read_at_call_time(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert offline_mode()
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert not offline_mode()


def test_first_run_offer_only_while_nothing_is_installed(store, tiny_generator_dir):
    from inference.models.installer import first_run_offer

    offer = first_run_offer(Settings(), store)
    assert {e.role for e in offer} == {"generator", "illustrator"}
    assert sum(load_catalog().download_size(e) for e in offer) > 1_000_000_000
    store.import_folder(tiny_generator_dir, "generator", model_id="gen")
    assert first_run_offer(Settings(), store) == []
