"""Start and stop the PostgreSQL and Redis servers of the scale-out mode, from Debian's binaries.

Both run as unprivileged users on 127.0.0.1 only, with their data in a folder of our own
(``var/pg``, ``var/redis`` for ``make run-cluster``; a temporary folder in the tests), so they
never touch a system-wide service. ``make run-cluster``, ``make load`` and the tests' session
fixtures all start them through this module.

Usage::

    python -m scripts.services start --dir var [--pg-port 5433] [--redis-port 6380]
    python -m scripts.services stop --dir var

``start`` prints the settings the Rasa servers need (``TRACKER_STORE_URL``, ``LOCK_STORE_TYPE``,
``REDIS_HOST``, ``REDIS_PORT``) as shell assignments, for ``eval``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from backcare import settings

DATABASE = "rasa"
ROLE = "rasa"
# Rasa's own "redis" lock store races when two servers take a ticket at once (see the module).
LOCK_STORE = "stores.lock_store.AtomicRedisLockStore"
START_TIMEOUT_SECONDS = 60.0


class ServiceError(RuntimeError):
    """A database or Redis server could not be set up, started or stopped."""


def _run_as(user: str) -> List[str]:
    """Command prefix that drops root privileges: initdb refuses root, Redis should not run as it."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServiceError("runuser (util-linux) is needed to start services as an unprivileged user.")
    return [runuser, "-u", user, "--"]


def _give_to(user: str, path: Path) -> None:
    """Make ``path`` belong to ``user`` (when we are root) and private to it."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, user, user)
    path.chmod(0o700)


def _check(args: List[str], what: str) -> None:
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


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL binaries folder (``PG_BIN`` overrides it)."""
    configured = settings.pg_bin()
    if configured is not None:
        return configured
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise ServiceError("PostgreSQL is not installed: run `make cluster-deps` (Debian package postgresql).")
    return found[-1].parent


@dataclass
class Postgres:
    """A PostgreSQL server on 127.0.0.1:``port`` with its cluster in ``folder/data``.

    The database ``rasa`` belongs to a role ``rasa`` (not a superuser) whose random password
    is kept in ``folder/rasa.password``; the superuser's own random password is in
    ``folder/postgres.password``. Unix sockets are off, so every client uses the password.
    """

    folder: Path
    port: int
    user: str = "postgres"

    @property
    def data(self) -> Path:
        """The PostgreSQL data directory (the cluster)."""
        return self.folder / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.folder / "server.log"

    def password(self, role: str = ROLE) -> str:
        """The password of ``role`` (``rasa`` or ``postgres``), generated at init."""
        return (self.folder / f"{role}.password").read_text().strip()

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the ``rasa`` database, as TRACKER_STORE_URL expects it."""
        return f"postgresql://{ROLE}:{self.password()}@127.0.0.1:{self.port}/{DATABASE}"

    def _pg_ctl(self, *args: str) -> List[str]:
        return [*_run_as(self.user), str(postgres_bin() / "pg_ctl"), "-D", str(self.data), *args]

    def init(self) -> None:
        """Create the cluster once; later starts reuse it."""
        if (self.data / "PG_VERSION").exists():
            return
        _give_to(self.user, self.folder)
        _give_to(self.user, self.data)
        superuser_password = self.folder / "postgres.password"
        _write_secret(superuser_password, secrets.token_urlsafe(24))
        _write_secret(self.folder / f"{ROLE}.password", secrets.token_urlsafe(24))
        # initdb reads the password file as the postgres user: hand it a copy it may read.
        pwfile = self.folder / ".initdb-pw"
        shutil.copyfile(superuser_password, pwfile)
        if os.geteuid() == 0:
            shutil.chown(pwfile, self.user, self.user)
        try:
            _check(
                [
                    *_run_as(self.user), str(postgres_bin() / "initdb"), "-D", str(self.data),
                    "-U", "postgres", "--pwfile", str(pwfile), "--auth=scram-sha-256",
                    "--encoding=UTF8", "--locale=C", "--no-instructions",
                ],
                "initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Set by scripts/services.py: TCP on loopback only, no Unix socket.\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
            )

    def running(self) -> bool:
        """Whether the cluster's postmaster is alive."""
        if not (self.data / "postmaster.pid").exists():
            return False
        return subprocess.run(self._pg_ctl("status"), capture_output=True).returncode == 0

    def start(self) -> None:
        """Start the server (stopping a leftover one first) and create the role and database."""
        self.init()
        if self.running():
            self.stop()
        _check(
            self._pg_ctl("-l", str(self.log), "-o", f"-p {self.port}", "-w", "-t", str(int(START_TIMEOUT_SECONDS)),
                         "start"),
            "pg_ctl start",
        )
        wait_for_port(self.port)
        self._create_database()

    def stop(self) -> None:
        """Stop the server, letting running transactions roll back (fast shutdown)."""
        if self.running():
            _check(self._pg_ctl("-m", "fast", "-w", "stop"), "pg_ctl stop")

    def restart(self) -> None:
        """Stop and start again on the same port and data."""
        self.stop()
        self.start()

    def _create_database(self) -> None:
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", password=self.password("postgres"), dbname="postgres"
        )
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,))
                if cursor.fetchone() is None:
                    cursor.execute(
                        sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(ROLE)), (self.password(),)
                    )
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cursor.fetchone() is None:
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE))
                    )
        finally:
            connection.close()


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
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by someone else
        return pid

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
        _give_to(self.user, self.folder)
        _check(
            [
                *_run_as(self.user), binary, "--port", str(self.port), "--bind", "127.0.0.1",
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


def _write_secret(path: Path, value: str) -> None:
    """Write a file only its owner may read."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(value + "\n")


def start_postgres(folder: Path, port: int) -> Postgres:
    """Start PostgreSQL with its data in ``folder`` (created on first use) on 127.0.0.1:``port``."""
    server = Postgres(Path(folder).resolve(), port)
    server.start()
    return server


def start_redis(folder: Path, port: int) -> Redis:
    """Start Redis with its files in ``folder`` on 127.0.0.1:``port``."""
    server = Redis(Path(folder).resolve(), port)
    server.start()
    return server


def cluster_env(postgres: Postgres, redis: Redis) -> Dict[str, str]:
    """The settings endpoints.yml reads to use these servers as tracker and lock store."""
    return {
        "TRACKER_STORE_URL": postgres.url,
        "LOCK_STORE_TYPE": LOCK_STORE,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis.port),
    }


def _ports_file(folder: Path) -> Path:
    return folder / "services.ports"


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: ``start`` or ``stop`` the two servers under ``--dir``."""
    parser = argparse.ArgumentParser(prog="python -m scripts.services", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--dir", type=Path, default=Path("var"), help="parent of the pg/ and redis/ folders")
    parser.add_argument("--pg-port", type=int, default=settings.pg_port())
    parser.add_argument("--redis-port", type=int, default=settings.redis_port())
    args = parser.parse_args(argv)
    folder: Path = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.command == "start":
            postgres = start_postgres(folder / "pg", args.pg_port)
            redis = start_redis(folder / "redis", args.redis_port)
            _ports_file(folder).write_text(f"{args.pg_port} {args.redis_port}\n")
            print("\n".join(f"{k}={shlex.quote(v)}" for k, v in cluster_env(postgres, redis).items()))
        else:
            ports = _ports_file(folder).read_text().split() if _ports_file(folder).exists() else []
            pg_port, redis_port = (int(p) for p in ports) if len(ports) == 2 else (args.pg_port, args.redis_port)
            Redis(folder / "redis", redis_port).stop()
            Postgres(folder / "pg", pg_port).stop()
    except ServiceError as error:
        print(f"services: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
