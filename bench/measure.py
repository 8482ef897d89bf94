"""Small measuring tools shared by every stage: clocks, medians, memory, step times."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from inference.core.progress import Progress, ProgressEvent


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def rss_mb() -> float:
    """Resident memory of this process now."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def peak_rss_mb() -> float:
    """Highest resident memory this process has had (the kernel's own high-water mark)."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes
        return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10, 1)
    except ImportError:  # Windows: psutil knows the peak working set
        import psutil

        info = psutil.Process().memory_info()
        return round(getattr(info, "peak_wset", info.rss) / 2**20, 1)


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """``with stopwatch() as t: ...`` then ``t["s"]`` holds the seconds it took."""
    box: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start
        box["cpu_s"] = time.process_time() - cpu


class StepClock:
    """A Progress listener that notes when each token / diffusion step ends, so one call
    through the app's own code splits into its first step (prompt processing) and the rest."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: list[float] = []

    def __call__(self, event: ProgressEvent) -> None:
        if event.done > 0 and not event.finished:
            self.marks.append(time.perf_counter())

    def progress(self) -> Progress:
        return Progress(self)

    def split(self, end: float) -> dict[str, Any]:
        """Seconds to the first step, between first and last step, and after the last."""
        if not self.marks:
            return {"total_s": end - self.start, "steps": 0}
        first, last = self.marks[0], self.marks[-1]
        gaps = [b - a for a, b in zip(self.marks, self.marks[1:], strict=False)]
        return {
            "total_s": end - self.start,
            "steps": len(self.marks),
            "first_step_s": first - self.start,
            "between_steps_s": last - first,
            "step_s": statistics.median(gaps) if gaps else None,
            "after_last_step_s": end - last,
        }


def timed(call: Callable[[StepClock], Any]) -> tuple[Any, dict[str, Any]]:
    """Run ``call(clock)`` (it passes ``clock.progress()`` to the app) and split its time."""
    clock = StepClock()
    cpu = time.process_time()
    clock.start = time.perf_counter()
    value = call(clock)
    split = clock.split(time.perf_counter())
    # CPU seconds of all our threads: far less sensitive than wall time to other programs
    # competing for the cores, so a busy machine still gives comparable numbers
    split["cpu_s"] = time.process_time() - cpu
    return value, split


def summarize(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Median of each key over the repeats."""
    return {k: median([r.get(k) for r in runs]) for k in keys}
