"""Rasa's SQL tracker store, made to ride out a database restart without losing a turn.

Rasa builds its SQLAlchemy engine without checking pooled connections. After PostgreSQL
restarts, the first query on each pooled connection fails; Rasa's ``FailSafeTrackerStore`` then
hands the turn an empty tracker, the bot answers without context ("I haven't given you any
advice yet" to "why?") and the turn's events are never saved, which we saw on both replicas
here. This store

* checks each connection before use (``pool_pre_ping``), so a restart costs one reconnect;
* retries reads and writes that fail for a connection reason for up to
  ``TRACKER_STORE_RETRY_SECONDS`` (default 10), so a turn arriving while the database restarts
  waits for it instead of being answered out of context. Retrying a save is safe: it writes only
  the events the database does not hold yet (an event broker, which we do not configure, would
  get them again).

Select it in endpoints.yml with ``type: stores.tracker_store.ResilientSQLTrackerStore`` and the
same keys as Rasa's ``SQL`` tracker store (``url`` takes a full SQLAlchemy URL).
"""

import logging
from typing import Any, Awaitable, Callable, Iterable, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from backcare import settings
from stores.retrying import retrying

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_RETRY_SECONDS = settings.DEFAULT_TRACKER_STORE_RETRY_SECONDS
# Connection-level failures: the server is restarting, unreachable or dropped us.
RETRYABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _connection_error(error: BaseException) -> Optional[BaseException]:
    """The error itself when it is a connection failure (worth retrying), else None."""
    return error if isinstance(error, RETRYABLE) else None


def retry_seconds() -> float:
    """How long to keep retrying a failed database call (``TRACKER_STORE_RETRY_SECONDS``)."""
    return settings.tracker_store_retry_seconds()


class ResilientSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with pre-pinged connections and retried calls (see the module doc)."""

    engine: sa.engine.Engine

    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None, **kwargs: Any) -> None:
        """Connect like ``SQLTrackerStore``, then rebuild the engine with ``pool_pre_ping``.

        Args:
            domain: The assistant's domain.
            host: A full SQLAlchemy URL (``url`` in endpoints.yml) or a host name. A relative
                SQLite file is taken from the repo root, as ``TRACKER_STORE_URL`` is everywhere else.
            **kwargs: The other ``SQLTrackerStore`` arguments.
        """
        host = settings.sqlite_from_repo_root(host) if host else host
        super().__init__(domain=domain, host=host, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
        self.retry_seconds = retry_seconds()

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        return await retrying(
            call, what=f"Tracker store {what}", seconds=self.retry_seconds, first_delay=0.2, max_delay=2.0,
            cause=_connection_error, logger=logger,
        )

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        return await self._retrying(
            "read", lambda: super(ResilientSQLTrackerStore, self)._retrieve(sender_id, fetch_events_from_all_sessions)
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, retrying while the database is unreachable."""
        await self._retrying("save", lambda: super(ResilientSQLTrackerStore, self).save(tracker))

    async def keys(self) -> Iterable[Text]:
        """Every conversation id, retrying while the database is unreachable."""
        return await self._retrying("keys", lambda: super(ResilientSQLTrackerStore, self).keys())
