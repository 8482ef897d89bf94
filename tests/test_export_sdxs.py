"""SDXS-layout folders (``vae/`` is a TAESD ``AutoencoderTiny``, as in the catalogue's default
``IDKiro/sdxs-512-0.9``): exported to ONNX by ``demotivator export`` and by the conversion
after install, and drawn by the onnx backend with no further step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demotivator.cli import main
from inference.core.errors import ModelError
from inference.core.params import ImageParams
from inference.core.progress import Progress
from inference.image.illustrator import load_illustrator
from tests.test_cli import assert_poster_layout

PROMPT = "a dog wearing sunglasses on a beach, bright summer day"


def test_sdxs_folder_exports_through_the_cli(tiny_sdxs_dir, tiny_sdxs_export):
    assert json.loads((tiny_sdxs_dir / "model_index.json").read_text())["vae"][1] == (
        "AutoencoderTiny"
    )
    assert tiny_sdxs_export["code"] == 0
    dst: Path = tiny_sdxs_export["dst"]
    # Text encoder and UNet as Optimum exports them, the tiny decoder in our convention;
    # no full-VAE graphs, since the folder has no full VAE.
    for part in ("text_encoder", "unet", "vae_decoder_tiny"):
        assert (dst / part / "model.onnx").is_file() and (dst / part / "config.json").is_file()
    assert not (dst / "vae_decoder").exists() and not (dst / "vae_encoder").exists()
    assert (dst / "scheduler" / "scheduler_config.json").is_file()
    assert (dst / "tokenizer" / "vocab.json").is_file()
    index = json.loads((dst / "model_index.json").read_text())
    assert index["unet"] == ["diffusers", "UNet2DConditionModel"]
    assert index["vae"] == ["diffusers", "AutoencoderTiny"]
    # The report printed by the command is the one saved next to the export.
    report = tiny_sdxs_export["report"]
    assert json.loads((dst / "parity.json").read_text()) == report
    assert report["kind"] == "illustrator" and report["tiny_vae"] is True
    assert report["decoder"] == "tiny"
    assert report["image_mean_abs_diff"] < 1.0  # 0-255 scale
    assert report["unet_max_abs_diff"] is not None and report["unet_max_abs_diff"] < 1e-3


def test_exported_sdxs_draws_with_onnx_like_the_torch_source(tiny_sdxs_dir, tiny_sdxs_onnx_dir):
    onnx_ill = load_illustrator(tiny_sdxs_onnx_dir, "onnx")
    torch_ill = load_illustrator(tiny_sdxs_dir, "torch")
    assert onnx_ill.backend == "onnx" and onnx_ill.warnings == []
    # Both draw with the TAESD: the source's own vae/ is one.
    assert onnx_ill.decoder == torch_ill.decoder == "tiny"
    params = ImageParams(width=64, height=64, steps=2, guidance=0.0, seed=3)
    got = np.asarray(onnx_ill.draw(PROMPT, params, Progress()), float)
    ref = np.asarray(torch_ill.draw(PROMPT, params, Progress()), float)
    assert got.shape == (64, 64, 3) and got.std() > 5  # a picture, not a flat square
    assert np.abs(got - ref).mean() < 1.0


def test_make_draws_a_poster_with_the_exported_sdxs_folder(tiny_sdxs_onnx_dir, tmp_path, capsys):
    out = tmp_path / "p.png"
    code = main(
        ["make", "Когда понедельник начался в пятницу", "-o", str(out),
         "--illustrator", str(tiny_sdxs_onnx_dir), "--json", "--quiet",
         "--size", "128", "--steps", "2", "--candidates", "2", "--threads", "1"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    illustrator = next(m for m in data["models"] if m["role"] == "illustrator")
    assert illustrator["backend"] == "onnx" and illustrator["path"] == str(tiny_sdxs_onnx_dir)
    assert data["picture_source"] == "model"
    assert_poster_layout(out)
    picture = np.asarray(Image.open(data["outputs"]["picture"]).convert("RGB"), float)
    assert picture.shape[:2] == (128, 128) and picture.std() > 5


def test_onnx_sdxs_folder_without_its_tiny_decoder_is_a_clear_error(tiny_sdxs_onnx_dir, tmp_path):
    broken = tmp_path / "no-decoder"
    shutil.copytree(tiny_sdxs_onnx_dir, broken)
    shutil.rmtree(broken / "vae_decoder_tiny")
    with pytest.raises(ModelError, match="vae_decoder"):
        load_illustrator(broken, "onnx")


@pytest.mark.slow  # exports once more
def test_installed_sdxs_converts_to_onnx_and_verifies(tiny_sdxs_dir, tmp_path):
    """The «ONNX» conversion after install (``models install ID --onnx``, Models dialog)."""
    from export.convert_installed import convert_installed
    from inference.models.model_store import ModelStore

    store = ModelStore(tmp_path / "models")
    source = store.import_folder(tiny_sdxs_dir, "illustrator", "sdxs-like")
    converted = convert_installed(source.id, store, "auto", keep_torch=True)
    assert converted.id == "sdxs-like-onnx"
    assert store.verify(converted.id, load=True).problems == []
    parity = converted.manifest.source["parity"]
    assert parity["tiny_vae"] is True and parity["image_mean_abs_diff"] < 1.0
    ill = load_illustrator(converted.path, "onnx")
    assert ill.backend == "onnx" and ill.decoder == "tiny"
