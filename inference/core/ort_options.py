"""ONNX Runtime session options for every model the app runs (text and pictures), in one
place. Imported lazily by the loaders: importing this module does not import onnxruntime."""

from __future__ import annotations

from typing import Any

from inference.core.runtime_env import default_threads


def session_options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads if threads > 0 else default_threads()
    options.inter_op_num_threads = 1  # one graph at a time; the pool is for the matmuls
    options.log_severity_level = 3  # ORT's own warnings are not for end users
    # a busy 2-core box: spinning pool threads steal the CPU from each other (DESIGN.md)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def picture_session_options(threads: int) -> Any:
    """For the UNet, the VAE and the text encoder (issue 18, lever 4): no memory pattern.
    With it ONNX Runtime's arena grows from one poster to the next (it plans the second
    run on top of the first one's buffers); see also :func:`release_after_each_run`."""
    options = session_options(threads)
    options.enable_mem_pattern = False
    return options


def release_after_each_run(session: Any) -> None:
    """Make every ``session.run`` give the arena's free memory back when it ends, so a
    picture's activations do not stay in memory beside the generator between posters.
    The arena stays on within a run: without it every operator's buffers come from the
    system afresh (measured 2.3× the CPU of a draw on a tiny model, against 1.5×)."""
    import onnxruntime as ort

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    run = session.run

    def run_and_release(output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return run(output_names, input_feed, run_options or options)

    session.run = run_and_release
