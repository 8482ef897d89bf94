"""The illustrator encodes each text once (inference/image/prompt_embeddings.py): the picture
is the one the pipeline draws from the text itself, and a redraw or a repeated negative
prompt does not run the text encoder again. Tiny real SD models, both backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from inference.core.params import ImageParams
from inference.core.progress import Progress
from inference.image.illustrator import SDIllustrator, load_illustrator

PROMPT = "a cat sitting on a laptop keyboard in a dark room"
OTHER = "a tired office worker next to a broken coffee machine"
BACKENDS = ("onnx", "torch")


@pytest.fixture(scope="module")
def illustrators(tiny_sd_dir, tiny_sd_onnx_dir) -> dict[str, SDIllustrator]:
    return {
        "onnx": load_illustrator(tiny_sd_onnx_dir, "onnx"),
        "torch": load_illustrator(tiny_sd_dir, "torch"),
    }


def params(**kw: Any) -> ImageParams:
    return ImageParams(**{"width": 64, "height": 64, "steps": 2, "guidance": 0.0, "seed": 5, **kw})


def from_text(ill: SDIllustrator, p: ImageParams, prompt: str = PROMPT) -> np.ndarray:
    """The pipeline drawing from the text itself, as the illustrator did before the cache."""
    kwargs: dict[str, Any] = {}
    if p.guidance > 1:
        kwargs["negative_prompt"] = p.negative_prompt
    output = ill.pipe(
        prompt=prompt,
        num_inference_steps=p.steps,
        guidance_scale=p.guidance,
        width=p.width,
        height=p.height,
        generator=torch.Generator("cpu").manual_seed(int(p.seed)),
        output_type="np",
        **kwargs,
    )
    return np.asarray(output.images[0])


def drawn(ill: SDIllustrator, p: ImageParams, prompt: str = PROMPT) -> np.ndarray:
    """The illustrator's picture in the pipeline's own 0-1 floats (before PIL's rounding)."""
    real_pipe = ill.pipe
    captured: list[np.ndarray] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_pipe, name)

        def __call__(self, **kwargs: Any) -> Any:
            out = real_pipe(**{**kwargs, "output_type": "np"})
            captured.append(np.asarray(out.images[0]))
            out.images = [_to_pil(out.images[0])]
            return out

    ill.pipe = Spy()
    try:
        ill.draw(prompt, p, Progress())
    finally:
        ill.pipe = real_pipe
    return captured[0]


def _to_pil(image: np.ndarray) -> Any:
    from PIL import Image

    return Image.fromarray((np.clip(image, 0, 1) * 255).round().astype("uint8"))


class EncoderCalls:
    """Counts the text encoder's runs: ONNX Runtime session runs or PyTorch forwards."""

    def __init__(self, ill: SDIllustrator) -> None:
        self.count = 0
        encoder = ill.pipe.text_encoder
        if ill.backend == "onnx":
            session = encoder.session
            run = session.run

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.count += 1
                return run(*args, **kwargs)

            session.run = counted
            self._undo = lambda: setattr(session, "run", run)
        else:
            handle = encoder.register_forward_hook(lambda *_: self._add())
            self._undo = handle.remove

    def _add(self) -> None:
        self.count += 1

    def __enter__(self) -> EncoderCalls:
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("guidance", [0.0, 5.0])
def test_picture_equals_the_pipelines_own_from_text(illustrators, backend, guidance):
    ill = illustrators[backend]
    p = params(guidance=guidance, negative_prompt="blurry, dark" if guidance else "")
    first = drawn(ill, p)  # encodes
    again = drawn(ill, params(guidance=guidance, negative_prompt=p.negative_prompt, seed=5))
    reference = from_text(ill, p)
    assert np.array_equal(first, reference)
    assert np.array_equal(again, reference)  # from the kept embeddings


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_redraw_does_not_run_the_text_encoder_again(illustrators, backend):
    ill = illustrators[backend]
    with EncoderCalls(ill) as calls:
        ill.draw("a lighthouse in the fog", params(seed=1), Progress())
        assert calls.count == 1
        ill.draw("a lighthouse in the fog", params(seed=2), Progress())  # «Другая картинка»
        assert calls.count == 1
        ill.draw("a lighthouse at night", params(seed=2), Progress())  # a new scene
        assert calls.count == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_negative_prompt_is_encoded_once_for_every_poster(illustrators, backend):
    ill = illustrators[backend]
    guided = {"guidance": 4.0, "negative_prompt": "ugly, text, watermark"}
    with EncoderCalls(ill) as calls:
        ill.draw("a fox in a library", params(**guided), Progress())
        assert calls.count == 2  # the scene and the negative prompt
        ill.draw("a fox in a kitchen", params(**guided), Progress())
        assert calls.count == 3  # only the new scene
        ill.draw("a fox in a kitchen", params(guidance=4.0), Progress())
        assert calls.count == 4  # the empty negative prompt is a text of its own


def test_only_the_last_few_texts_are_kept(illustrators):
    ill = illustrators["torch"]
    kept = ill._embeddings
    assert kept is not None
    for i in range(kept.keep + 3):
        kept.encode(f"scene number {i}")
    assert len(kept._kept) == kept.keep
    assert "scene number 0" not in kept._kept
