"""Telegram's update ids and button keys, per process and shared through a real Redis server."""

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore

from channels import telegram_memory
from channels.telegram_memory import (
    BUTTON_SECONDS,
    CLAIM_SECONDS,
    SEEN_SECONDS,
    RecentIds,
    TelegramMemory,
    buttons_key,
    erase_chat,
    shared_redis,
)
from channels.telegram_output import GuardedTelegramOutput
from scripts.redis_server import Redis, start_redis
from stores.lock_store import AtomicRedisLockStore
from tests.e2e.telegram_standin import TOKEN
from tests.servers import free_port

CHAT = "4242"
LONG = "how long should i use it every evening before going to bed? (acupressure mat)"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[Redis]:
    folder = Path(tempfile.mkdtemp(prefix="backcare-redis-"))
    folder.chmod(0o711)  # the redis user must be able to enter it
    server = start_redis(folder / "redis", free_port())
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def lock_store(redis_server: Redis) -> AtomicRedisLockStore:
    """The lock store two replicas would share; its Redis is what the connector shares too."""
    return AtomicRedisLockStore(host="127.0.0.1", port=redis_server.port, db=1)


def replica(lock_store: AtomicRedisLockStore) -> GuardedTelegramOutput:
    """A Rasa server's Telegram output once the server has shared its lock store's Redis."""
    output = GuardedTelegramOutput(TOKEN)
    output.memory.red = shared_redis(lock_store)
    return output


def test_recent_ids_forget_the_oldest_beyond_capacity() -> None:
    seen = RecentIds(3)
    assert [seen.add(i) for i in (1, 2, 3, 1, 4)] == [True, True, True, False, True]
    assert 2 not in seen and 1 in seen and len(seen) == 3


def test_only_a_redis_lock_store_is_shared() -> None:
    assert shared_redis(InMemoryLockStore()) is None
    assert shared_redis(None) is None


async def test_an_update_is_answered_by_one_replica_only(lock_store: AtomicRedisLockStore) -> None:
    a, b = replica(lock_store).memory, replica(lock_store).memory
    update_id = free_port() * 1000
    # Telegram re-delivers while A's turn runs, and to B: both at once.
    claims = await asyncio.gather(a.claim_update(update_id), b.claim_update(update_id))
    assert sorted(claims) == [False, True]
    await (a if claims[0] else b).handled(update_id)
    assert await a.claim_update(update_id) is False and await b.claim_update(update_id) is False
    # A replica started later knows it too, for as long as Telegram may re-deliver.
    assert await replica(lock_store).memory.claim_update(update_id) is False
    key = f"{telegram_memory.KEY_PREFIX}{TOKEN.partition(':')[0]}:update:{update_id}"
    assert CLAIM_SECONDS < lock_store.red.ttl(key) <= SEEN_SECONDS


async def test_an_update_claimed_by_a_replica_that_died_gets_through_later(
    lock_store: AtomicRedisLockStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_memory, "CLAIM_SECONDS", 1)
    dead, survivor = replica(lock_store).memory, replica(lock_store).memory
    update_id = free_port() * 1000 + 1
    assert await dead.claim_update(update_id) is True  # and never says it was handled
    assert await survivor.claim_update(update_id) is False
    await asyncio.sleep(1.5)
    assert await survivor.claim_update(update_id) is True


async def test_a_long_button_sent_by_one_replica_works_when_tapped_on_another(
    lock_store: AtomicRedisLockStore,
) -> None:
    sender, receiver = replica(lock_store), replica(lock_store)
    key = await sender.callback_data(LONG, CHAT)
    assert key != LONG and await receiver.payload(key, CHAT) == LONG
    assert 0 < lock_store.red.ttl(buttons_key(CHAT)) <= BUTTON_SECONDS
    # Without Redis, a replica that did not send the button does not know it.
    assert await GuardedTelegramOutput(TOKEN).payload(key, CHAT) is None


async def test_forget_me_erases_the_chat_s_buttons_from_redis(lock_store: AtomicRedisLockStore) -> None:
    chat = str(free_port())
    key = await replica(lock_store).callback_data(LONG, chat)
    await erase_chat(lock_store, chat)
    assert lock_store.red.exists(buttons_key(chat)) == 0
    assert await replica(lock_store).payload(key, chat) is None
    await erase_chat(InMemoryLockStore(), chat)  # nothing shared: nothing to do, no error


async def test_with_redis_unreachable_each_process_still_answers_once() -> None:
    memory = TelegramMemory("1", redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1))
    assert await memory.claim_update(7) is True
    await memory.handled(7)
    assert await memory.claim_update(7) is False
    await memory.keep_payload(CHAT, "#k", LONG)
    assert await memory.payload(CHAT, "#k") == LONG
    assert await memory.payload(CHAT, "#other") is None


async def test_forget_chat_drops_this_process_s_payloads_of_that_chat_only() -> None:
    memory = TelegramMemory("1")
    await memory.keep_payload("1", "#k", LONG)
    await memory.keep_payload("2", "#k", LONG + " too")
    await memory.forget_chat("1")
    assert await memory.payload("1", "#k") is None
    assert await memory.payload("2", "#k") == LONG + " too"


async def test_with_redis_a_replica_keeps_no_copy_that_outlives_forget_me_on_another(
    lock_store: AtomicRedisLockStore,
) -> None:
    chat = str(free_port())
    sender = replica(lock_store)
    key = await sender.callback_data(LONG, chat)
    await replica(lock_store).memory.forget_chat(chat)
    assert await sender.payload(key, chat) is None


async def test_without_redis_a_long_payload_expires_like_the_redis_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_memory, "BUTTON_SECONDS", 0.3)
    memory = TelegramMemory("1")
    await memory.keep_payload(CHAT, "#old", LONG)
    await asyncio.sleep(0.2)
    await memory.keep_payload(CHAT, "#new", LONG + " too")
    await asyncio.sleep(0.15)
    assert await memory.payload(CHAT, "#old") is None
    assert await memory.payload(CHAT, "#new") == LONG + " too"
    await memory.forget_chat(CHAT)  # with an expired entry among the kept ones
    assert await memory.payload(CHAT, "#new") is None


async def test_without_redis_the_oldest_long_payload_goes_beyond_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_memory, "LONG_PAYLOADS", 2)
    memory = TelegramMemory("1")
    for key in ("#a", "#b", "#a", "#c"):  # keeping "#a" again makes it the newest
        await memory.keep_payload(CHAT, key, LONG + key)
    assert [await memory.payload(CHAT, key) for key in ("#a", "#b", "#c")] == [LONG + "#a", None, LONG + "#c"]
