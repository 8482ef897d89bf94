"""GUI strings: ``t(key)`` reads ``resources/i18n/gui.json`` in the current language;
``tm(key)`` the «Модели» dialog's own ``resources/i18n/models_gui.json``."""

from __future__ import annotations

from inference.i18n import tr

DOMAIN = "gui"
MODELS_DOMAIN = "models_gui"


def t(key: str, /, **kwargs: object) -> str:
    return tr(key, DOMAIN, **kwargs)


def tm(key: str, /, **kwargs: object) -> str:
    return tr(key, MODELS_DOMAIN, **kwargs)
