"""The PySide6 desktop app: a thin skin over :mod:`inference` (the only package importing Qt)."""
