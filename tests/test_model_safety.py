"""Model folders from outside the app (issue 15, items 2, 5 and 9): ``models import`` does not
copy what links outside the folder point to; ``verify`` says OK only for weights the loaders
can open; removing a linked entry removes the link, not its target; removing the model a
role uses puts that role back to its default; bundled lite models can be chosen by id."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path, PurePosixPath

import pytest

from inference.core.errors import ModelError
from inference.core.settings import Settings, load_settings
from inference.models.model_manager import ModelManager
from inference.models.model_store import ModelStore
from tests.test_model_store import run_cli


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(Settings().models_path())  # the folder the CLI uses in this test


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def with_bin_weights(folder: Path, extra: object | None = None) -> Path:
    """``folder`` with its safetensors turned into pytorch_model.bin (plus ``extra``, an
    object the weights-only unpickler refuses, when given)."""
    import torch
    from safetensors.torch import load_file

    weights = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save(
        weights if extra is None else {**weights, "extra": extra}, folder / "pytorch_model.bin"
    )
    return folder


# --- item 2: import and links ----------------------------------------------------------------
def test_import_refuses_a_link_leading_outside(store, tmp_path, tiny_generator_dir, capsys):
    secret = tmp_path / "secret" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$hash")
    src = copy_model(tiny_generator_dir, tmp_path / "gen")
    (src / "notes.txt").symlink_to(secret)
    with pytest.raises(ModelError) as err:
        store.import_folder(src, "generator", "gen")
    assert "notes.txt" in str(err.value) and "за её пределы" in str(err.value)
    assert store.list() == [] and not store.staging_dir("gen").exists()
    code, _, err_text = run_cli(capsys, "import", str(src), "--role", "generator", "--quiet")
    assert code == 1 and len(err_text.strip().splitlines()) == 1 and "Traceback" not in err_text
    assert not any("root:$6$" in p.read_text(errors="ignore") for p in _files(store.root))


def test_import_copies_links_that_stay_inside(store, tmp_path, tiny_generator_dir):
    src = copy_model(tiny_generator_dir, tmp_path / "gen")
    (src / "generation_config_link.json").symlink_to(src / "generation_config.json")
    model = store.import_folder(src, "generator", "gen")
    copied = model.path / "generation_config_link.json"
    assert copied.is_file() and not copied.is_symlink()
    assert copied.read_bytes() == (src / "generation_config.json").read_bytes()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


# --- item 9: verify means loadable -----------------------------------------------------------
def test_verify_reports_pickle_weights_the_loaders_refuse(store, tiny_generator_dir, capsys):
    hand_made = copy_model(tiny_generator_dir, store.root / "hand-made")
    with_bin_weights(hand_made, extra=PurePosixPath("not/a/tensor"))
    report = store.verify("hand-made")
    assert not report.ok
    assert any("pytorch_model.bin" in p and ".safetensors" in p for p in report.problems)
    code, out, err = run_cli(capsys, "verify", "hand-made", "--quiet")
    assert code == 1 and "в порядке" not in out and "pytorch_model.bin" in err


def test_a_plain_pickle_is_not_loadable_either(store, tiny_generator_dir):
    hand_made = copy_model(tiny_generator_dir, store.root / "pickled")
    (hand_made / "model.safetensors").unlink()
    (hand_made / "pytorch_model.bin").write_bytes(pickle.dumps({"w": [1.0, 2.0]}))
    assert not store.verify("pickled").ok


def test_tensor_only_bin_weights_verify_and_load(store, tiny_generator_dir):
    hand_made = with_bin_weights(copy_model(tiny_generator_dir, store.root / "bin-ok"))
    report = store.verify("bin-ok", load=True)
    assert report.ok, report.problems
    assert report.loaded_with == "torch"
    assert store.import_folder(hand_made, "generator", "bin-copy").path.is_dir()


def test_import_refuses_pickle_weights_the_loaders_refuse(store, tmp_path, tiny_generator_dir):
    src = with_bin_weights(copy_model(tiny_generator_dir, tmp_path / "gen"), PurePosixPath("x"))
    with pytest.raises(ModelError, match="pytorch_model.bin"):
        store.import_folder(src, "generator", "gen")
    assert store.list() == []


def test_a_manifest_naming_files_outside_its_folder_is_not_trusted(store, tiny_generator_dir):
    from inference.models.model_manifest import MANIFEST_NAME

    model = store.import_folder(tiny_generator_dir, "generator", "gen")
    outside = store.root / "outside.txt"
    outside.write_text("not part of the model")
    manifest = json.loads((model.path / MANIFEST_NAME).read_text())
    manifest["files"].append({"path": "../outside.txt", "size": outside.stat().st_size})
    (model.path / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert store.find("gen").manifest is None  # read as a hand-made folder, still usable
    assert store.verify("gen").files_checked == 0


# --- item 9: a linked store entry ------------------------------------------------------------
def test_removing_a_linked_entry_removes_the_link_only(store, tmp_path, tiny_generator_dir, capsys):
    target = copy_model(tiny_generator_dir, tmp_path / "elsewhere" / "my-model")
    store.root.mkdir(parents=True)
    (store.root / "linked").symlink_to(target, target_is_directory=True)
    assert run_cli(capsys, "use", "linked")[0] == 0
    code, out, err = run_cli(capsys, "remove", "linked")
    assert code == 0, err
    assert "ссылка" in out and str(target) in out and "Закройте" not in out + err
    assert not (store.root / "linked").exists() and (target / "config.json").is_file()
    assert load_settings()[0].models.generator_dir == ""  # it was in use: back to default


# --- item 5: roles never point at a removed model; bundled models can be chosen -------------
def test_removing_the_model_a_role_uses_resets_the_role(capsys, tiny_generator_dir):
    args = ("import", str(tiny_generator_dir), "--role", "generator", "--id", "gen", "--quiet")
    assert run_cli(capsys, *args)[0] == 0
    assert run_cli(capsys, "use", "gen", "--backend", "torch")[0] == 0
    code, out, _ = run_cli(capsys, "remove", "gen")
    assert code == 0 and "возвращена к модели по умолчанию" in out
    settings = load_settings()[0]
    assert settings.models.generator_dir == "" and settings.models.generator_backend == "onnx"
    ModelManager(settings).check_folders()  # `make` would start: nothing points at a gone folder


@pytest.mark.parametrize("model_id", ["lite-generator", "lite-ranker", "lite-illustrator"])
def test_bundled_models_can_be_chosen_with_use(capsys, model_id):
    settings = Settings()
    role = model_id.removeprefix("lite-")
    setattr(settings.models, f"{role}_dir", "/no/such/folder")
    from inference.core.settings import save_settings

    save_settings(settings)
    code, out, err = run_cli(capsys, "use", model_id)
    assert code == 0, err
    chosen = load_settings()[0]
    assert getattr(chosen.models, f"{role}_dir") == ""  # "" = the bundled model
    spec = ModelManager(chosen).spec(role)
    assert spec is not None and spec.bundled
