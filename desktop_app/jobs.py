"""The window's jobs by name. What each one runs, in which order, and which progress rows it
shows are the core's (:class:`inference.runs.pipeline.Pipeline`): the window only names them."""

from __future__ import annotations

from inference.runs.pipeline import MORE, REDRAW, RUN, OnPartial

__all__ = ["MORE", "REDRAW", "RUN", "OnPartial"]
