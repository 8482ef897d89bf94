"""The Illustrator stage on tiny real SD models, in both backends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference.core import i18n
from inference.core.errors import Cancelled, ImageError, ModelError
from inference.core.params import ImageParams
from inference.core.progress import Progress, ProgressEvent
from inference.image.illustrator import SDIllustrator, check_safety, load_illustrator
from tests.tiny_sd import build_tiny_sd

PROMPT = "a cat sitting on a laptop keyboard in a dark room"
BACKENDS = ("onnx", "torch")


def params(**kw) -> ImageParams:
    base = {"width": 64, "height": 64, "steps": 2, "guidance": 0.0, "seed": 7}
    return ImageParams(**{**base, **kw})


def pixels(image) -> np.ndarray:
    return np.asarray(image, dtype=np.float64)


class Recorder:
    """Collects progress events; optionally cancels once ``cancel_at`` steps are done."""

    def __init__(self, cancel_at: int | None = None) -> None:
        self.events: list[ProgressEvent] = []
        self.cancel_at = cancel_at
        self.progress = Progress(self)

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append(event)
        if self.cancel_at is not None and event.stage == "draw" and event.done >= self.cancel_at:
            self.progress.cancel()

    def draw_events(self) -> list[ProgressEvent]:
        return [e for e in self.events if e.stage == "draw"]


@pytest.fixture(scope="module")
def illustrators(tiny_sd_dir, tiny_sd_onnx_dir) -> dict[str, SDIllustrator]:
    return {
        "onnx": load_illustrator(tiny_sd_onnx_dir, "onnx"),
        "torch": load_illustrator(tiny_sd_dir, "torch"),
    }


def copy_without(src: Path, dst: Path, *names: str) -> Path:
    shutil.copytree(src, dst, ignore=lambda d, entries: [e for e in entries if e in names])
    return dst


# --- drawing -------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_draws_rgb_picture_of_requested_size(illustrators, backend):
    ill = illustrators[backend]
    assert ill.backend == backend and ill.warnings == []
    image = ill.draw(PROMPT, params(), Progress())
    assert image.mode == "RGB" and image.size == (64, 64)
    assert pixels(image).std() > 1.0  # a picture, not a flat (e.g. blanked) square


@pytest.mark.parametrize("backend", BACKENDS)
def test_odd_sizes_are_rounded_to_what_the_model_can_draw(illustrators, backend):
    ill = illustrators[backend]
    assert ill.size_multiple == 16  # VAE scale 8 x one UNet downsampling
    image = ill.draw(PROMPT, params(width=90, height=40), Progress())
    assert image.size == ill.round_size(90, 40) == (96, 48)
    assert ill.round_size(3, 5) == (16, 16)


def test_onnx_picture_matches_torch_for_the_same_seed(illustrators):
    onnx = pixels(illustrators["onnx"].draw(PROMPT, params(), Progress()))
    torch = pixels(illustrators["torch"].draw(PROMPT, params(), Progress()))
    assert np.abs(onnx - torch).mean() < 1.0  # 0-255 scale


def test_classifier_free_guidance_matches_across_backends(illustrators):
    p = params(guidance=5.0, negative_prompt="blurry, dark")
    onnx = pixels(illustrators["onnx"].draw(PROMPT, p, Progress()))
    torch = pixels(illustrators["torch"].draw(PROMPT, p, Progress()))
    assert np.abs(onnx - torch).mean() < 1.0
    plain = pixels(illustrators["torch"].draw(PROMPT, params(), Progress()))
    assert np.abs(plain - torch).mean() > 1.0  # guidance really changed the picture


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_seed_reproduces_and_another_seed_differs(illustrators, backend):
    ill = illustrators[backend]
    first = pixels(ill.draw(PROMPT, params(seed=3), Progress()))
    again = pixels(ill.draw(PROMPT, params(seed=3), Progress()))
    other = pixels(ill.draw(PROMPT, params(seed=4), Progress()))
    assert np.array_equal(first, again)
    assert np.abs(first - other).mean() > 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_prompt_longer_than_clip_window_is_truncated(illustrators, backend):
    long_prompt = " ".join(["a very tired office worker with a broken coffee machine"] * 40)
    image = illustrators[backend].draw(long_prompt, params(), Progress())
    assert image.size == (64, 64)


def test_seed_is_required(illustrators):
    with pytest.raises(ValueError):
        illustrators["torch"].draw(PROMPT, params(seed=None), Progress())


# --- progress and cancel -------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_progress_reports_one_advance_per_step(illustrators, backend):
    rec = Recorder()
    illustrators[backend].draw(PROMPT, params(steps=3), rec.progress)
    events = rec.draw_events()
    assert events[0].total == 3 and events[0].done == 0
    assert [e.done for e in events[1:-1]] == [1, 2, 3]
    assert events[-1].finished and events[-1].done == 3  # the illustrator closes its stage
    assert all(e.total == 3 for e in events)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cancel_stops_within_one_step(illustrators, backend):
    ill = illustrators[backend]
    unet_calls = []
    hook = None
    if backend == "torch":  # count real UNet forward passes, not just reports
        hook = ill.pipe.unet.register_forward_hook(lambda *a: unet_calls.append(1))
    rec = Recorder(cancel_at=2)
    try:
        with pytest.raises(Cancelled):
            ill.draw(PROMPT, params(steps=6), rec.progress)
    finally:
        if hook is not None:
            hook.remove()
    assert max(e.done for e in rec.draw_events()) <= 3
    if backend == "torch":
        assert 2 <= len(unet_calls) <= 3
    # The pipeline is still usable after a cancel.
    assert ill.draw(PROMPT, params(), Progress()).size == (64, 64)


def test_cancel_before_start_draws_nothing(illustrators):
    rec = Recorder()
    rec.progress.cancel()
    with pytest.raises(Cancelled):
        illustrators["onnx"].draw(PROMPT, params(), rec.progress)
    assert max(e.done for e in rec.draw_events()) == 0


# --- tiny VAE ------------------------------------------------------------------------------
def test_tiny_vae_decoder_is_used_when_present(illustrators):
    from diffusers import AutoencoderTiny

    torch_ill, onnx_ill = illustrators["torch"], illustrators["onnx"]
    assert torch_ill.decoder == onnx_ill.decoder == "tiny"
    assert isinstance(torch_ill.pipe.vae, AutoencoderTiny)
    calls = []
    hook = torch_ill.pipe.vae.decoder.register_forward_hook(lambda *a: calls.append(1))
    try:
        torch_ill.draw(PROMPT, params(), Progress())
    finally:
        hook.remove()
    assert calls == [1]
    session_path = Path(onnx_ill.pipe.vae_decoder.session._model_path)
    assert session_path.parent.name == "vae_decoder_tiny"


@pytest.mark.parametrize("backend", BACKENDS)
def test_full_vae_is_used_without_tiny_one(
    illustrators, tiny_sd_dir, tiny_sd_onnx_dir, tmp_path, backend
):
    src = tiny_sd_onnx_dir if backend == "onnx" else tiny_sd_dir
    folder = copy_without(src, tmp_path / "no-tiny", "vae_tiny", "vae_decoder_tiny")
    full = load_illustrator(folder, backend)
    assert full.decoder == "full"
    picture = pixels(full.draw(PROMPT, params(), Progress()))
    tiny = pixels(illustrators[backend].draw(PROMPT, params(), Progress()))
    assert picture.shape == tiny.shape and np.abs(picture - tiny).mean() > 1.0


# --- loading, fallback, threads ------------------------------------------------------------
def test_backend_falls_back_to_what_the_folder_holds(tiny_sd_dir, tiny_sd_onnx_dir):
    torch_only = load_illustrator(tiny_sd_dir, "onnx")
    assert torch_only.backend == "torch" and torch_only.name == "tiny-sd"
    assert len(torch_only.warnings) == 1 and "onnx" in torch_only.warnings[0]
    onnx_only = load_illustrator(tiny_sd_onnx_dir, "torch")
    assert onnx_only.backend == "onnx" and "torch" in onnx_only.warnings[0]


def test_thread_count_is_applied(tiny_sd_dir, tiny_sd_onnx_dir):
    import torch

    before = torch.get_num_threads()
    try:
        load_illustrator(tiny_sd_dir, "torch", threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    onnx = load_illustrator(tiny_sd_onnx_dir, "onnx", threads=1)
    assert onnx.pipe.unet.session.get_session_options().intra_op_num_threads == 1


def broken_folders(root: Path, sd: Path, onnx: Path) -> dict[str, tuple[Path, str]]:
    """name -> (folder, a fragment the error message must contain)."""
    (root / "empty").mkdir()
    (root / "file.txt").write_text("not a folder")
    text_model = root / "text-model"
    text_model.mkdir()
    (text_model / "config.json").write_text(json.dumps({"model_type": "bert"}))
    bad_index = copy_without(sd, root / "bad-index")
    (bad_index / "model_index.json").write_text("{ not json")
    dit = root / "dit"
    dit.mkdir()
    (dit / "model_index.json").write_text(
        json.dumps({"_class_name": "PixArtAlphaPipeline", "transformer": ["diffusers", "X"]})
    )
    no_unet = copy_without(sd, root / "no-unet", "unet")
    no_onnx_unet = copy_without(onnx, root / "no-onnx-unet", "unet")
    no_scheduler = copy_without(sd, root / "no-scheduler", "scheduler")
    no_tokenizer = copy_without(onnx, root / "no-tokenizer", "tokenizer")
    corrupt = copy_without(sd, root / "corrupt-torch")
    (corrupt / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"\0garbage" * 64)
    corrupt_onnx = copy_without(onnx, root / "corrupt-onnx")
    (corrupt_onnx / "unet" / "model.onnx").write_bytes(b"garbage" * 64)
    return {
        "missing": (root / "nope", "nope"),
        "empty": (root / "empty", "model_index.json"),
        "file": (root / "file.txt", "file.txt"),
        "text model": (text_model, "model_index.json"),
        "bad index": (bad_index, "model_index.json"),
        "not a UNet model": (dit, "PixArtAlphaPipeline"),
        "no unet": (no_unet, "unet"),
        "no onnx unet": (no_onnx_unet, "unet"),
        "no scheduler": (no_scheduler, "scheduler_config.json"),
        "no tokenizer": (no_tokenizer, "tokenizer"),
        "corrupt torch weights": (corrupt, "corrupt-torch"),
        "corrupt onnx": (corrupt_onnx, "corrupt-onnx"),
    }


def test_unusable_folders_give_clear_model_errors(tiny_sd_dir, tiny_sd_onnx_dir, tmp_path):
    cases = broken_folders(tmp_path, tiny_sd_dir, tiny_sd_onnx_dir)
    for name, (folder, fragment) in cases.items():
        for backend in BACKENDS:
            with pytest.raises(ModelError) as info:
                load_illustrator(folder, backend)
            message = str(info.value)
            assert fragment in message, (name, backend, message)
            assert "Traceback" not in message and "\n" not in message


def _without_max_length(src: Path, dst: Path) -> Path:
    """A copy whose tokenizer config lacks model_max_length, as a CLIP tokenizer built by
    hand often does (transformers then assumes ~1e30 tokens)."""
    shutil.copytree(src, dst)
    config_path = dst / "tokenizer" / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.pop("model_max_length", None)
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return dst


@pytest.mark.parametrize("backend", BACKENDS)
def test_tokenizer_without_max_length_is_capped_at_the_encoders_positions(
    tiny_sd_dir, tiny_sd_onnx_dir, tmp_path, backend
):
    src = tiny_sd_onnx_dir if backend == "onnx" else tiny_sd_dir
    folder = _without_max_length(src, tmp_path / "sd")
    illustrator = load_illustrator(folder, backend)
    assert illustrator.pipe.tokenizer.model_max_length == 77
    picture = illustrator.draw(PROMPT, params(), Progress())
    assert picture.size == (64, 64)


def test_model_errors_are_translated(tmp_path):
    with pytest.raises(ModelError, match="не найдена"):
        load_illustrator(tmp_path / "nope")
    i18n.set_language("en")
    with pytest.raises(ModelError, match="not found"):
        load_illustrator(tmp_path / "nope")


def test_unknown_backend_is_rejected(tiny_sd_dir):
    with pytest.raises(ModelError, match="tpu"):
        load_illustrator(tiny_sd_dir, "tpu")


# --- safety checker ------------------------------------------------------------------------
def test_safety_flags_are_detected_in_pipeline_output():
    from diffusers.pipelines.stable_diffusion import StableDiffusionPipelineOutput

    black = [np.zeros((8, 8, 3))]
    check_safety(StableDiffusionPipelineOutput(images=black, nsfw_content_detected=None), "m")
    check_safety(StableDiffusionPipelineOutput(images=black, nsfw_content_detected=[False]), "m")
    flagged = StableDiffusionPipelineOutput(images=black * 2, nsfw_content_detected=[False, True])
    with pytest.raises(ImageError, match="seed"):
        check_safety(flagged, "m")


@pytest.fixture(scope="module")
def checked_folders(tmp_path_factory) -> dict[str, Path]:
    """Folders with a real (tiny, random) safety checker: one that passes pictures, one set to
    flag every picture; the latter also exported, to cover the ONNX backend."""
    from export.illustrator import export_illustrator

    root = tmp_path_factory.mktemp("checked")
    passing = build_tiny_sd(root / "passing", with_tiny_vae=False, safety_checker="random")
    flagging = build_tiny_sd(root / "flagging", with_tiny_vae=False, safety_checker="always")
    export_illustrator(flagging, root / "flagging-onnx")
    return {"passing": passing, "torch": flagging, "onnx": root / "flagging-onnx"}


@pytest.mark.slow  # builds two more folders, exports one
def test_real_safety_checker_lets_a_clean_picture_through(checked_folders):
    ill = load_illustrator(checked_folders["passing"], "torch")
    assert ill.has_safety_checker
    assert ill.draw(PROMPT, params(), Progress()).size == (64, 64)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_flagged_picture_is_an_error_not_a_black_image(checked_folders, backend):
    ill = load_illustrator(checked_folders[backend], backend)
    assert ill.backend == backend and ill.has_safety_checker
    with pytest.raises(ImageError) as info:
        ill.draw(PROMPT, params(), Progress())
    assert ill.name in str(info.value)
