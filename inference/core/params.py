"""Explicit parameters for every stage: nothing is left to a model's hidden defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROMPT_CHARS = 500  # documented limit for a joke beginning (CLI, GUI, README)


@dataclass
class GenerationParams:
    temperature: float = 0.9
    top_p: float = 0.95
    top_k: int = 50
    repetition_penalty: float = 1.1
    max_new_tokens: int = 64
    seed: int | None = None  # None: a random seed is drawn and recorded in the result


@dataclass
class ImageParams:
    width: int = 512
    height: int = 512
    steps: int = 4
    guidance: float = 0.0  # few-step (turbo-class) models want no classifier-free guidance
    seed: int | None = None
    negative_prompt: str = ""


@dataclass
class PosterStyle:
    width: int = 1024
    picture_fraction: float = 0.82  # framed picture width (frame included) / canvas width
    frame_px: int = 3
    gap_px: int = 6
    background: tuple[int, int, int] = (0, 0, 0)
    foreground: tuple[int, int, int] = (255, 255, 255)
    font: str = ""  # path to a .ttf; empty: the bundled serif
    title_lines: tuple[int, int] = (1, 3)
    # Added for the composer (inference/poster/poster.py); sizes are fractions of the canvas width.
    # A taller picture is scaled down to this height (canvas widths) and gets narrower:
    # 1.75 keeps phone photos (9:16) and 1:2 pictures at the full picture_fraction width,
    # only screenshot-like strips beyond ~1:2.2 are narrowed.
    max_picture_height: float = 1.75
    title_size: float = 0.085  # largest title font size (shrinks to fit)
    subtitle_size: float = 0.036  # largest subtitle font size
    subtitle_lines: tuple[int, int] = (1, 4)


@dataclass
class Candidate:
    text: str  # the ending the model wrote (prompt not included)
    score: float | None = None  # ranker score, or mean log-likelihood when no ranker
    logprob: float | None = None  # length-normalised log-likelihood from the generator
    meta: dict = field(default_factory=dict)


def full_joke(prompt: str, ending: str) -> str:
    """The joke as a reader sees it: the user's beginning followed by the ending."""
    prompt, ending = prompt.rstrip(), ending.strip()
    if not ending:
        return prompt
    sep = "\n" if ending.startswith(("—", "-", "–")) else " "
    return f"{prompt}{sep}{ending}"
