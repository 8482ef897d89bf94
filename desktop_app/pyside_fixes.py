"""Work-around for PySide6's import hook (applied once, before the first model import).

Importing PySide6 replaces ``builtins.__import__`` with ``__feature_import__``, which for
every module imported afterwards reads its source (``inspect.getsource``) and swaps
``builtins.__import__`` back and forth around that call — not thread-safe, and it made the
first model load (transformers + diffusers imports) ~30 % slower here. We never use
``from __feature__ import``, so the hook gives way to the import it wraps
(``__orig_import__``), as PySide's documentation suggests for code touching __import__.

(PySide6 6.12.0 on CPython 3.11 also leaked references to ``None`` on every void call and
crashed the app within seconds; pyproject.toml pins 6.11.3, which does not, and
tests/gui/test_pyside_pin.py guards that.)
"""

from __future__ import annotations

import builtins


def drop_feature_import_hook() -> bool:
    """Put PySide's wrapped import back; True if the hook was installed."""
    feature = getattr(builtins, "__feature_import__", None)
    original = getattr(builtins, "__orig_import__", None)
    if feature is None or original is None or builtins.__import__ is not feature:
        return False
    builtins.__import__ = original
    return True


def apply() -> None:
    drop_feature_import_hook()
