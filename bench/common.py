"""Paths, environments and subprocess plumbing shared by the bench stages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

from backcare import settings

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
CONFIGS = BENCH / "configs"
EVAL_SET = BENCH / "eval" / "questions.csv"
RESULTS = BENCH / "results"
DOCS = REPO / "docs" / "bench"
BIN = Path(sys.executable).parent
RASA = str(BIN / "rasa")


def rasa_env(cache_dir: Optional[Path] = None, **overrides: str) -> Dict[str, str]:
    """The environment for a `rasa` subprocess: no telemetry, quiet TensorFlow, a private cache.

    Args:
        cache_dir: Where Rasa's training cache goes. A fresh directory per run keeps a timed
            training honest: the repo's ``.rasa/cache`` would restore components trained earlier.
        **overrides: Extra variables.

    Returns:
        This process's environment with the bench's settings applied.
    """
    cache = {} if cache_dir is None else {"RASA_CACHE_DIRECTORY": str(cache_dir)}
    return settings.child_environ(
        RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1", **cache, **overrides
    )


def stream(
    args: List[str],
    cwd: Path,
    env: Dict[str, str],
    log: Path,
    on_line: Optional[Callable[[str], None]] = None,
) -> int:
    """Run a command to completion, copying its output to ``log`` and handing each line to ``on_line``.

    Args:
        args: The command.
        cwd: Its working directory.
        env: Its environment.
        log: File that receives stdout and stderr (appended).
        on_line: Called with every output line, e.g. to move a progress bar.

    Returns:
        The exit status.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"$ {' '.join(args)}\n")
        sink.flush()
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.write(line)
            if on_line is not None:
                on_line(line)
        return proc.wait()


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log, for error messages that point at the cause."""
    if not path.exists():
        return f"(no log at {path})"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
