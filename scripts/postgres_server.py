"""A PostgreSQL server of the scale-out mode: its own cluster in a folder, on 127.0.0.1 only.

Started by :mod:`scripts.services` (``make run-cluster``), :mod:`scripts.cluster` and the tests'
fixtures; the rules every such server follows are in :mod:`scripts.service_process`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List

from backcare import settings
from scripts.service_process import (
    START_TIMEOUT_SECONDS,
    ServiceError,
    check,
    give_to,
    run_as,
    wait_for_port,
    write_secret,
)

DATABASE = "rasa"
ROLE = "rasa"


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
        return [*run_as(self.user), str(postgres_bin() / "pg_ctl"), "-D", str(self.data), *args]

    def init(self) -> None:
        """Create the cluster once; later starts reuse it."""
        if (self.data / "PG_VERSION").exists():
            return
        give_to(self.user, self.folder)
        give_to(self.user, self.data)
        superuser_password = self.folder / "postgres.password"
        write_secret(superuser_password, secrets.token_urlsafe(24))
        write_secret(self.folder / f"{ROLE}.password", secrets.token_urlsafe(24))
        # initdb reads the password file as the postgres user: hand it a copy it may read.
        pwfile = self.folder / ".initdb-pw"
        shutil.copyfile(superuser_password, pwfile)
        if os.geteuid() == 0:
            shutil.chown(pwfile, self.user, self.user)
        try:
            check(
                [
                    *run_as(self.user), str(postgres_bin() / "initdb"), "-D", str(self.data),
                    "-U", "postgres", "--pwfile", str(pwfile), "--auth=scram-sha-256",
                    "--encoding=UTF8", "--locale=C", "--no-instructions",
                ],
                "initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Set by scripts/postgres_server.py: TCP on loopback only, no Unix socket.\n"
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
        check(
            self._pg_ctl("-l", str(self.log), "-o", f"-p {self.port}", "-w", "-t", str(int(START_TIMEOUT_SECONDS)),
                         "start"),
            "pg_ctl start",
        )
        wait_for_port(self.port)
        self._create_database()

    def stop(self) -> None:
        """Stop the server, letting running transactions roll back (fast shutdown)."""
        if self.running():
            check(self._pg_ctl("-m", "fast", "-w", "stop"), "pg_ctl stop")

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


def start_postgres(folder: Path, port: int) -> Postgres:
    """Start PostgreSQL with its data in ``folder`` (created on first use) on 127.0.0.1:``port``."""
    server = Postgres(Path(folder).resolve(), port)
    server.start()
    return server
