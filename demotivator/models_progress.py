"""Progress on stderr for ``demotivator models``: a byte bar for downloads (file, size, speed,
ETA) and one bar per stage for verify / import / conversion (Qt-free, tqdm)."""

from __future__ import annotations

import sys

from tqdm import tqdm

from inference.core.human_units import format_bytes, format_duration, format_speed
from inference.core.i18n import tr
from inference.models.downloader import STAGE_DOWNLOAD, DownloadStatus
from inference.terminal.cli_progress import StderrProgressBars

DOMAIN = "models"


def stage_label(stage: str) -> str:
    """Our stage names (verify, import) first, then the core's (export's stages)."""
    for key, domain in ((f"stage.{stage}", DOMAIN), (f"stage.{stage}", "core")):
        text = tr(key, domain)
        if text != key:
            return text
    return stage


class DownloadBar:
    """A DownloadStatus listener: one bar per downloaded repo, in bytes."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: tqdm | None = None
        self._owner = ""

    def __call__(self, status: DownloadStatus) -> None:
        if not self.enabled or not status.total_bytes:
            return
        if self._bar is None or self._owner != status.model_id:
            self.close()
            self._owner = status.model_id
            self._bar = tqdm(
                total=status.total_bytes,
                desc=tr("stage.download", DOMAIN) + f" {status.model_id}",
                file=sys.stderr,
                dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}|",
            )
        bar = self._bar
        bar.n = min(status.done_bytes, status.total_bytes)
        if status.phase == "retrying":
            text = status.message
        else:
            done, total = format_bytes(status.done_bytes), format_bytes(status.total_bytes)
            speed, eta = format_speed(status.speed_bps), format_duration(status.eta_s)
            text = f"{status.file} {done}/{total} {speed} ~{eta}"
        # the text goes into the format itself: tqdm's {postfix} would prefix it with ", "
        safe = text.replace("{", "{{").replace("}", "}}")
        bar.bar_format = "{desc}: {percentage:3.0f}%|{bar}| " + safe
        bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class StageBars(StderrProgressBars):
    """A Progress listener: one bar per stage (download is the DownloadBar's job)."""

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled, label=stage_label, skip=(STAGE_DOWNLOAD,), message_width=60)
