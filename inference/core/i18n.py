"""Tiny translation layer shared by the core, the CLI and the GUI (Qt-free).

Messages live in ``resources/i18n/<domain>.json`` as ``{"key": {"ru": ..., "en": ...}}``;
each package owns its own domain file, so they never edit the same catalogue.
Russian is the default language; English is available everywhere.
"""

from __future__ import annotations

import json
import os
import threading
from functools import cache

from resources import resource_path

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

_state = threading.local()
_global_language = os.environ.get("DEMOTIVATOR_LANG", DEFAULT_LANGUAGE)


def set_language(language: str) -> None:
    global _global_language
    _global_language = language if language in LANGUAGES else DEFAULT_LANGUAGE


def adopt_settings_language(language: str) -> None:
    """The settings' language applies unless ``--lang`` / DEMOTIVATOR_LANG chose one."""
    if not os.environ.get("DEMOTIVATOR_LANG"):
        set_language(language)


def current_language() -> str:
    return getattr(_state, "language", None) or _global_language


@cache
def _catalogue(domain: str) -> dict[str, dict[str, str]]:
    path = resource_path("i18n", f"{domain}.json")
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def tr(key: str, domain: str = "core", /, **kwargs: object) -> str:
    """The message ``key`` in the current language, formatted with ``kwargs``.

    A missing key or language falls back to Russian, then to the key itself, so a
    translation slip never crashes the app.
    """
    entry = _catalogue(domain).get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(current_language()) or entry.get(DEFAULT_LANGUAGE) or key
    try:
        return text.format(**kwargs) if kwargs else text
    except (KeyError, IndexError, ValueError):
        return text
