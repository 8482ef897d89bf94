"""The text encoder's output for the last few texts of one loaded pipeline (issue 18, lever 3).

CLIP's output depends on the text alone, so a text drawn again is not encoded again:
«Другая картинка» redraws the same scene with a new seed, and with classifier-free guidance
the negative prompt (empty by default) is the same for every poster. On SDXS at 512² the
text encoder is about a tenth of a one-step draw (docs/performance.md).

The embeddings come from the pipeline's own ``encode_prompt`` and are handed back to it as
``prompt_embeds`` / ``negative_prompt_embeds``, so a picture is bit for bit the one the
pipeline draws from the text (``tests/test_prompt_embeddings.py``). Each text is encoded on
its own, as diffusers encodes the negative prompt (padded to the same 77 positions).
Pipelines with more than one text encoder or pooled embeddings (SDXL) are not cached: they
get the text as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

# Texts kept per loaded pipeline: the scene being redrawn, the negative prompt and a few
# recent scenes; one SD 2.x embedding is 77 × 1024 floats (0.3 MB).
KEEP = 8


def cacheable(pipe: Any, accepts: set[str]) -> bool:
    """One CLIP text encoder whose output the pipeline takes as ``prompt_embeds``."""
    return (
        callable(getattr(pipe, "encode_prompt", None))
        and {"prompt_embeds", "negative_prompt_embeds"} <= accepts
        and "pooled_prompt_embeds" not in accepts
        and getattr(pipe, "text_encoder_2", None) is None
    )


class PromptEmbeddings:
    """Encodes texts with ``pipe.encode_prompt`` and keeps the last :data:`KEEP` of them."""

    def __init__(self, pipe: Any, keep: int = KEEP) -> None:
        self.pipe = pipe
        self.keep = keep
        self._kept: OrderedDict[str, Any] = OrderedDict()

    def encode(self, text: str) -> Any:
        if text in self._kept:
            self._kept.move_to_end(text)
            return self._kept[text]
        import torch

        with torch.no_grad():
            embeds, _ = self.pipe.encode_prompt(text, "cpu", 1, False)
        self._kept[text] = embeds
        while len(self._kept) > self.keep:
            self._kept.popitem(last=False)
        return embeds

    def pipeline_kwargs(self, prompt: str, negative_prompt: str | None, guided: bool) -> dict:
        """What the pipeline gets instead of ``prompt`` / ``negative_prompt``; without
        guidance no negative embedding is made (the pipeline would not read it)."""
        kwargs = {"prompt_embeds": self.encode(prompt)}
        if guided:
            kwargs["negative_prompt_embeds"] = self.encode(negative_prompt or "")
        return kwargs
