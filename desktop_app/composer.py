"""Re-composes the poster off the GUI thread as captions change (no model runs).

Requests coalesce: while one composition runs, only the newest waiting request is kept,
so typing fast never builds a queue. The picture is scaled once per picture and style
(``scale_picture``); each keystroke then only draws text (~10 ms at 1024 px).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, Signal

from desktop_app.images import pil_to_qimage
from desktop_app.runner import BackgroundRunner
from inference.core.params import PosterStyle
from inference.runs.result import Result


class Composer(QObject):
    composed = Signal(object, object, object)  # Result, PIL poster, QImage
    failed = Signal(object, object)  # Result, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = BackgroundRunner("composer", self)
        self._pending: tuple[Any, ...] | None = None
        self._running = False
        # Touched only on the composer thread.
        self._scaled_for: tuple[Image.Image, PosterStyle] | None = None
        self._scaled: Image.Image | None = None

    @property
    def idle(self) -> bool:
        return not self._running and self._pending is None

    def request(self, result: Result) -> bool:
        """Compose ``result`` with its current captions; False when it has no picture."""
        if result.picture is None:
            return False
        style = dataclasses.replace(result.style)
        self._pending = (result, result.picture, result.title, result.subtitle, style)
        if not self._running:
            self._next()
        return True

    def stop(self) -> bool:
        self._pending = None
        return self._runner.stop()

    def _next(self) -> None:
        job, self._pending = self._pending, None
        self._running = job is not None
        if job is None:
            return
        self._runner.submit(
            lambda: self._compose(*job),
            on_done=self._done,
            on_failed=lambda exc: self._fail(job[0], exc),
        )

    def _compose(
        self, result: Result, picture: Image.Image, title: str, subtitle: str, style: PosterStyle
    ) -> tuple[Result, Image.Image, Any]:
        # Imported here, on the composer thread: numpy & co. stay out of the start-up.
        from inference.poster.poster import compose_poster, scale_picture

        if (
            self._scaled_for is None
            or self._scaled_for[0] is not picture
            or (self._scaled_for[1] != style)
        ):
            self._scaled, self._scaled_for = scale_picture(picture, style), (picture, style)
        poster = compose_poster(self._scaled, title, subtitle, style)
        return result, poster, pil_to_qimage(poster)

    def _done(self, value: tuple[Result, Image.Image, Any]) -> None:
        self.composed.emit(*value)
        self._next()

    def _fail(self, result: Result, exc: BaseException) -> None:
        self.failed.emit(result, exc)
        self._next()
