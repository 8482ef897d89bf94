"""One small object passed down through every stage: progress reports and the cancel flag.

Shaped after Orange's TaskState: a stage calls ``stage(name, total)`` once, ``advance()`` per
token / diffusion step, and checks ``cancelled`` (or calls ``check()``) between steps.
``cancel()`` may be called from any thread (the GUI's Stop button); listeners are called
on the worker thread, so a GUI must forward them through queued signals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inference.core.errors import Cancelled

# Stage names shared by the pipeline, the CLI and the GUI.
STAGE_GENERATE = "generate"
STAGE_RANK = "rank"
STAGE_VISUAL_PROMPT = "visual_prompt"
STAGE_DRAW = "draw"
STAGE_COMPOSE = "compose"
STAGES = (STAGE_GENERATE, STAGE_RANK, STAGE_VISUAL_PROMPT, STAGE_DRAW, STAGE_COMPOSE)


@dataclass(frozen=True)
class ProgressEvent:
    stage: str
    done: int
    total: int | None  # None: indeterminate (e.g. a model is loading)
    message: str = ""
    finished: bool = False
    elapsed_s: float = 0.0
    preview: Any = None  # a PIL image of the work so far (a picture half drawn), if any
    texts: tuple[str, ...] | None = None  # the endings written so far, one per row, if any


Listener = Callable[[ProgressEvent], None]


class Progress:
    def __init__(self, listener: Listener | None = None) -> None:
        self._listener = listener
        self._cancel = threading.Event()
        self.current_stage = ""
        self.done = 0
        self.total: int | None = None
        self.message = ""
        self._started = time.perf_counter()
        self.wants_previews = False  # show_preview() events go to the listener too
        self.wants_texts = False  # show_texts() events too (endings as their tokens arrive)

    # --- reporting (worker side) -------------------------------------------------------
    def stage(self, name: str, total: int | None = None, message: str = "") -> None:
        """Start (or restart with a new total/message) the stage ``name``."""
        if name != self.current_stage:
            self._started = time.perf_counter()
        self.current_stage, self.done, self.total, self.message = name, 0, total, message
        self._emit()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.total is not None:
            self.done = min(self.done, self.total)
        self._emit()

    def show_preview(self, image: Any) -> None:
        """Report a look at the unfinished result (same stage and counts) to a listener
        that asked for them with ``wants_previews`` (others see only steps)."""
        if self.wants_previews:
            self._emit_look(preview=image)

    def show_texts(self, texts: list[str]) -> None:
        """Report the endings written so far (unfiltered, unranked; rows of earlier batches
        included) to a listener that asked for them with ``wants_texts``."""
        if self.wants_texts:
            self._emit_look(texts=tuple(texts))

    def _emit_look(self, **look: Any) -> None:
        if self._listener is not None:
            elapsed = time.perf_counter() - self._started
            self._listener(
                ProgressEvent(
                    self.current_stage, self.done, self.total, self.message, False, elapsed, **look
                )
            )

    def finish(self) -> None:
        """The current stage is complete (e.g. generation stopped early on EOS)."""
        if self.total is not None:
            self.done = self.total
        self._emit(finished=True)

    # --- cancellation (any thread) -----------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def _emit(self, finished: bool = False) -> None:
        if self._listener is not None:
            self._listener(
                ProgressEvent(
                    self.current_stage,
                    self.done,
                    self.total,
                    self.message,
                    finished,
                    time.perf_counter() - self._started,
                )
            )
