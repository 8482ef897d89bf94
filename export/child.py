"""``python -m export.child JOB RESULT``: runs one pickled ``(module, function, args)`` job
for :func:`export.bounded.run_isolated` and pickles ``("ok", result)`` or ``("error", exc)``
into RESULT. Its memory goes back to the system when it exits."""

from __future__ import annotations

import importlib
import os
import pickle
import sys
from pathlib import Path


def main(job_file: str, result_file: str) -> None:
    module, name, args = pickle.loads(Path(job_file).read_bytes())
    try:
        payload = ("ok", getattr(importlib.import_module(module), name)(*args))
    except Exception as exc:  # handed to the parent, which raises it there
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        payload = ("error", exc)
    staged = Path(result_file + ".part")
    staged.write_bytes(pickle.dumps(payload))
    staged.replace(result_file)  # the parent reads a whole answer or none


if __name__ == "__main__":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before anything imports torch
    main(*sys.argv[1:3])
