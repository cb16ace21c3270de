"""Running a database server from Debian's binaries as an unprivileged user on 127.0.0.1.

What :mod:`scripts.postgres_server` and :mod:`scripts.redis_server` share: dropping root,
private folders and files, checked commands, waiting for the port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import List

START_TIMEOUT_SECONDS = 60.0


class ServiceError(RuntimeError):
    """A database or Redis server could not be set up, started or stopped."""


def run_as(user: str) -> List[str]:
    """Command prefix that drops root privileges: initdb refuses root, Redis should not run as it."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServiceError("runuser (util-linux) is needed to start services as an unprivileged user.")
    return [runuser, "-u", user, "--"]


def give_to(user: str, path: Path) -> None:
    """Make ``path`` belong to ``user`` (when we are root) and private to it."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, user, user)
    path.chmod(0o700)


def check(args: List[str], what: str) -> None:
    """Run ``args``; raise :class:`ServiceError` naming ``what`` with its output if it fails."""
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise ServiceError(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")


def wait_for_port(port: int, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise ServiceError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def write_secret(path: Path, value: str) -> None:
    """Write a file only its owner may read."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(value + "\n")
