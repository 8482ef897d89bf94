"""GGUF files in the models folder: ``models import FILE.gguf --role generator`` copied or
linked, ``verify`` (header, and a real llama.cpp load with --load), ``use`` pointing the
settings at the file with the llamacpp backend; wrong roles and foreign files refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from demotivator.cli import main
from inference.core.errors import ModelError
from inference.core.settings import Settings, load_settings
from inference.models.gguf_store import GGUF_NAME, import_gguf
from inference.models.model_store import ModelStore, use_model
from tests.fixtures_gguf import tiny_gguf  # noqa: F401  (fixture)

pytest.importorskip("xllamacpp")


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


def test_copy_verify_and_use(store: ModelStore, tiny_gguf: Path) -> None:  # noqa: F811
    model = import_gguf(store, tiny_gguf, "generator", None, link=False)
    copied = model.path / GGUF_NAME
    assert copied.is_file() and not copied.is_symlink()
    assert copied.read_bytes() == tiny_gguf.read_bytes()
    assert model.manifest.source["format"] == "gguf" and model.manifest.files[0].sha256
    report = store.verify(model.id, hashes=True, load=True)
    assert report.ok and report.backends == ["llamacpp"] and report.loaded_with == "llamacpp"
    settings = use_model(Settings(), store.get(model.id))
    assert settings.models.generator_dir == str(copied)
    assert settings.models.generator_backend == "llamacpp"


def test_link_keeps_the_users_file_and_verify_sees_it_go(
    store: ModelStore,
    tmp_path: Path,
    tiny_gguf: Path,  # noqa: F811
) -> None:
    mine = tmp_path / "lmstudio" / "q.gguf"
    mine.parent.mkdir()
    shutil.copy(tiny_gguf, mine)
    model = import_gguf(store, mine, "generator", "my-q", link=True)
    assert (model.path / GGUF_NAME).resolve() == mine.resolve()
    assert store.verify("my-q").ok
    mine.write_bytes(mine.read_bytes()[:1000])  # the user's file changed under us
    report = store.verify("my-q", hashes=False)
    assert not report.ok and report.problems


def test_wrong_role_and_foreign_files(store: ModelStore, tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    with pytest.raises(ModelError, match="только генератором"):
        import_gguf(store, tiny_gguf, "ranker")
    fake = tmp_path / "fake.gguf"
    fake.write_text("hello")
    with pytest.raises(ModelError, match="не файл GGUF"):
        import_gguf(store, fake)
    assert store.list() == []


def test_cli_import_link_verify_use(tmp_path: Path, tiny_gguf: Path, capsys) -> None:  # noqa: F811
    assert main(["models", "import", str(tiny_gguf), "--role", "generator", "--link",
                 "--id", "tiny", "--quiet"]) == 0  # fmt: skip
    assert main(["models", "verify", "tiny", "--load", "--json", "--quiet"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("[") :])
    assert report[0]["ok"] and report[0]["loaded_with"] == "llamacpp"
    assert main(["models", "use", "tiny"]) == 0
    settings, _ = load_settings()
    assert settings.models.generator_backend == "llamacpp"
    assert Path(settings.models.generator_dir).name == GGUF_NAME
