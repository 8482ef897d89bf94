"""The PySide6 desktop app: a thin skin over :mod:`inference` (the only package importing Qt)."""

from desktop_app import pyside_fixes as _pyside_fixes

_pyside_fixes.apply()  # before any widget exists: see the module for the PySide6 defects
