"""Progress bars on stderr for the CLI: one tqdm bar per stage (Qt-free, no model imports)."""

from __future__ import annotations

import sys

from tqdm import tqdm

from inference.i18n import tr
from inference.progress import ProgressEvent


def stage_label(stage: str) -> str:
    return tr(f"stage.{stage}")


class StderrProgressBars:
    """A Progress listener drawing one bar per stage; silent when ``enabled`` is False."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm | None = None
        self._stage = ""
        self._total: int | None = None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        if event.stage != self._stage or event.total != self._total:
            self.close()
            self._stage, self._total = event.stage, event.total
            self._bar = tqdm(
                total=event.total,
                desc=stage_label(event.stage),
                file=sys.stderr,
                leave=True,
                dynamic_ncols=True,
                bar_format=None if event.total else "{desc}: {postfix} [{elapsed}]",
            )
        assert self._bar is not None
        if event.message:
            self._bar.set_postfix_str(event.message, refresh=False)
        self._bar.n = event.done
        self._bar.refresh()
        if event.finished:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = ""
