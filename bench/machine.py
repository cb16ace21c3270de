"""What the bench ran on: the figures only mean something next to the machine and the load on it."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Dict

import psutil

from bench.common import REPO


def _cpu_model() -> str:
    # psutil has counts and frequencies but no model name: /proc/cpuinfo is where Linux says it.
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    return psutil.virtual_memory().total / 2**30


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        # The bench measures the working tree, which may differ from the commit: say so.
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True,
            timeout=10,
        ).stdout.strip()
        return f"{head or 'unknown'}{' + uncommitted changes' if changed else ''}"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def describe() -> Dict[str, Any]:
    """CPU count and model, memory, Python and Rasa versions, the commit measured."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gib": round(_memory_gib(), 1),
        "python": platform.python_version(),
        "rasa": metadata.version("rasa"),
        "os": f"{platform.system()} {platform.release()}",
        "commit": _commit(),
    }


def load() -> float:
    """One-minute load average: above the core count, something else competed for the CPU."""
    return os.getloadavg()[0]
