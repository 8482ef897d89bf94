"""Everything one run produced, kept so a caller can re-draw or re-compose one stage alone,
and its JSON sidecar (all that is needed to reproduce the poster)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from inference.errors import OutputError
from inference.i18n import tr
from inference.jsonfiles import write_json_file
from inference.params import Candidate, GenerationParams, ImageParams, PosterStyle, full_joke

SIDECAR_VERSION = 1
RANKING_RANKER = "ranker"
RANKING_LIKELIHOOD = "likelihood"


@dataclass
class ModelInfo:
    role: str
    name: str
    backend: str
    path: str = ""
    lite: bool = False  # a bundled lite model (the user is told how to get real ones)


@dataclass
class Result:
    prompt: str
    generation: GenerationParams = field(default_factory=GenerationParams)
    image_params: ImageParams = field(default_factory=ImageParams)
    style: PosterStyle = field(default_factory=PosterStyle)
    candidates: list[Candidate] = field(default_factory=list)  # best first
    chosen_index: int = 0
    ranking: str = ""  # RANKING_RANKER | RANKING_LIKELIHOOD
    visual_prompt: str = ""
    picture: Image.Image | None = None
    picture_source: str = ""  # "model" or the path of the user's own picture
    title: str = ""
    subtitle: str = ""
    poster: Image.Image | None = None
    models: list[ModelInfo] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    warnings: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def chosen(self) -> Candidate | None:
        if 0 <= self.chosen_index < len(self.candidates):
            return self.candidates[self.chosen_index]
        return None

    @property
    def chosen_text(self) -> str:
        chosen = self.chosen
        return chosen.text if chosen else ""

    @property
    def joke(self) -> str:
        return full_joke(self.prompt, self.chosen_text)

    def add_warning(self, message: str) -> None:
        if message and message not in self.warnings:
            self.warnings.append(message)

    # --- sidecar ------------------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        return {
            "version": SIDECAR_VERSION,
            "created": self.created,
            "prompt": self.prompt,
            "candidates": [
                {"text": c.text, "score": c.score, "logprob": c.logprob} for c in self.candidates
            ],
            "chosen_index": self.chosen_index,
            "chosen_text": self.chosen_text,
            "joke": self.joke,
            "ranking": self.ranking,
            "visual_prompt": self.visual_prompt,
            "seed": {"generation": self.generation.seed, "image": self.image_params.seed},
            "generation": dataclasses.asdict(self.generation),
            "image": dataclasses.asdict(self.image_params),
            "style": dataclasses.asdict(self.style),
            "picture_source": self.picture_source,
            "title": self.title,
            "subtitle": self.subtitle,
            "models": [dataclasses.asdict(m) for m in self.models],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "warnings": list(self.warnings),
            "outputs": dict(self.outputs),
        }

    def save(self, poster_path: str | Path, image_format: str | None = None) -> Path:
        """Write the poster, the raw picture (for re-editing) and the JSON sidecar."""
        if self.poster is None:
            raise OutputError(tr("output.no_poster"))
        path = Path(poster_path)
        sidecar = path.with_suffix(".json")
        picture_path = path.with_name(path.stem + ".picture.png")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fmt = (image_format or path.suffix.lstrip(".") or "png").upper()
            fmt = {"JPG": "JPEG"}.get(fmt, fmt)
            if self.picture is not None:
                _write_image(self.picture, picture_path, "PNG")
                self.outputs["picture"] = str(picture_path)
            self.outputs["poster"] = str(path)
            self.outputs["sidecar"] = str(sidecar)
            write_json_file(sidecar, self.to_json_dict())
            # The poster last, whole: whoever sees it (a watcher, a test) finds it complete,
            # with its sidecar already beside it.
            if fmt == "JPEG":
                _write_image(self.poster.convert("RGB"), path, fmt, quality=92)
            else:
                _write_image(self.poster, path, fmt)
        except (OSError, ValueError, KeyError) as exc:
            raise OutputError(tr("output.cannot_write", path=str(path), err=exc)) from exc
        return path


def _write_image(image: Image.Image, path: Path, fmt: str, **options: Any) -> None:
    """Through a temporary file renamed over ``path``: never half a picture on disk."""
    tmp = path.with_name(path.name + ".part")
    try:
        image.save(tmp, fmt, **options)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def candidate_from_dict(data: dict[str, Any]) -> Candidate:
    return Candidate(
        text=str(data.get("text", "")), score=data.get("score"), logprob=data.get("logprob")
    )
