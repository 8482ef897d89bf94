"""Everything one run produced, kept so a caller can re-draw or re-compose one stage alone,
and its JSON sidecar (all that is needed to reproduce the poster)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image

from inference.core.errors import OutputError
from inference.core.i18n import tr
from inference.core.params import Candidate, GenerationParams, ImageParams, PosterStyle, full_joke
from inference.runs.output_files import save_poster_set

SIDECAR_VERSION = 1
RANKING_RANKER = "ranker"
RANKING_LIKELIHOOD = "likelihood"
CANDIDATE_EXTRAS = ("score_percent", "joke_gate", "filtered_reason")


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
    # endings the candidate filter dropped, each with meta["filtered_reason"]
    dropped: list[Candidate] = field(default_factory=list)
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
    outputs: dict[str, str] = field(default_factory=dict)  # what -> path
    poster_sha256: str = ""  # of the poster file saved last: ties the sidecar to it
    # The part of ``warnings`` about the current captions (replaced when they change).
    caption_warnings: list[str] = field(default_factory=list, repr=False)

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

    def set_caption_warnings(self, messages: list[str]) -> None:
        """Warnings about the captions as they are now; those about earlier captions go."""
        old = set(self.caption_warnings)
        self.warnings = [w for w in self.warnings if w not in old]
        self.caption_warnings = [m for m in messages if m]
        for message in self.caption_warnings:
            self.add_warning(message)

    # --- sidecar ------------------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        return {
            "version": SIDECAR_VERSION,
            "created": self.created,
            "prompt": self.prompt,
            "candidates": [
                {
                    "text": c.text,
                    "score": c.score,
                    "logprob": c.logprob,
                    "source": c.meta.get("source", "generated"),
                    # the ranker's 0-100 reading, the gate's score and why it set one aside
                    **{k: c.meta[k] for k in CANDIDATE_EXTRAS if k in c.meta},
                }
                for c in self.candidates
            ],
            "dropped": [
                {
                    "text": c.text,
                    "reason": c.meta.get("filtered_reason", ""),
                    "source": c.meta.get("source", "generated"),
                }
                for c in self.dropped
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
            "poster_sha256": self.poster_sha256,
        }

    def save(
        self, poster_path: str | Path, image_format: str | None = None, *, unique: bool = False
    ) -> Path:
        """Write the poster, the raw picture (for re-editing) and the JSON sidecar as one set
        (see inference.runs.output_files); returns the poster's path. ``unique``: an automatic
        name, given a ``-2``… suffix rather than replacing another run's poster; otherwise
        the last writer of ``poster_path`` wins, with a whole and matching set."""
        if self.poster is None:
            raise OutputError(tr("output.no_poster"))
        path = Path(poster_path)
        fmt = (image_format or path.suffix.lstrip(".") or "png").upper()
        fmt = {"JPG": "JPEG"}.get(fmt, fmt)
        poster = self.poster.convert("RGB") if fmt == "JPEG" else self.poster
        options: dict[str, Any] = {"quality": 92} if fmt == "JPEG" else {}

        def write_poster(file: BinaryIO) -> None:
            poster.save(file, fmt, **options)

        def write_picture(file: BinaryIO) -> None:
            assert self.picture is not None
            self.picture.save(file, "PNG")

        def sidecar_bytes(final: Path, picture: Path | None, sidecar: Path, sha256: str) -> bytes:
            self.outputs.pop("picture", None)
            if picture is not None:
                self.outputs["picture"] = str(picture)
            self.outputs["poster"] = str(final)
            self.outputs["sidecar"] = str(sidecar)
            self.poster_sha256 = sha256
            return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=2).encode()

        if path.is_dir():
            raise OutputError(tr("output.is_folder", path=str(path)))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            picture_writer = write_picture if self.picture is not None else None
            return save_poster_set(path, write_poster, picture_writer, sidecar_bytes, unique)
        except IsADirectoryError as exc:
            raise OutputError(tr("output.is_folder", path=str(exc.filename or path))) from exc
        except (OSError, ValueError, KeyError) as exc:
            raise OutputError(tr("output.cannot_write", path=str(path), err=exc)) from exc


def candidate_from_dict(data: dict[str, Any]) -> Candidate:
    return Candidate(
        text=str(data.get("text", "")),
        score=data.get("score"),
        logprob=data.get("logprob"),
        meta={"source": str(data.get("source") or "generated")},
    )
