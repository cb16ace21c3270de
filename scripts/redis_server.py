"""A Redis server of the scale-out mode, for the lock store: on 127.0.0.1 only, without persistence.

Started by :mod:`scripts.services` (``make run-cluster``), :mod:`scripts.cluster` and the tests'
fixtures; the rules every such server follows are in :mod:`scripts.service_process`.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import psutil

from scripts.service_process import ServiceError, check, give_to, run_as, wait_for_port


@dataclass
class Redis:
    """A Redis server on 127.0.0.1:``port`` for the lock store, without persistence.

    Locks live for seconds, so nothing is written to disk: a restart simply starts empty.
    """

    folder: Path
    port: int
    user: str = "redis"

    @property
    def pidfile(self) -> Path:
        """Where redis-server writes its process id."""
        return self.folder / "redis.pid"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.folder / "redis.log"

    def _pid(self) -> Optional[int]:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        # A zombie (exited, not yet reaped) holds no port and counts as stopped.
        try:
            return pid if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE else None
        except psutil.NoSuchProcess:
            return None

    def running(self) -> bool:
        """Whether the server recorded in the pid file is alive."""
        return self._pid() is not None

    def start(self) -> None:
        """Start redis-server in the background (stopping a leftover one first)."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("Redis is not installed: run `make cluster-deps` (Debian package redis-server).")
        if self.running():
            self.stop()
        give_to(self.user, self.folder)
        check(
            [
                *run_as(self.user), binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--protected-mode", "yes", "--dir", str(self.folder), "--daemonize", "yes",
                "--pidfile", str(self.pidfile), "--logfile", str(self.log), "--save", "", "--appendonly", "no",
            ],
            "redis-server",
        )
        wait_for_port(self.port)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server (SIGTERM) and wait for it to exit."""
        pid = self._pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self._pid() is not None:
            if time.monotonic() > deadline:
                raise ServiceError(f"redis-server {pid} did not stop in {timeout:.0f} s")
            time.sleep(0.1)

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()


def start_redis(folder: Path, port: int) -> Redis:
    """Start Redis with its files in ``folder`` on 127.0.0.1:``port``."""
    server = Redis(Path(folder).resolve(), port)
    server.start()
    return server
