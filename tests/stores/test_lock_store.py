"""The atomic Redis lock store against a real Redis server (Debian's redis-server)."""

import asyncio
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, List, Tuple
from unittest import mock

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from scripts.redis_server import Redis, start_redis
from scripts.services import LOCK_STORE
from stores.lock_store import AtomicRedisLockStore
from tests.servers import REPO, base_env, free_port


@pytest.fixture(scope="module")
def redis_server() -> Iterator[Redis]:
    folder = Path(tempfile.mkdtemp(prefix="backcare-redis-"))
    folder.chmod(0o711)  # the redis user must be able to enter it
    server = start_redis(folder / "redis", free_port())
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def from_endpoints(server: Redis, lock_store_type: str = LOCK_STORE) -> LockStore:
    """The lock store Rasa builds from endpoints.yml, where the port arrives as a string from the env."""
    env = base_env(Path(tempfile.gettempdir()), ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook",
                   LOCK_STORE_TYPE=lock_store_type, REDIS_HOST="127.0.0.1", REDIS_PORT=str(server.port))
    with mock.patch.dict(os.environ, env):
        config = read_endpoint_config(str(REPO / "endpoints.yml"), "lock_store")
    assert config is not None and config.kwargs["port"] == str(server.port)
    return LockStore.create(config)


def store(server: Redis) -> AtomicRedisLockStore:
    created = from_endpoints(server)
    assert isinstance(created, AtomicRedisLockStore)
    return created


def test_rasa_redis_store_accepts_the_port_as_a_string(redis_server: Redis) -> None:
    created = from_endpoints(redis_server, "redis")
    assert type(created) is RedisLockStore
    assert created.red.ping()


def test_two_servers_never_get_the_same_ticket(redis_server: Redis) -> None:
    stores = [store(redis_server), store(redis_server)]
    conversation = f"tickets-{time.time_ns()}"
    start = threading.Barrier(40)
    tickets: List[int] = []

    def take(index: int) -> None:
        start.wait()
        tickets.append(stores[index % 2].issue_ticket(conversation, 30))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(40))


async def test_turns_of_one_conversation_never_overlap(redis_server: Redis) -> None:
    stores = [store(redis_server), store(redis_server)]
    conversation = f"turns-{time.time_ns()}"
    spans: List[Tuple[float, float]] = []

    async def turn(index: int) -> None:
        async with stores[index % 2].lock(conversation, wait_time_in_seconds=0.05):
            began = time.monotonic()
            await asyncio.sleep(0.05)
            spans.append((began, time.monotonic()))

    await asyncio.gather(*(turn(i) for i in range(8)))
    spans.sort()
    assert len(spans) == 8
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    assert stores[0].get_lock(conversation) is None, "the last turn removes the lock"


async def test_a_turn_waits_out_a_redis_restart(redis_server: Redis) -> None:
    lock_store = store(redis_server)
    conversation = f"restart-{time.time_ns()}"
    redis_server.stop()

    def start_again() -> None:
        time.sleep(0.5)
        redis_server.start()

    restart = asyncio.get_running_loop().run_in_executor(None, start_again)
    async with lock_store.lock(conversation) as lock:
        assert lock.conversation_id == conversation
    await restart


def test_lock_key_expires_with_its_last_ticket(redis_server: Redis) -> None:
    lock_store = store(redis_server)
    conversation = f"expiry-{time.time_ns()}"
    lock_store.issue_ticket(conversation, 3)
    assert 0 < lock_store.red.ttl(lock_store.key_prefix + conversation) <= 4


async def test_a_ticket_left_by_a_dead_server_blocks_only_until_it_expires(
    redis_server: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    dead, alive = store(redis_server), store(redis_server)
    conversation = f"dead-{time.time_ns()}"
    dead.issue_ticket(conversation, 1.5)  # its server died before releasing it
    started = time.monotonic()
    async with alive.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.1):
        waited = time.monotonic() - started
    assert 1.4 < waited < 3
    assert "taking a new one" not in caplog.text
