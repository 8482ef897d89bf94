"""Converting within a laptop's memory (issue 18, lever 5).

Each heavy step of an export (the export of the PyTorch model to an fp32 graph on disk, the
quantization that reads that file, each side of the parity check) runs in a child process
of its own: when it ends, all of its memory goes back to the system. In one process the
allocator keeps what the traced PyTorch model used, the quantizer's copies pile on top, and
the peak was their sum (11 GB for a 0.5B model with dynamic int8). Before starting, the
free memory is compared with what the export is expected to need, and the user gets one
line saying how much is needed when it would not fit.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference.core.errors import Cancelled, ModelError
from inference.core.human_units import format_bytes
from inference.core.i18n import tr
from inference.core.progress import Progress

DOMAIN = "text"
# Peak per byte of fp32 weights, and a fixed part for the libraries, measured on a real 0.5B
# generator (docs/performance.md, «Converting»). A generator's export reads its weights one
# at a time (export.lazy_export), so does its quantization (export.quantize_nbits), and the
# parity check loads the PyTorch original and the export one after the other: the peak is
# the PyTorch model (1 ×) and the libraries: 3.1 GB for a real 0.5B (2.52 GB of fp32
# weights), 7.0 GB of anonymous memory for a 1.5B (6.17 GB; random weights, real shape).
# Optimum's export with the whole model in memory (rankers, checkpoints the lazy export
# cannot read) peaked at about 2.3 × (the model, TorchScript's copy, a re-save).
PEAK_PER_WEIGHT_BYTE = 1.0
WHOLE_MODEL_PEAK_PER_WEIGHT_BYTE = 2.3
PEAK_FIXED_BYTES = 1_000_000_000
POLL_SECONDS = 0.5  # how often a running step looks at the cancel flag


def needed_bytes(weights_fp32: int, whole_model: bool = False) -> int:
    """Expected peak of an export whose source weights take ``weights_fp32`` bytes in fp32
    (``whole_model``: through Optimum's export with every weight in memory)."""
    factor = WHOLE_MODEL_PEAK_PER_WEIGHT_BYTE if whole_model else PEAK_PER_WEIGHT_BYTE
    return int(weights_fp32 * factor) + PEAK_FIXED_BYTES


def available_bytes() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(
    weights_fp32: int, available: int | None = None, whole_model: bool = False
) -> None:
    """Refuse (one line, before anything is written) when the export would not fit."""
    need = needed_bytes(weights_fp32, whole_model)
    have = available_bytes() if available is None else available
    if have < need:
        raise ModelError(
            tr("export.not_enough_memory", DOMAIN, need=format_bytes(need), have=format_bytes(have))
        )


def run_isolated(job: Callable[..., Any], *args: Any, progress: Progress | None = None) -> Any:
    """``job(*args)`` in a fresh Python process (``python -m export.child``: no fork of the
    parent's memory, no re-import of the app's main module); its result or exception comes
    back. A cancel on ``progress`` stops the child within :data:`POLL_SECONDS`; a child
    killed by the system (out of memory) is reported in one line."""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="demotivator-export-") as tmp:
        job_file, result_file = Path(tmp) / "job.pickle", Path(tmp) / "result.pickle"
        job_file.write_bytes(pickle.dumps((job.__module__, job.__qualname__, args)))
        command = [sys.executable, "-m", "export.child", str(job_file), str(result_file)]
        child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        try:
            while True:
                if progress is not None and progress.cancelled:
                    raise Cancelled()  # a traced export has no cancel point of its own
                try:
                    child.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if not result_file.is_file():  # killed (the OOM killer's -9) before it could answer
            raise ModelError(tr("export.child_died", DOMAIN))
        status, value = pickle.loads(result_file.read_bytes())
    if status == "error":
        raise value
    return value
