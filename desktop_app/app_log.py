"""The log file under the user data dir: details behind every message the window shows."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from inference.core.settings import data_dir

LOG_NAME = "demotivator-studio.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"


def log_path() -> Path:
    return data_dir() / "logs" / LOG_NAME


def setup_logging() -> Path:
    """Route the root logger to the log file (once per path; tests switch data dirs)."""
    path = log_path()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    for handler in [h for h in root.handlers if getattr(h, "_demotivator", False)]:
        root.removeHandler(handler)
        handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        return path  # an unwritable data dir must not stop the app; messages still show
    handler._demotivator = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path
