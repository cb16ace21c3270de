"""The scale-out stack shared by the end-to-end tests, and a check on the Rasa server's log.

- the scale-out stack: PostgreSQL, Redis, one action server, two Rasa replicas with REST and
  Telegram (``cluster``), started by the first test that asks for it;
- the SQLite stack (``rasa_server``, ``action_server``) lives in tests/conftest.py, so the bench
  smoke test shares it too.
"""

import shutil
from typing import Iterator

import pytest

from channels.telegram_settings import TELEGRAM_CHANNEL
from tests.cluster import API_ARGS, Cluster, remove, start_cluster
from tests.e2e.telegram_standin import BotApiStandin, running_standin, telegram_env
from tests.servers import Server

# A 48-hour check-in for pain that started 47 hours ago is due in 6 s, one for pain of 1 hour in
# 282 s: time to restart every server of the cluster first (measured here: 90 s on a quiet
# machine, 200 s with other work loading the 2 cores).
CLUSTER_CHECKIN_SCALE = 600.0


@pytest.fixture(scope="module")
def no_errors_logged(rasa_server: Server) -> Iterator[None]:
    """After the module: nothing at ERROR level and no traceback in the Rasa server's log."""
    start = rasa_server.log.stat().st_size
    yield
    with rasa_server.log.open("rb") as handle:
        handle.seek(start)
        written = handle.read().decode("utf-8", errors="replace").splitlines()
    bad = [line for line in written if " ERROR " in line or "Traceback" in line or " CRITICAL " in line]
    assert bad == [], "\n".join(bad[:20])


@pytest.fixture(scope="session")
def cluster_telegram_api() -> Iterator[BotApiStandin]:
    """The cluster's own Bot API stand-in, so its calls never mix with the SQLite stack's."""
    yield from running_standin()


@pytest.fixture(scope="session")
def running_cluster(
    tmp_path_factory: pytest.TempPathFactory, cluster_telegram_api: BotApiStandin
) -> Iterator[Cluster]:
    """PostgreSQL + Redis + action server + two Rasa replicas, with the Makefile's settings.

    Plus Telegram (on the stand-in) and check-ins polled twice a second with no quiet hours. The
    databases live in a folder of /tmp that the postgres and redis users can enter (pytest's own
    temporary folders are private to root); the logs are kept with pytest's afterwards.
    """
    running = start_cluster(
        [[], API_ARGS], channels={TELEGRAM_CHANNEL: {}}, TICKET_LOCK_LIFETIME="20",
        CHECKIN_TIME_SCALE=str(CLUSTER_CHECKIN_SCALE), CHECKIN_POLL_SECONDS="0.5", CHECKIN_QUIET_HOURS="",
        **telegram_env(cluster_telegram_api),
    )
    yield running
    running.stop()
    logs = tmp_path_factory.mktemp("cluster-logs")
    for log in running.folder.glob("*.log"):
        shutil.copy(log, logs / log.name)
    remove(running.folder)


@pytest.fixture
def cluster(running_cluster: Cluster) -> Cluster:
    """The running cluster, with any server an earlier test killed started again."""
    running_cluster.revive()
    return running_cluster
