"""Progress bars on stderr for the CLI: one tqdm bar per stage (Qt-free, no model imports)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection

from tqdm import tqdm

from inference.core.i18n import tr
from inference.core.progress import ProgressEvent


def stage_label(stage: str) -> str:
    return tr(f"stage.{stage}")


class StderrProgressBars:
    """A Progress listener drawing one bar per stage; silent when ``enabled`` is False.

    ``label`` names a stage, events of the stages in ``skip`` are left to another listener
    (``demotivator models`` draws downloads as a byte bar), and ``message_width`` cuts long
    stage messages so that the bar keeps to one line.
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        label: Callable[[str], str] = stage_label,
        skip: Collection[str] = (),
        message_width: int | None = None,
    ) -> None:
        self.enabled = enabled
        self._label = label
        self._skip = frozenset(skip)
        self._message_width = message_width
        self._bar: tqdm | None = None
        self._key: tuple[str, int | None] | None = None
        self._finished_key: tuple[str, int | None] | None = None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or event.stage in self._skip:
            return
        key = (event.stage, event.total)
        if event.finished and self._bar is None and key == self._finished_key:
            return  # a second "finished" for the same stage must not draw a second bar
        if self._bar is None or self._key != key:
            self.close()
            self._key = key
            self._bar = tqdm(
                total=event.total,
                desc=self._label(event.stage),
                file=sys.stderr,
                leave=True,
                dynamic_ncols=True,
                bar_format=None if event.total else "{desc}: {postfix} [{elapsed}]",
            )
        if event.message:
            self._bar.set_postfix_str(event.message[: self._message_width], refresh=False)
        self._bar.n = event.done
        self._bar.refresh()
        if event.finished:
            self.close()
            self._finished_key = key

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
