"""The scale-out stack as real processes: PostgreSQL, Redis, one action server, Rasa replicas.

``make run-cluster`` (through :mod:`scripts.launch`), ``make load`` (``bench/load.py --start``)
and the end-to-end tests' session fixture all start it with :func:`start_cluster`, so the load
test and the tests run the same setup as the Makefile. Scaling out the Rasa way: stateless Rasa
servers sharing PostgreSQL (conversations) and Redis (turn locks), both run by
:mod:`scripts.postgres_server` and :mod:`scripts.redis_server` as unprivileged users.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import requests
import yaml

from scripts.postgres_server import Postgres, start_postgres
from scripts.redis_server import Redis, start_redis
from scripts.servers import REPO, REST_CHANNEL, Server, free_port, private_env, server_env, start_actions, start_rasa
from scripts.services import cluster_env


@dataclass
class Cluster:
    """Every process of the scale-out stack, and how to restart each one.

    ``logs`` is the folder of the servers' logs, or None when they write to our terminal.
    """

    folder: Path
    postgres: Postgres
    redis: Redis
    env: Dict[str, str]
    credentials: Path
    replica_args: List[List[str]]
    ports: List[int]
    logs: Optional[Path] = None
    actions: Optional[Server] = None
    replicas: List[Server] = field(default_factory=list)

    @property
    def urls(self) -> List[str]:
        """Base URLs of the Rasa replicas."""
        return [r.url for r in self.replicas]

    @property
    def replica_logs(self) -> List[Path]:
        """The replicas' log files (none when they write to the terminal)."""
        return [r.log for r in self.replicas if r.log is not None]

    @property
    def action_port(self) -> int:
        """The port the replicas expect the action server on."""
        return int(self.env["ACTION_PORT"])

    def start_actions(self) -> Server:
        """Start the action server on its fixed port (again, after a stop)."""
        self.actions = start_actions(self.logs, self.env, port=self.action_port)
        return self.actions

    def start_replica(self, index: int) -> Server:
        """(Re)start replica ``index`` on its own port."""
        server = start_rasa(self.logs, self.env, self.credentials, port=self.ports[index],
                            extra_args=self.replica_args[index])
        if index < len(self.replicas):
            self.replicas[index] = server
        else:
            self.replicas.append(server)
        return server

    def start_servers(self, warm: bool = True) -> None:
        """Start the action server and every replica side by side; ``warm`` runs a few turns through each.

        A replica that started is stopped again when another fails, so none is left behind.
        """
        with ThreadPoolExecutor(len(self.replica_args) + 1) as pool:
            actions = pool.submit(self.start_actions)
            starting: List[Future[Server]] = [
                pool.submit(start_rasa, self.logs, self.env, self.credentials, port=port, extra_args=args)
                for port, args in zip(self.ports, self.replica_args)
            ]
            failed = [e for f in [actions, *starting] if (e := f.exception()) is not None]
            started = [f.result() for f in starting if f.exception() is None]
            if failed:
                for server in started:
                    server.stop()
                raise failed[0]
            self.replicas = started
            if warm:
                list(pool.map(warm_up, self.urls))

    def restart_servers(self) -> None:
        """Stop the replicas and the action server, then start them all again side by side, warmed up.

        PostgreSQL and Redis stay up: they hold the conversations, the check-ins and the locks.
        """
        for server in self.replicas:
            server.stop()
        if self.actions is not None:
            self.actions.stop()
        self.start_servers()

    def revive(self) -> None:
        """Start again any replica or action server that died (a test may kill one)."""
        if self.actions is not None and self.actions.process.poll() is not None:
            self.start_actions()
        for index, server in enumerate(self.replicas):
            if server.process.poll() is not None:
                warm_up(self.start_replica(index).url)

    def servers(self) -> List[Server]:
        """The action server and the replicas that were started."""
        return [*([self.actions] if self.actions is not None else []), *self.replicas]

    def stop(self) -> None:
        """Stop every process, Rasa first so nothing writes to a stopped database."""
        for server in self.replicas:
            server.stop()
        if self.actions is not None:
            self.actions.stop()
        self.redis.stop()
        self.postgres.stop()


# A short conversation that takes a fresh server through its first predictions.
WARM_UP = ("hi", "i hurt my back yesterday, can i put a heating pad on it?", "why?")


def warm_up(url: str) -> None:
    """A few turns through a fresh replica, as a deployment should before it takes traffic.

    TensorFlow builds graphs on a server's first predictions of each kind: measured here, the
    second turn of a fresh server took 3.9 s, later ones 50-100 ms. Turns arriving meanwhile
    wait, and their calls to the action server can run out of time.
    """
    sender = f"warm-up-{uuid.uuid4().hex[:8]}"
    for text in WARM_UP:
        reply = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
        reply.raise_for_status()


def migrate(env: Dict[str, str]) -> None:
    """Move stored conversations to channel-namespaced ids before any server reads them (``make migrate``)."""
    subprocess.run([sys.executable, "-m", "scripts.migrate_sender_ids"], cwd=REPO, env=env, check=True)


def start_cluster(
    replica_args: List[List[str]],
    folder: Optional[Path] = None,
    channels: Optional[Dict[str, Any]] = None,
    *,
    credentials: Optional[Path] = None,
    ports: Optional[Sequence[int]] = None,
    action_port: Optional[int] = None,
    pg_port: Optional[int] = None,
    redis_port: Optional[int] = None,
    logs: Optional[Path] = None,
    warm: bool = True,
    migrate_first: bool = False,
    **env: str,
) -> Cluster:
    """Start PostgreSQL, Redis, the action server and one Rasa replica per entry of ``replica_args``.

    By default everything is private, as the tests and the load test want it: a new temporary
    ``folder`` (the unprivileged postgres and redis users must be able to enter it, hence its
    mode) holding the databases and the logs, free ports, and a credentials file with the REST
    channel plus ``channels`` (module path -> settings), and the environment of
    :func:`~scripts.servers.private_env`. ``make run-cluster`` instead gives the folder (``var``),
    the ports and its credentials, runs with the developer's settings (:func:`~scripts.servers.server_env`)
    and leaves ``logs`` None: the servers write to its terminal.

    Args:
        replica_args: Extra ``rasa run`` arguments of each replica.
        folder: Parent of ``pg/`` and ``redis/`` (and of the logs and credentials by default).
        channels: Channels next to REST when the credentials file is written here.
        credentials: A credentials file to use instead of writing one.
        ports: The replicas' ports (default: free ones).
        action_port: The action server's port (default: a free one).
        pg_port: PostgreSQL's port (default: a free one).
        redis_port: Redis's port (default: a free one).
        logs: Folder of the servers' logs when ``folder`` is given; None writes them to our terminal.
        warm: Run a few turns through each replica before returning.
        migrate_first: Migrate stored conversation ids (:func:`migrate`) before the servers start.
        **env: More settings for the servers.
    """
    private = folder is None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="backcare-cluster-"))
        folder.chmod(0o711)
        logs = folder
    folder.mkdir(parents=True, exist_ok=True)
    postgres = start_postgres(folder / "pg", pg_port or free_port())
    try:
        redis = start_redis(folder / "redis", redis_port or free_port())
    except BaseException:
        postgres.stop()
        raise
    if credentials is None:
        credentials = folder / "credentials.yml"
        credentials.write_text(yaml.safe_dump({REST_CHANNEL: None, **(channels or {})}))
    action_port = action_port or free_port()
    settings: Dict[str, Optional[str]] = {"ACTION_PORT": str(action_port), **cluster_env(postgres, redis), **env}
    cluster = Cluster(
        folder=folder,
        postgres=postgres,
        redis=redis,
        env=private_env(folder, **settings) if private else server_env(**settings),
        credentials=credentials,
        replica_args=replica_args,
        ports=list(ports) if ports is not None else [free_port() for _ in replica_args],
        logs=logs,
    )
    try:
        if migrate_first:
            migrate(cluster.env)
        cluster.start_servers(warm)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def remove(folder: Path) -> None:
    """Delete a cluster's folder (databases and logs)."""
    shutil.rmtree(folder, ignore_errors=True)
