"""Finding GGUF generators already on the machine: LM Studio's tree, ollama's blobs named by
their manifests, folders the user adds; projector files, later split parts and non-GGUF
files left out. Real GGUF files (the tiny test model), laid out the way those apps do."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from inference.models.gguf_discovery import LMSTUDIO, OLLAMA, USER, default_roots, discover
from tests.fixtures_gguf import tiny_gguf  # noqa: F401  (fixture)


def _ollama_install(root: Path, gguf: Path, name: str, tag: str) -> Path:
    data = gguf.read_bytes()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blob = root / "blobs" / digest.replace(":", "-")
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    manifest = root / "manifests" / "registry.ollama.ai" / "library" / name / tag
    manifest.parent.mkdir(parents=True, exist_ok=True)
    layers = [
        {"mediaType": "application/vnd.ollama.image.model", "digest": digest},
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:00"},
    ]
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}))
    return blob


def test_lmstudio_ollama_and_added_folders(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    home = tmp_path / "home"
    lm = home / ".lmstudio" / "models" / "Qwen" / "Qwen3-0.6B-GGUF"
    lm.mkdir(parents=True)
    shutil.copy(tiny_gguf, lm / "Qwen3-0.6B-Q8_0.gguf")
    shutil.copy(tiny_gguf, lm / "big-00002-of-00003.gguf")  # only part 1 is loadable
    (lm / "mmproj-Qwen3-f16.gguf").write_bytes(tiny_gguf.read_bytes())  # a projector
    (lm / "notes.gguf").write_text("not a model")
    blob = _ollama_install(home / ".ollama" / "models", tiny_gguf, "qwen3", "0.6b")
    mine = tmp_path / "my models"
    mine.mkdir()
    shutil.copy(tiny_gguf, mine / "own.gguf")

    roots = default_roots(home)
    assert [source for _, source in roots] == [LMSTUDIO, OLLAMA]
    found = discover([mine, tmp_path / "missing"], roots=roots)
    by_name = {f.name: f for f in found}
    assert set(by_name) == {"Qwen3-0.6B-Q8_0", "qwen3:0.6b", "own"}
    assert by_name["qwen3:0.6b"].path == blob and by_name["qwen3:0.6b"].source == OLLAMA
    assert by_name["own"].source == USER and by_name["Qwen3-0.6B-Q8_0"].source == LMSTUDIO
    for item in found:
        assert item.architecture == "qwen2" and item.quantization == "F32"
        assert item.size == tiny_gguf.stat().st_size


def test_the_same_file_is_offered_once(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(tiny_gguf, folder / "a.gguf")
    assert len(discover([folder, folder / ".." / "m"], roots=[])) == 1
