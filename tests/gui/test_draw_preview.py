"""A look at the picture while a multi-step draw runs: the latents mapped to RGB after each
step but the last, on the poster area until the poster arrives."""

from __future__ import annotations

import numpy as np

from inference.image.latent_preview import latents_preview
from tests.gui.conftest import run_prompt


def test_latents_map_to_an_rgb_picture_of_their_size():
    rng = np.random.default_rng(0)
    picture = latents_preview(rng.standard_normal((1, 4, 8, 12)).astype(np.float32))
    assert picture is not None and picture.size == (12, 8) and picture.mode == "RGB"
    assert len(np.unique(np.asarray(picture).reshape(-1, 3), axis=0)) > 10  # not flat
    assert latents_preview(np.zeros((1, 16, 8, 8))) is None  # another latent space


def test_the_window_shows_previews_while_drawing(window, qtbot):
    seen: list[tuple[int, int | None, bool]] = []

    def on_event(event) -> None:
        if event.preview is not None:
            seen.append((event.done, event.total, window.poster.has_image()))

    window.service.progressed.connect(on_event)
    shown: list[bool] = []
    window.service.progressed.connect(lambda e: shown.append(window.poster.has_preview()))
    run_prompt(qtbot, window)
    steps = window.settings.image.steps
    assert steps >= 2 and [done for done, _, _ in seen] == list(range(1, steps))
    assert any(shown)  # the poster area showed the picture half drawn
    assert window.poster.has_image() and not window.poster.has_preview()
