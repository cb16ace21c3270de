"""Start and stop the PostgreSQL and Redis servers of the scale-out mode, from Debian's binaries.

Both run as unprivileged users on 127.0.0.1 only, with their data in a folder of our own
(``var/pg``, ``var/redis`` for ``make run-cluster``; a temporary folder in the tests), so they
never touch a system-wide service. ``make run-cluster``, ``make load`` and the tests' session
fixtures all start them through :mod:`scripts.postgres_server` and :mod:`scripts.redis_server`;
this module is their command line and the settings that point Rasa at them.

Usage::

    python -m scripts.services start --dir var [--pg-port 5433] [--redis-port 6380]
    python -m scripts.services stop --dir var

``start`` prints the settings the Rasa servers need (``TRACKER_STORE_URL``, ``LOCK_STORE_TYPE``,
``REDIS_HOST``, ``REDIS_PORT``) as shell assignments, for ``eval``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Dict, List, Optional

from backcare import settings
from scripts.postgres_server import Postgres, start_postgres
from scripts.redis_server import Redis, start_redis
from scripts.service_process import ServiceError

# Rasa's own "redis" lock store races when two servers take a ticket at once (see the module).
LOCK_STORE = "stores.lock_store.AtomicRedisLockStore"


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

