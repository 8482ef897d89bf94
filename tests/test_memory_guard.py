"""The memory guard (issue 18, lever 4): a draw that cannot fit is refused in one line,
before any model loads; "available memory" comes from DEMOTIVATOR_AVAILABLE_MEMORY_MB."""

from __future__ import annotations

import pytest

from demotivator.cli import main
from inference.core.errors import ImageError
from inference.image.memory_guard import (
    ENV_AVAILABLE_MB,
    MB,
    DrawPlan,
    available_bytes,
    check_draw_fits,
    check_sd_draw,
    estimate_draw,
)

PROMPT = "Заходит как-то программист в бар"


def plan(folder, side: int, backend: str = "onnx", **more) -> DrawPlan:
    return DrawPlan(folder, backend, side, side, **more)


def test_estimate_grows_with_size_and_counts_weights_only_before_loading(tiny_sd_onnx_dir):
    small = estimate_draw(plan(tiny_sd_onnx_dir, 256))
    large = estimate_draw(plan(tiny_sd_onnx_dir, 512))
    assert small.weights == 0 and large.total > small.total
    # attention matrices grow with the square of the tokens: 4× pixels, > 4× the UNet
    assert large.unet > 4 * small.unet
    cold = estimate_draw(plan(tiny_sd_onnx_dir, 256, loaded=False))
    assert cold.weights > 1 * MB and cold.total == small.total + cold.weights
    # PyTorch's fused attention keeps no attention matrices
    assert estimate_draw(plan(tiny_sd_onnx_dir, 512, "torch")).unet < large.unet
    # classifier-free guidance runs two rows
    assert estimate_draw(plan(tiny_sd_onnx_dir, 512, guidance=7.5)).unet > large.unet


def test_refusal_is_one_translated_line_with_the_size_that_fits(tiny_sd_onnx_dir):
    need = estimate_draw(plan(tiny_sd_onnx_dir, 512)).total
    fits_256 = estimate_draw(plan(tiny_sd_onnx_dir, 256)).total
    with pytest.raises(ImageError) as caught:
        check_draw_fits(plan(tiny_sd_onnx_dir, 512), available=(need + fits_256) // 2)
    text = str(caught.value)
    assert "\n" not in text and "512×512" in text and "МБ" in text
    side = int(text.split(" до ")[1].split()[0])
    assert 256 <= side < 512 and side % 64 == 0
    assert check_draw_fits(plan(tiny_sd_onnx_dir, 512), available=need).total == need


def test_nothing_fits_says_so(tiny_sd_onnx_dir):
    with pytest.raises(ImageError, match="даже"):
        check_sd_draw(tiny_sd_onnx_dir, "onnx", 512, 512, 0.0, loaded=False, available=MB)


def test_available_memory_override(monkeypatch):
    monkeypatch.setenv(ENV_AVAILABLE_MB, "300")
    assert available_bytes() == 300 * MB
    monkeypatch.setenv(ENV_AVAILABLE_MB, "not a number")  # ignored: the machine's figure
    assert available_bytes() is None or available_bytes() > 0


def test_make_refuses_a_draw_that_cannot_fit_before_drawing(
    tiny_generator_onnx_dir, tiny_sd_onnx_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(ENV_AVAILABLE_MB, "1")
    out = tmp_path / "poster.png"
    code = main([
        "make", PROMPT, "-o", str(out), "--generator", str(tiny_generator_onnx_dir),
        "--illustrator", str(tiny_sd_onnx_dir), "--size", "512", "--candidates", "2",
        "--steps", "1", "--seed", "3", "--threads", "1", "--quiet",
    ])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and not out.exists()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith("ошибка:") and "512×512" in err and "1 МБ" in err


def test_picture_sessions_give_their_memory_back(tiny_sd_onnx_dir):
    """No memory pattern, and the arena shrunk after every run, for the UNet, decoder and
    text encoder: measured on a tiny SD with attention at full latent resolution, the old
    defaults held 2.7 GB after two 512² posters where these peak at 1.5 GB and hold nothing
    of it (docs/performance.md)."""
    from inference.core.params import ImageParams
    from inference.core.progress import Progress
    from inference.image.illustrator import load_illustrator

    illustrator = load_illustrator(tiny_sd_onnx_dir, "onnx", threads=1)
    pipe = illustrator.pipe
    for part in (pipe.unet, pipe.vae_decoder, pipe.text_encoder):
        assert not part.session.get_session_options().enable_mem_pattern
        assert part.session.run.__name__ == "run_and_release"
    params = ImageParams(width=64, height=64, steps=2, guidance=0.0, seed=1)
    assert illustrator.draw("a cat", params, Progress()).size == (64, 64)  # runs with them


def test_a_draw_does_not_count_the_weights_a_prefetch_is_loading(tiny_sd_onnx_dir, monkeypatch):
    """The run checks the whole draw (weights included) before the picture model starts
    loading beside the text; when the draw comes while that load is under way, its weights
    are in memory already and are not counted a second time."""
    from inference.core.params import ImageParams
    from inference.core.settings import Settings
    from inference.runs.pipeline import Pipeline

    settings = Settings()
    settings.models.illustrator_dir = str(tiny_sd_onnx_dir)
    settings.models.illustrator_backend = "onnx"
    params = ImageParams(width=256, height=256, steps=1, guidance=0.0)
    cold = estimate_draw(plan(tiny_sd_onnx_dir, 256, loaded=False))
    warm = estimate_draw(plan(tiny_sd_onnx_dir, 256))
    assert cold.weights > 2 * MB  # room for a limit in whole MB between the two
    monkeypatch.setenv(ENV_AVAILABLE_MB, str((warm.total + cold.total) // 2 // MB))
    pipeline = Pipeline(settings)
    with pytest.raises(ImageError):
        pipeline._check_memory(params)  # nothing loaded: the weights do not fit beside it
    with pipeline.models._role_locks["illustrator"]:  # a load under way
        assert pipeline.models.is_loading("illustrator")
        pipeline._check_memory(params)
