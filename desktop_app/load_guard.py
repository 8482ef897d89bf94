"""Model loading that does not stall the GUI thread.

The pipeline thread shares the GIL with the GUI thread, and two things during a first
model load hold it far longer than the 100 ms a window may freeze (measured on a 2-core box
while a tiny torch model loaded: gaps of 330-800 ms, several 100-250 ms):

- full garbage collections: importing torch / transformers / diffusers creates hundreds of
  thousands of objects, and every few seconds a generation-2 collection walks them all;
- the static initialisers of libtorch (``import torch`` runs them inside ``dlopen``, with
  the GIL held).

So while a model loads, automatic collection is paused, and what is alive afterwards (the
libraries and the model) is frozen out of later collections (:func:`gc.freeze`); and
before torch is first imported, its big native libraries are loaded through ctypes, which
releases the GIL, so the import itself only finds them already in memory.
"""

from __future__ import annotations

import ctypes
import gc
import importlib.util
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# Plain C++ libraries (no Python API in their initialisers), dependencies first.
TORCH_LIBRARIES = ("libc10.so", "libtorch_cpu.so")


def preload_torch_libraries() -> list[str]:
    """``dlopen`` torch's native libraries without the GIL (Linux; elsewhere a no-op).
    Returns the names loaded; any failure just leaves the work to ``import torch``."""
    if not sys.platform.startswith("linux") or "torch" in sys.modules:
        return []
    try:
        spec = importlib.util.find_spec("torch")
        if spec is None or not spec.submodule_search_locations:
            return []
        folder = Path(next(iter(spec.submodule_search_locations))) / "lib"
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
    except (ImportError, OSError, AttributeError, ValueError) as exc:
        log.debug("torch libraries not preloaded: %s", exc)
        return []
    loaded = []
    for name in TORCH_LIBRARIES:
        path = folder / name
        # A foreign function call through ctypes.CDLL runs with the GIL released.
        if path.is_file() and dlopen(os.fsencode(path), os.RTLD_NOW | os.RTLD_LOCAL):
            loaded.append(name)
    return loaded


class LoadGuard:
    """``loading()`` when a model starts loading, ``loaded()`` once it is in (or the job
    ended). Both are called on the pipeline thread; the pair may repeat per model."""

    def __init__(self) -> None:
        self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def loading(self, needs_torch: bool) -> None:
        if not self._paused and gc.isenabled():  # someone else's gc.disable() is kept
            gc.disable()
            self._paused = True
        if needs_torch:
            preload_torch_libraries()

    def loaded(self) -> None:
        if self._paused:
            gc.freeze()  # no scan: just move everything alive out of later collections
            gc.enable()
            self._paused = False

    def models_dropped(self) -> None:
        """Models were unloaded (settings changed): let collections see the frozen objects
        again, so the old model's reference cycles can be freed."""
        gc.unfreeze()
