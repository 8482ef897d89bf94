"""Sizes, speeds and durations for people, in the UI language ("1,2 ГБ", "3 мин")."""

from __future__ import annotations

import math

from inference.core.i18n import current_language, tr

DOMAIN = "models"
_UNITS = ("unit.b", "unit.kb", "unit.mb", "unit.gb", "unit.tb")


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if current_language() == "ru" else text


def format_bytes(n: float) -> str:
    value, unit = float(max(0.0, n)), 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value, unit = value / 1000, unit + 1  # decimal units, like the Hub's own pages
    digits = 0 if unit == 0 or value >= 100 else 1
    return f"{_number(value, digits)} {tr(_UNITS[unit], DOMAIN)}"


def format_speed(bytes_per_s: float) -> str:
    return tr("unit.per_s", DOMAIN, size=format_bytes(bytes_per_s))


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = max(0, math.ceil(seconds))  # "1 s" for a 0.2 s wait, never "0 s"
    if s < 60:
        return tr("unit.s", DOMAIN, n=s)
    if s < 3600:
        return tr("unit.min_s", DOMAIN, m=s // 60, s=s % 60)
    return tr("unit.h_min", DOMAIN, h=s // 3600, m=(s % 3600) // 60)
