"""What the Telegram connector remembers between updates: update ids handled, long button payloads.

One process keeps both in bounded maps. When the Rasa servers share a Redis lock store, they
share these through the same Redis, so an update Telegram re-delivers to another replica is
still answered once, and a button sent by one replica works when its tap reaches another.

Every Redis key expires. An update id is claimed for ``CLAIM_SECONDS`` while its turn runs and
then kept as handled for ``SEEN_SECONDS`` (Telegram keeps re-delivering an update for at most a
day); a replica that dies mid-turn thus leaves the update to Telegram's next re-delivery rather
than losing it. A chat's long payloads may hold the person's own words (the equipment question
asks again with their text), so they live in one hash per chat, dropped ``BUTTON_SECONDS`` after
the chat's last long button and erased with the conversation by "forget me" (``erase_chat``).

When Redis cannot be reached, the in-process maps carry on alone: a turn is never refused
because Redis is down, at the price of a possible repeat across replicas meanwhile. Those maps are
cachetools caches: update ids a bounded LRU set, long payloads a bounded map whose entries expire
``BUTTON_SECONDS`` after they were kept, like the Redis hash, so a person's words held only here
do not outlive what Redis would keep.
"""

import asyncio
import logging
from typing import Any, Callable, Optional, Tuple, TypeVar

import redis
from cachetools import LRUCache, TTLCache
from rasa.core.lock_store import LockStore, RedisLockStore

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Telegram re-delivers an update until it gets a 2xx, within a day at most; a few thousand
# recent ids cover any realistic retry burst while keeping memory bounded.
SEEN_UPDATES = 4096
LONG_PAYLOADS = 4096
SEEN_SECONDS = 25 * 3600
# Longer than any turn (the action timeout and the ticket lock lifetime bound it), shorter than
# Telegram's later re-deliveries.
CLAIM_SECONDS = 120
BUTTON_SECONDS = 7 * 86400
KEY_PREFIX = "backcare:telegram:"
_HANDLED = "handled"
_CLAIMED = "claimed"


class RecentIds:
    """A bounded set that remembers the most recently added keys (least recently added go first)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        # Only ``add`` counts as a use: membership tests leave the order alone.
        self._keys: LRUCache[Any, None] = LRUCache(maxsize=capacity)

    def add(self, key: Any) -> bool:
        """Remember ``key`` (as the most recent); ``False`` if it was already remembered."""
        known = key in self._keys
        self._keys[key] = None
        return not known

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


def buttons_key(chat: str) -> str:
    """The Redis hash of a chat's long button payloads (key -> payload)."""
    return f"{KEY_PREFIX}buttons:{chat}"


def shared_redis(lock_store: Optional[LockStore]) -> Optional[redis.Redis]:
    """The Redis client of the server's lock store, or None when the lock store is not Redis."""
    return lock_store.red if isinstance(lock_store, RedisLockStore) else None


class TelegramMemory:
    """Update ids handled and long button payloads, in this process and, once given, in Redis.

    Args:
        bot_id: The bot's id (the token's digits before the colon): update ids count per bot.
        red: A Redis client shared by every Rasa server, or None for this process alone.
    """

    def __init__(self, bot_id: str, red: Optional[redis.Redis] = None) -> None:
        self.bot_id = bot_id
        self.red = red
        self._seen = RecentIds(SEEN_UPDATES)
        # (chat, key) -> payload; only what Redis could not take, so "forget me" on any replica
        # (which erases the Redis hash) leaves no copy in another replica's memory.
        self._payloads: TTLCache[Tuple[str, str], str] = TTLCache(maxsize=LONG_PAYLOADS, ttl=BUTTON_SECONDS)

    def _update_key(self, update_id: int) -> str:
        return f"{KEY_PREFIX}{self.bot_id}:update:{update_id}"

    async def _redis(self, what: str, call: Callable[[redis.Redis], T]) -> Optional[T]:
        """``call(red)`` off the event loop; None without Redis or when it fails (the maps carry on)."""
        red = self.red
        if red is None:
            return None
        try:
            return await asyncio.to_thread(call, red)
        except redis.exceptions.RedisError as error:
            logger.warning("Telegram memory: Redis %s failed (%s); this server's memory only.", what,
                           type(error).__name__)
            return None

    async def claim_update(self, update_id: int) -> bool:
        """Whether this server should answer ``update_id``: no server has claimed or handled it yet."""
        if update_id in self._seen:
            return False
        # SET NX is atomic: of two replicas given the same update, one sets it (the other gets None).
        claimed = await self._redis(
            "claim", lambda red: red.set(self._update_key(update_id), _CLAIMED, nx=True, ex=CLAIM_SECONDS) is not None
        )
        if claimed is False:
            # Not remembered here: if the replica that claimed it dies, a later re-delivery must get through.
            return False
        self._seen.add(update_id)
        return True

    async def handled(self, update_id: int) -> None:
        """Record that ``update_id`` was answered, for as long as Telegram might re-deliver it."""
        await self._redis("record", lambda red: red.set(self._update_key(update_id), _HANDLED, ex=SEEN_SECONDS))

    async def keep_payload(self, chat: str, key: str, payload: str) -> None:
        """Remember what a button's short key stands for, for taps in ``chat``."""

        def keep(red: redis.Redis) -> bool:
            pipe = red.pipeline(transaction=True)
            pipe.hset(buttons_key(chat), key, payload)
            pipe.expire(buttons_key(chat), BUTTON_SECONDS)
            pipe.execute()
            return True

        if await self._redis("keep", keep):
            return
        self._payloads[(chat, key)] = payload

    async def payload(self, chat: str, key: str) -> Optional[str]:
        """The payload behind ``key`` for a tap in ``chat``; None if no server issued it (or it expired)."""
        kept = self._payloads.get((chat, key))
        if kept is not None:
            return kept
        found = await self._redis("lookup", lambda red: red.hget(buttons_key(chat), key))
        return found.decode("utf-8") if isinstance(found, bytes) else None

    async def forget_chat(self, chat: str) -> None:
        """Drop a chat's long button payloads, here and in the shared Redis ("forget me")."""
        for kept in [kept for kept in self._payloads if kept[0] == chat]:
            # pop, not del: an entry that expired meanwhile is gone already.
            self._payloads.pop(kept, None)
        await self._redis("erase", lambda red: red.delete(buttons_key(chat)))


async def erase_chat(lock_store: Optional[LockStore], chat: str) -> None:
    """Delete a chat's long button payloads from the shared Redis, if there is one ("forget me")."""
    red = shared_redis(lock_store)
    if red is not None:
        await asyncio.to_thread(red.delete, buttons_key(chat))
