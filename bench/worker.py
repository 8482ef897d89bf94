"""One measurement = one task, run in a fresh process by default.

A fresh process per (model, variant) gives each its own clean peak-RSS figure and load
time, and keeps one variant's memory from slowing the next. ``python -m bench.worker
TASK.json RESULT.json`` runs a task written by the parent; :func:`run_task` runs it in the
current process (``--in-process``: faster, for tests; peak RSS is then the whole run's).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import inference  # noqa: F401  (OMP_WAIT_POLICY=PASSIVE before torch is imported)

REPO_ROOT = Path(__file__).resolve().parent.parent
TAIL_CHARS = 2000


def _stage(kind: str):
    if kind == "prepare":
        from bench.variants import prepare_task

        return prepare_task
    if kind == "prepare_real":
        from bench.real_generator import prepare_real_generator

        return prepare_real_generator
    if kind == "generator":
        from bench.text_stages import measure_generator

        return measure_generator
    if kind == "ranker":
        from bench.text_stages import measure_ranker

        return measure_ranker
    if kind == "illustrator":
        from bench.image_stage import measure_illustrator

        return measure_illustrator
    if kind == "composer":
        from bench.pipeline_stage import measure_composer

        return measure_composer
    from bench.pipeline_stage import measure_pipeline

    return measure_pipeline


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task here; never raises: a failure is recorded in the result."""
    started = time.perf_counter()
    try:
        if task.get("ort_spinning") is True:
            from bench.experiments import enable_text_ort_spinning

            enable_text_ort_spinning()
        result = _stage(task["kind"])(task)
        result["ok"] = True
    except Exception as exc:  # one broken variant must not end the whole benchmark
        result = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}"[:500],
            "traceback": traceback.format_exc()[-TAIL_CHARS:],
        }
    result["wall_s"] = round(time.perf_counter() - started, 3)
    return result


def child_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env["HF_HUB_OFFLINE"] = "1"
    env["TOKENIZERS_PARALLELISM"] = "false"
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def run_in_subprocess(task: dict[str, Any], scratch: Path, timeout_s: float) -> dict[str, Any]:
    scratch.mkdir(parents=True, exist_ok=True)
    stem = f"{task['kind']}-{task.get('label', 'task')}".replace("/", "_").replace("+", "_")
    task_file, result_file = scratch / f"{stem}.task.json", scratch / f"{stem}.result.json"
    task_file.write_text(json.dumps(task), encoding="utf-8")
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.worker", str(task_file), str(result_file)]
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=child_env(task.get("threads", 0)),
            cwd=str(REPO_ROOT),
        )
        stderr = proc.stderr
    except subprocess.TimeoutExpired as exc:
        return {
            "ok": False,
            "error": f"timed out after {timeout_s:.0f} s",
            "stderr_tail": str(exc.stderr or "")[-TAIL_CHARS:],
        }
    process_s = time.perf_counter() - started
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {
            "ok": False,
            "error": f"worker exited with {proc.returncode}",
            "stderr_tail": stderr[-TAIL_CHARS:],
        }
    result["process_s"] = round(process_s, 3)  # includes interpreter start and imports
    return result


def _first_to_go_when_memory_runs_out() -> None:
    """Exports of multi-GB models can exhaust memory: make the kernel's OOM killer pick this
    worker rather than another program (raising one's own score needs no privileges)."""
    with contextlib.suppress(OSError):  # not Linux, or not allowed: nothing to do
        Path("/proc/self/oom_score_adj").write_text("1000", encoding="ascii")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    task = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    if str(task.get("kind")).startswith("prepare"):
        _first_to_go_when_memory_runs_out()
    result = run_task(task)
    Path(args[1]).write_text(json.dumps(result), encoding="utf-8")
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
