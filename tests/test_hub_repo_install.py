"""Installing any Hub repo by its id (``owner/name[@revision]``), not only catalogue entries —
what a user with their own fine-tune, or a reviewer with their own Hub server, types:
``demotivator models install owner/name``. The role comes from the downloaded config; the
files are chosen as a model folder needs them; a minimal server (names only, no sizes or
commit) still works; wrong ids, non-models and unknown architectures are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demotivator import models as cli_models
from inference.core.errors import ModelError
from inference.core.settings import load_settings
from inference.models.downloader import DownloadError, DownloadOptions, error_message
from inference.models.hub_files import auto_select, parse_repo_spec
from inference.models.installer import install
from inference.models.model_store import ModelStore
from tests.hub_server import HubServer, Repo, RepoFile, serving_hub

FAST = DownloadOptions(retries=1, backoff_s=0.05, poll_s=0.05)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with serving_hub(monkeypatch, tmp_path) as server:
        yield server


def store_of(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


def transfers(hub: HubServer) -> list[str]:
    return [r[1] for r in hub.log if r[0] == "GET" and not r[1].startswith("/api/")]


# --- choosing the files of a repo the catalogue does not name ------------------------------
def test_auto_select_takes_one_set_of_weights_and_the_model_files():
    names = [
        "README.md",
        ".gitattributes",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "merges.txt",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",  # the same weights again
        "model.fp16.safetensors",  # a variant
        "training_args.bin",
        "flax_model.msgpack",
        "onnx/model_q4.onnx",  # quantized-only ONNX next to PyTorch weights
        "checkpoint-500/model.safetensors",
        "LICENSE",
    ]
    assert auto_select(names) == [
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "merges.txt",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "LICENSE",
    ]


def test_auto_select_of_an_onnx_repo_prefers_model_onnx_over_its_flavours():
    names = ["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model.onnx_data"]
    names += ["onnx/model_fp16.onnx", "onnx/model_q4.onnx", "onnx/model_int8.onnx"]
    assert auto_select(names) == names[:4]


def test_auto_select_of_an_older_optimum_export_takes_the_merged_decoder_only():
    names = ["config.json", "tokenizer.json", "decoder_model_merged.onnx"]
    names += ["decoder_model.onnx", "decoder_with_past_model.onnx"]  # the same weights twice
    names += ["decoder_model_merged_quantized.onnx"]
    assert auto_select(names) == names[:3]
    pair = ["config.json", "tokenizer.json", "decoder_model.onnx", "decoder_with_past_model.onnx"]
    assert auto_select(pair) == pair  # without a merged graph both halves are needed


def test_auto_select_of_a_diffusers_repo_keeps_its_components_only():
    names = [
        "model_index.json",
        "sd_turbo.safetensors",  # the single-file checkpoint: the same weights again
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.safetensors",
        "vae_large/diffusion_pytorch_model.safetensors",  # not in model_index.json
        "vae_tiny/config.json",
        "tokenizer/vocab.json",
    ]
    kept = auto_select(names, ["unet", "vae", "tokenizer"])
    assert kept == [n for i, n in enumerate(names) if i not in (1, 4, 7)]


@pytest.mark.parametrize(
    ("text", "repo", "revision"),
    [
        ("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", "main"),
        ("me/my-model@v1.0", "me/my-model", "v1.0"),
        ("me/x@" + "0a" * 20, "me/x", "0a" * 20),
    ],
)
def test_repo_ids_are_parsed(text, repo, revision):
    spec = parse_repo_spec(text)
    assert spec is not None and (spec.repo, spec.revision) == (repo, revision)


@pytest.mark.parametrize("text", ["qwen", "a/b/c", "../etc", "/abs", "a b/c", "owner/", ""])
def test_non_repo_ids_are_not_parsed(text):
    assert parse_repo_spec(text) is None


# --- installing by Hub id ----------------------------------------------------------------
def test_any_repo_installs_with_its_role_read_from_its_config(
    hub, tmp_path, tiny_generator_dir, tiny_sd_dir, tiny_ranker_dir
):
    hub.add(Repo.from_folder("someone/joke-writer", tiny_generator_dir))
    hub.add(Repo.from_folder("someone/pictures", tiny_sd_dir))
    hub.add(Repo.from_folder("someone/judge", tiny_ranker_dir))
    store = store_of(tmp_path)
    found = {}
    for repo in ("someone/joke-writer", "someone/pictures", "someone/judge"):
        model = install(repo, store, options=FAST)
        found[repo] = (model.id, model.role, model.kind)
        assert model.manifest.source["repo"] == repo and model.manifest.catalog_id == ""
        assert store.verify(model.id).ok
        assert store.find(repo).path == model.path  # the repo id finds it again
    assert found == {
        "someone/joke-writer": ("someone--joke-writer", "generator", "model"),
        "someone/pictures": ("someone--pictures", "illustrator", "model"),
        "someone/judge": ("someone--judge", "ranker", "model"),
    }
    assert (tmp_path / "store" / "someone--pictures" / "vae_tiny" / "config.json").is_file()


def test_a_bert_that_is_no_ranker_yet_installs_as_a_base_to_train_from(
    hub, tmp_path, tiny_ranker_dir
):
    repo = Repo.from_folder("someone/rubert-like", tiny_ranker_dir)
    config = json.loads(repo.files["config.json"].data)
    config["architectures"] = ["BertForPreTraining"]
    repo.files["config.json"].data = json.dumps(config).encode()
    hub.add(repo)
    model = install("someone/rubert-like", store_of(tmp_path), options=FAST)
    assert (model.role, model.kind) == ("ranker", "base")


def test_a_minimal_server_without_sizes_hashes_or_commit_still_installs(
    hub, tmp_path, tiny_generator_dir
):
    hub.faults.bare_listing = True  # names only, like a small mirror or a hand-made server
    hub.add(Repo.from_folder("mirror/qwen", tiny_generator_dir))
    model = install("mirror/qwen", store_of(tmp_path), options=FAST)
    on_disk = {p.name: p.stat().st_size for p in tiny_generator_dir.iterdir() if p.is_file()}
    assert {f.path: f.size for f in model.manifest.files} == on_disk
    assert store_of(tmp_path).verify(model.id, load=True).ok


def test_the_repo_of_a_catalogue_entry_installs_that_entry(hub, tmp_path, tiny_generator_dir):
    from inference.models.catalog import parse_catalog

    repo = hub.add(Repo.from_folder("Org/Joke-Model", tiny_generator_dir))
    entry = {
        "id": "joke-model",
        "role": "generator",
        "source": "hub",
        "repo": "Org/Joke-Model",
        "revision": repo.commit,
        "allow_patterns": ["config.json", "*.safetensors", "*.json", "*.txt"],
        "licence": {"name": "MIT", "url": ""},
        "description": {"ru": "т", "en": "t"},
    }
    catalog = parse_catalog({"models": [entry]}, Path("c.json"))
    model = install("Org/Joke-Model", store_of(tmp_path), catalog, FAST)
    assert model.id == "joke-model" and model.manifest.catalog_id == "joke-model"
    assert model.manifest.source["commit"] == repo.commit  # the pinned revision


def test_a_shipped_qwen_entry_installs_a_repo_with_only_tokenizer_json(
    hub, tmp_path, tiny_generator_dir
):
    """vocab.json / merges.txt duplicate tokenizer.json: a Qwen2 repo (at the pinned revision)
    whose tokenizer was saved without them still installs as the catalogue entry, and a chat
    template kept in its own chat_template.jinja (newer transformers) comes along."""
    from inference.models.catalog import load_catalog

    catalog = load_catalog()
    entry = catalog.get("qwen2.5-0.5b-instruct")
    repo = Repo.from_folder(entry.repo, tiny_generator_dir)
    for name in ("vocab.json", "merges.txt"):
        repo.files.pop(name, None)
    template = b"{% for m in messages %}{{ m['content'] }}{% endfor %}"
    repo.files["chat_template.jinja"] = RepoFile(template, lfs=False)
    repo.commit = entry.revision
    hub.add(repo)
    model = install(entry.id, store_of(tmp_path), catalog, FAST)
    assert model.id == entry.id
    assert (model.path / "tokenizer.json").is_file()
    assert (model.path / "chat_template.jinja").read_bytes() == template
    assert not (model.path / "vocab.json").exists()


def test_a_repo_that_is_no_model_is_refused_before_any_transfer(hub, tmp_path):
    from tests.hub_server import RepoFile

    files = {"data.csv": RepoFile(b"a,b\n1,2\n", False), "README.md": RepoFile(b"# x", False)}
    hub.add(Repo("someone/a-dataset", "c" * 40, files))
    with pytest.raises(DownloadError) as err:
        install("someone/a-dataset", store_of(tmp_path), options=FAST)
    assert err.value.kind == "not_a_model" and "config.json" in str(err.value)
    assert transfers(hub) == []


def test_an_unknown_architecture_asks_for_the_role_and_leaves_nothing(
    hub, tmp_path, tiny_ranker_dir
):
    repo = Repo.from_folder("someone/t5", tiny_ranker_dir)
    repo.files["config.json"].data = json.dumps(
        {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5"}
    ).encode()
    hub.add(repo)
    store = store_of(tmp_path)
    with pytest.raises(ModelError, match="--role"):
        install("someone/t5", store, options=FAST)
    assert store.list() == [] and store.partial_bytes("someone--t5") == 0


def test_wrong_ids_say_what_an_id_looks_like(tmp_path):
    with pytest.raises(ModelError) as err:
        install("not an id", store_of(tmp_path))
    assert "владелец/имя" in str(err.value) and "qwen2.5-1.5b-instruct" in str(err.value)


# --- the store never leaves its folder -----------------------------------------------------
@pytest.mark.parametrize("bad", ["..", "../data", ".partial", "a\\..\\b", "../../etc/x"])
def test_remove_never_deletes_outside_the_models_folder(tmp_path, bad):
    store = ModelStore(tmp_path / "data" / "models")
    (tmp_path / "data" / "models" / ".partial").mkdir(parents=True)
    (tmp_path / "data" / "keep.txt").write_text("precious")
    with pytest.raises(ModelError, match="не установлена"):
        store.remove(bad)
    assert (tmp_path / "data" / "keep.txt").read_text() == "precious"
    assert (tmp_path / "data" / "models" / ".partial").is_dir()


# --- messages ------------------------------------------------------------------------------
def test_a_bad_endpoint_is_named_as_such(hub, tmp_path):
    with pytest.raises(DownloadError) as err:
        install("a/b", store_of(tmp_path), options=DownloadOptions(endpoint="localhost:1"))
    assert err.value.kind == "bad_endpoint" and "HF_ENDPOINT" in str(err.value)


def test_disk_filling_up_mid_write_is_reported_without_made_up_sizes():
    text = error_message("disk_full", "a/b", {"detail": "[Errno 28] No space left on device"})
    assert "Диск заполнился" in text and "0 Б" not in text


# --- the CLI, exactly as a user types it ---------------------------------------------------
def test_cli_install_verify_use_remove_by_repo_id(hub, capsys, tiny_generator_dir):
    hub.add(Repo.from_folder("someone/joke-writer", tiny_generator_dir))
    assert cli_models.main(["install", "someone/joke-writer", "--quiet"]) == 0
    out = capsys.readouterr()
    path = Path(out.out.strip())
    assert path.name == "someone--joke-writer" and (path / "config.json").is_file()
    assert cli_models.main(["list"]) == 0
    assert "с Hugging Face: someone/joke-writer" in capsys.readouterr().out
    assert cli_models.main(["verify", "someone/joke-writer"]) == 0
    assert cli_models.main(["use", "someone/joke-writer"]) == 0
    assert load_settings()[0].models.generator_dir == str(path)
    assert cli_models.main(["remove", "someone/joke-writer"]) == 0
    assert not path.exists()
    capsys.readouterr()
    assert cli_models.main(["install", "someone/missing", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "someone/missing" in err and "не найдена" in err and "Traceback" not in err
