"""ONNX Runtime session options for every model the app runs (text and pictures), in one
place. Imported lazily by the loaders: importing this module does not import onnxruntime."""

from __future__ import annotations

from typing import Any

from inference.runtime_env import default_threads


def session_options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads if threads > 0 else default_threads()
    options.inter_op_num_threads = 1  # one graph at a time; the pool is for the matmuls
    options.log_severity_level = 3  # ORT's own warnings are not for end users
    # a busy 2-core box: spinning pool threads steal the CPU from each other (DESIGN.md)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
