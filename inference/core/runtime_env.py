"""Process-wide environment that must be set before torch / onnxruntime are imported.

On a busy 2-core machine OpenMP's default spin-waiting made one UNet step 60x slower
(shared/DESIGN.md), so every entry point calls :func:`configure` first.
"""

from __future__ import annotations

import os

from inference.core.quiet import hide_known_notices


def configure() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Models are always loaded from local folders; only the downloader (in its own worker
    # process) talks to the Hub. Tokenizer threads would fight the model for 2 cores.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    # A notice printed at diffusers' import, wherever that happens (an ONNX text model load
    # imports it too), so the filter must be in place before the first heavy import.
    hide_known_notices()


def default_threads() -> int:
    """Physical-ish core count: oversubscribing 2 cores costs more than it gains."""
    return max(1, min(os.cpu_count() or 1, 8))
