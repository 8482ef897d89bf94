"""The protocol of each stage. Backends (onnx, torch, lite…) implement these.

Loaders live next to their implementations (``inference.text.generator.load_generator`` etc.);
the pipeline only depends on these protocols.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from inference.core.params import Candidate, GenerationParams, ImageParams
from inference.core.progress import Progress


@runtime_checkable
class Generator(Protocol):
    name: str  # shown to the user: folder name or "lite"
    backend: str  # "onnx" | "torch" | ...

    @property
    def has_chat_template(self) -> bool: ...

    def generate(
        self, prompt: str, n: int, params: GenerationParams, progress: Progress
    ) -> list[Candidate]:
        """N endings for ``prompt`` (batched), post-processed, each with ``logprob`` set."""

    def describe_scene(self, joke: str, params: GenerationParams, progress: Progress) -> str:
        """A short English scene description for the image model (fallback when the model
        is not instruction-tuned: a cleaned, truncated form of the joke)."""


@runtime_checkable
class Ranker(Protocol):
    name: str
    backend: str

    def score(self, texts: list[str]) -> list[float]:
        """Higher is funnier. One score per text, same order."""


@runtime_checkable
class Illustrator(Protocol):
    name: str
    backend: str
    # Draws from an English scene description (Stable Diffusion) rather than from the
    # Russian joke itself (the lite emoji illustrator); the registry entry says the same
    # before the model loads, so the pipeline writes a scene only when it will be read.
    needs_scene: bool

    def draw(
        self, visual_prompt: str, params: ImageParams, progress: Progress, joke: str = ""
    ) -> Image.Image:
        """One RGB picture; ``params.seed`` must be set (the pipeline draws one)."""
