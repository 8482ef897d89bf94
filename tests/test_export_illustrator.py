"""ONNX export of an illustrator folder: layout, parity report, int8, errors, cleanup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from export.illustrator import export_illustrator
from inference.core.errors import Cancelled, InputError, ModelError, OutputError
from inference.core.params import ImageParams
from inference.core.progress import Progress, ProgressEvent
from inference.image.illustrator import load_illustrator

PROMPT = "a lonely bicycle in the rain under a street lamp at night"


def small(seed: int = 5) -> ImageParams:
    return ImageParams(width=64, height=64, steps=2, guidance=0.0, seed=seed)


def test_export_layout_and_parity_report(tiny_sd_onnx_dir):
    dst = tiny_sd_onnx_dir
    for part in ("unet", "text_encoder", "vae_decoder", "vae_decoder_tiny"):
        assert (dst / part / "model.onnx").is_file() and (dst / part / "config.json").is_file()
    assert (dst / "scheduler" / "scheduler_config.json").is_file()
    assert (dst / "tokenizer" / "vocab.json").is_file()
    assert json.loads((dst / "model_index.json").read_text())["unet"][0] is not None
    report = json.loads((dst / "parity.json").read_text())
    assert report["kind"] == "illustrator" and report["quantize"] == "none"
    assert report["tiny_vae"] is True and report["decoder"] == "tiny"
    assert report["image_mean_abs_diff"] < 1.0  # 0-255 scale
    assert report["unet_max_abs_diff"] is not None and report["unet_max_abs_diff"] < 1e-3
    assert report["steps"] == 2 and report["seed"] == 0


def test_scheduler_is_the_sources(tiny_sd_dir, tiny_sd_onnx_dir):
    src = json.loads((tiny_sd_dir / "scheduler" / "scheduler_config.json").read_text())
    dst = json.loads((tiny_sd_onnx_dir / "scheduler" / "scheduler_config.json").read_text())
    for key in ("_class_name", "timestep_spacing", "steps_offset", "beta_schedule"):
        assert src[key] == dst[key]
    ill = load_illustrator(tiny_sd_onnx_dir, "onnx")
    assert type(ill.pipe.scheduler).__name__ == src["_class_name"]


@pytest.mark.slow  # exports once more
def test_export_without_tiny_vae_uses_the_full_decoder(tiny_sd_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(tiny_sd_dir, src, ignore=shutil.ignore_patterns("vae_tiny"))
    events: list[ProgressEvent] = []
    report = export_illustrator(src, tmp_path / "dst", progress=Progress(events.append))
    messages = [e.message for e in events if e.stage == "export" and not e.finished]
    assert len(messages) == 2 and all(messages)  # ONNX export, parity check
    assert events[-1].finished
    assert report["tiny_vae"] is False and report["decoder"] == "full"
    assert report["image_mean_abs_diff"] < 1.0
    assert not (tmp_path / "dst" / "vae_decoder_tiny").exists()
    assert load_illustrator(tmp_path / "dst", "onnx").decoder == "full"


@pytest.mark.slow  # exports once more
def test_int8_export_quantizes_the_unet_and_still_draws(tiny_sd_dir, tiny_sd_onnx_dir, tmp_path):
    import onnx

    dst = tmp_path / "int8"
    report = export_illustrator(tiny_sd_dir, dst, quantize="int8")
    assert report["quantize"] == "int8" and json.loads((dst / "parity.json").read_text()) == report
    ops = {node.op_type for node in onnx.load(str(dst / "unet" / "model.onnx")).graph.node}
    assert "MatMulInteger" in ops or "DynamicQuantizeLinear" in ops
    # Quantization error is visible (the int8 UNet really ran) but bounded.
    assert 0.0 < report["image_mean_abs_diff"] < 20.0
    assert report["unet_max_abs_diff"] > 1e-4
    int8 = np.asarray(load_illustrator(dst, "onnx").draw(PROMPT, small(), Progress()), float)
    fp32 = np.asarray(
        load_illustrator(tiny_sd_onnx_dir, "onnx").draw(PROMPT, small(), Progress()), float
    )
    assert int8.shape == fp32.shape == (64, 64, 3)


def test_int8_handles_a_unet_with_external_weights(tiny_sd_onnx_dir, tmp_path):
    """Real SD UNets (> 2 GB) keep their weights in ``model.onnx_data``; simulate that layout."""
    import onnx

    from export.common import quantize_int8

    dst = tmp_path / "external"
    shutil.copytree(tiny_sd_onnx_dir, dst)
    unet = dst / "unet" / "model.onnx"
    model = onnx.load(str(unet))
    onnx.save(
        model, str(unet), save_as_external_data=True, location="model.onnx_data", size_threshold=0
    )
    assert (dst / "unet" / "model.onnx_data").is_file()
    quantize_int8(unet)
    names = {p.name for p in (dst / "unet").iterdir()}
    assert {"config.json", "model.onnx"} < names and len(names) == 3  # + one int8 data file
    assert "DynamicQuantizeLinear" in {n.op_type for n in onnx.load(str(unet)).graph.node}
    image = load_illustrator(dst, "onnx").draw(PROMPT, small(), Progress())
    assert image.size == (64, 64)


def test_bad_arguments_are_user_errors(tiny_sd_dir, tiny_sd_onnx_dir, tmp_path):
    with pytest.raises(InputError, match="int4"):
        export_illustrator(tiny_sd_dir, tmp_path / "a", quantize="int4")
    with pytest.raises(ModelError, match="model_index.json"):
        export_illustrator(tmp_path, tmp_path / "b")
    with pytest.raises(ModelError, match="PyTorch"):  # already ONNX: nothing to export
        export_illustrator(tiny_sd_onnx_dir, tmp_path / "c")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="busy"):
        export_illustrator(tiny_sd_dir, busy)
    assert (busy / "keep.txt").read_text() == "mine"
    with pytest.raises(OutputError):
        export_illustrator(tiny_sd_dir, tiny_sd_dir / "inside")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="a-file"):
        export_illustrator(tiny_sd_dir, blocker / "sub")


@pytest.mark.slow  # exports once more
def test_cancelled_export_leaves_destination_as_it_was(tiny_sd_dir, tmp_path):
    events: list[ProgressEvent] = []

    def listener(event: ProgressEvent) -> None:
        events.append(event)
        if len([e for e in events if e.stage == "export"]) == 2:  # after the ONNX export
            progress.cancel()

    progress = Progress(listener)
    dst = tmp_path / "dst"
    with pytest.raises(Cancelled):
        export_illustrator(tiny_sd_dir, dst, progress=progress)
    assert not dst.exists()  # the export made it, so the export removed it again
    dst.mkdir()
    cancelled_first = Progress()
    cancelled_first.cancel()
    with pytest.raises(Cancelled):
        export_illustrator(tiny_sd_dir, dst, progress=cancelled_first)
    assert dst.is_dir() and list(dst.iterdir()) == []  # the user's empty folder stays


def test_export_result_is_reusable_as_fixture_path(tiny_sd_onnx_dir):
    # The session fixture other tests use loads in the onnx backend with no further step.
    ill = load_illustrator(Path(tiny_sd_onnx_dir))
    assert ill.backend == "onnx" and ill.warnings == []
