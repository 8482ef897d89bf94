"""Keeping the libraries' chatter (loading bars, tracer and deprecation warnings, notices meant
for library developers) off the user's console, where it would break the CLI's progress bars.

Stdlib only: importing this costs nothing, so :mod:`inference.core.runtime_env` can install
:func:`hide_known_notices` before any heavy library is imported.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

# What loading and drawing with a picture model logs through.
DRAW_LOGGERS = ("diffusers", "transformers", "optimum")
# What exporting and quantizing logs through; the root logger ("") too, because
# onnxruntime.quantization logs its pre-processing advice through it.
EXPORT_LOGGERS = ("", "optimum", "transformers", "torch.onnx", "onnxruntime")

# diffusers looks for optimum-quanto at import time and finds the `optimum` namespace
# package in two distributions (optimum and optimum-onnx, both pinned on purpose), so every
# process that imports diffusers (an ONNX text model load does) printed this notice.
_NOTICE_LOGGER = "diffusers.utils.import_utils"
_NOTICE_PREFIX = "Multiple distributions found for package optimum."


class _DropOptimumNamespaceNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_NOTICE_PREFIX)


def hide_known_notices() -> None:
    """Drop the one known-harmless notice above, for the whole process; any other record of
    that logger (a different package, a real import problem) still shows. Idempotent."""
    logger = logging.getLogger(_NOTICE_LOGGER)
    if not any(isinstance(f, _DropOptimumNamespaceNotice) for f in logger.filters):
        logger.addFilter(_DropOptimumNamespaceNotice())


@contextlib.contextmanager
def quiet_libraries(loggers: Iterable[str], *, hide_diffusers_bars: bool = False) -> Iterator[None]:
    """Within the block, ``loggers`` log errors only and Python warnings are ignored (and
    diffusers' progress bars are off with ``hide_diffusers_bars``); all restored afterwards."""
    dlog: Any = None
    if hide_diffusers_bars:
        # imported before the levels are saved: the import configures the "diffusers" logger
        from diffusers.utils import logging as dlog
    chosen = [logging.getLogger(name) for name in dict.fromkeys(loggers)]
    levels = [lg.level for lg in chosen]
    bars = dlog is not None and dlog.is_progress_bar_enabled()
    try:
        for lg in chosen:
            lg.setLevel(logging.ERROR)
        if dlog is not None:
            dlog.disable_progress_bar()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(chosen, levels, strict=True):
            lg.setLevel(level)
        if bars:
            dlog.enable_progress_bar()


def quiet_drawing() -> AbstractContextManager[None]:
    """Around loading and drawing with diffusers / Optimum pipelines ("safety checker
    disabled", "prompt truncated", loading bars)."""
    return quiet_libraries(DRAW_LOGGERS, hide_diffusers_bars=True)


def quiet_export() -> AbstractContextManager[None]:
    """Around exporting and quantizing: tracer and exporter chatter is for library
    developers, not for the user's console."""
    return quiet_libraries(EXPORT_LOGGERS)
