"""What the numbers were measured on: CPU, memory, library versions, and how busy the
machine was (other processes' CPU use makes every timing slower, so it is recorded)."""

from __future__ import annotations

import contextlib
import os
import platform
import time
from pathlib import Path
from typing import Any

BUSY_PERCENT = 10.0  # a process above this share of one core is worth naming


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The SIMD extensions that decide which kernels ONNX Runtime and PyTorch can use."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return []
    flags = next(
        (ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), []
    )
    wanted = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile")
    return [f for f in wanted if f in flags]


def busy_processes(sample_s: float = 1.0) -> list[dict[str, Any]]:
    """Processes other than this one and its children using CPU right now."""
    import psutil

    me = psutil.Process()
    ours = {me.pid, *(c.pid for c in me.children(recursive=True))}
    procs = [p for p in psutil.process_iter(["pid", "name"]) if p.pid not in ours]
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.cpu_percent(None)  # starts the measuring interval
    time.sleep(sample_s)
    busy = []
    for p in procs:
        try:
            share = p.cpu_percent(None)
        except psutil.Error:
            continue
        if share >= BUSY_PERCENT:
            busy.append({"pid": p.pid, "name": p.info["name"], "cpu_percent": round(share, 1)})
    return sorted(busy, key=lambda b: -b["cpu_percent"])


def load_snapshot() -> dict[str, Any]:
    snapshot: dict[str, Any] = {"time": time.strftime("%Y-%m-%d %H:%M:%S")}
    if hasattr(os, "getloadavg"):
        snapshot["load_average"] = [round(v, 2) for v in os.getloadavg()]
    snapshot["busy_processes"] = busy_processes()
    return snapshot


def describe_machine() -> dict[str, Any]:
    import psutil

    from export.parity import library_versions

    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "physical_cores": psutil.cpu_count(logical=False),
        "logical_cpus": psutil.cpu_count(logical=True),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "versions": library_versions(),
        "env": {k: os.environ.get(k, "") for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")},
    }
