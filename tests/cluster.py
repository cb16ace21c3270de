"""The scale-out stack as real processes: PostgreSQL, Redis, one action server, Rasa replicas.

Used by the session fixture of tests/e2e/test_cluster.py and by ``bench/load.py --start``, so
the load test and the tests run the same setup as ``make run-cluster``.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

from scripts.services import Postgres, Redis, cluster_env, start_postgres, start_redis
from tests.servers import Server, base_env, free_port, start_actions, start_rasa

REST_CHANNEL = "channels.rest.GuardedRestInput"
JWT_SECRET = f"test-{uuid.uuid4().hex}"
# Replica 1 of the tests' cluster runs with the HTTP API on, as `make rasa RASA_JWT_SECRET=...` starts it.
API_ARGS = ["--enable-api", "--jwt-secret", JWT_SECRET, "--jwt-method", "HS256"]


@dataclass
class Cluster:
    """Every process of the scale-out stack, and how to restart each one."""

    folder: Path
    postgres: Postgres
    redis: Redis
    env: Dict[str, str]
    credentials: Path
    actions: Optional[Server] = None
    replicas: List[Server] = field(default_factory=list)
    replica_args: List[List[str]] = field(default_factory=list)

    @property
    def urls(self) -> List[str]:
        """Base URLs of the Rasa replicas."""
        return [r.url for r in self.replicas]

    @property
    def action_port(self) -> int:
        """The port the replicas expect the action server on."""
        return int(self.env["ACTION_PORT"])

    def start_actions(self) -> Server:
        """Start the action server on its fixed port (again, after a stop)."""
        self.actions = start_actions(self.folder, self.env, port=self.action_port)
        return self.actions

    def start_replica(self, index: int) -> Server:
        """(Re)start replica ``index`` on its own port."""
        port = int(self.replicas[index].url.rsplit(":", 1)[1]) if index < len(self.replicas) else free_port()
        server = start_rasa(self.folder, self.env, self.credentials, port=port, extra_args=self.replica_args[index])
        if index < len(self.replicas):
            self.replicas[index] = server
        else:
            self.replicas.append(server)
        return server

    def restart_servers(self) -> None:
        """Stop the replicas and the action server, then start them all again side by side, warmed up.

        PostgreSQL and Redis stay up: they hold the conversations, the check-ins and the locks.
        """
        for server in self.replicas:
            server.stop()
        if self.actions is not None:
            self.actions.stop()
        with ThreadPoolExecutor(len(self.replicas) + 1) as pool:
            starting = [pool.submit(self.start_actions), *(pool.submit(self.start_replica, i)
                                                            for i in range(len(self.replicas)))]
            for future in starting:
                future.result()
            list(pool.map(warm_up, self.urls))

    def revive(self) -> None:
        """Start again any replica or action server that died (a test may kill one)."""
        if self.actions is not None and self.actions.process.poll() is not None:
            self.start_actions()
        for index, server in enumerate(self.replicas):
            if server.process.poll() is not None:
                warm_up(self.start_replica(index).url)

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


def start_cluster(
    replica_args: List[List[str]],
    folder: Optional[Path] = None,
    channels: Optional[Dict[str, Any]] = None,
    **env: str,
) -> Cluster:
    """Start PostgreSQL, Redis, the action server and one Rasa replica per entry of ``replica_args``.

    The replicas start in parallel (loading the model is most of a start). ``folder`` holds the
    logs and the databases; by default a new temporary folder, which the unprivileged postgres
    and redis users must be able to enter, hence its mode. ``channels`` are added to the REST
    channel in the replicas' credentials (module path -> settings).
    """
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="backcare-cluster-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o711)
    postgres = start_postgres(folder / "pg", free_port())
    redis = start_redis(folder / "redis", free_port())
    action_port = free_port()
    credentials = folder / "credentials.yml"
    credentials.write_text(yaml.safe_dump({REST_CHANNEL: None, **(channels or {})}))
    cluster = Cluster(
        folder=folder,
        postgres=postgres,
        redis=redis,
        env=base_env(
            folder,
            **{
                "ACTION_PORT": str(action_port),
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
                **cluster_env(postgres, redis),
                **env,
            },
        ),
        credentials=credentials,
        replica_args=replica_args,
    )
    starting: List[Future[Server]] = []
    try:
        cluster.start_actions()
        with ThreadPoolExecutor(len(replica_args)) as pool:
            starting = [
                pool.submit(start_rasa, folder, cluster.env, credentials, port=free_port(), extra_args=args)
                for args in replica_args
            ]
            for future in starting:
                cluster.replicas.append(future.result())
            list(pool.map(warm_up, cluster.urls))
    except BaseException:
        for future in starting:
            if future.done() and future.exception() is None and future.result() not in cluster.replicas:
                future.result().stop()
        cluster.stop()
        raise
    return cluster


def remove(folder: Path) -> None:
    """Delete a cluster's folder (databases and logs)."""
    shutil.rmtree(folder, ignore_errors=True)

