"""The SQL tracker store that rides out database restarts (SQLite here; PostgreSQL in tests/e2e)."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from stores.tracker_store import ResilientSQLTrackerStore
from tests.servers import REPO, base_env


@pytest.fixture
def tracker_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResilientSQLTrackerStore:
    """The tracker store endpoints.yml configures, on a fresh SQLite file."""
    for name, value in base_env(tmp_path, ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRACKER_STORE_RETRY_SECONDS", "2")
    config = read_endpoint_config(str(REPO / "endpoints.yml"), "tracker_store")
    created = TrackerStore.create(config, Domain.empty())
    assert isinstance(created, ResilientSQLTrackerStore), "endpoints.yml's type must load this class"
    return created


def test_connections_are_checked_before_use(tracker_store: ResilientSQLTrackerStore) -> None:
    assert tracker_store.engine.pool._pre_ping


async def test_saves_and_reads_back(tracker_store: ResilientSQLTrackerStore) -> None:
    tracker = DialogueStateTracker("someone", [])
    tracker.update(UserUttered("hello"))
    await tracker_store.save(tracker)
    stored = await tracker_store.retrieve("someone")
    assert stored is not None and [e.text for e in stored.events] == ["hello"]


async def test_a_failed_read_is_retried(
    tracker_store: ResilientSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = SQLTrackerStore._retrieve

    async def flaky(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> object:
        calls.append(sender_id)
        if len(calls) < 3:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return await original(self, sender_id, fetch_events_from_all_sessions)

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", flaky)
    assert await tracker_store.retrieve("nobody") is None
    assert len(calls) == 3


async def test_gives_up_after_the_retry_window(
    tracker_store: ResilientSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> object:
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", down)
    with pytest.raises(sa.exc.OperationalError):
        await tracker_store.retrieve("nobody")
