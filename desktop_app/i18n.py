"""GUI strings: ``t(key)`` reads ``resources/i18n/gui.json`` in the current language."""

from __future__ import annotations

from inference.i18n import tr

DOMAIN = "gui"


def t(key: str, /, **kwargs: object) -> str:
    return tr(key, DOMAIN, **kwargs)
