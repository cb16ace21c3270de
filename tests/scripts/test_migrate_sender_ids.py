"""The migration of un-namespaced conversation ids, on a store written by Rasa's own SQL tracker store."""

import json
import sqlite3
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts.migrate_sender_ids import main, migrate, plan

# (conversation id as stored before, channel of each user message)
LEGACY: Dict[str, Sequence[Optional[str]]] = {
    "777721792": ["telegram", "telegram"],
    "cli": ["rest"],
    "9f3c": ["socketio"],
    "shell-1": ["cmdline"],
    # A REST caller who named itself like a Telegram conversation keeps a REST conversation.
    "telegram:555": ["rest"],
    # Someone already reached another's conversation: neither may see it again.
    "123456": ["telegram", "rest"],
    "odd": [None],
    # Written by a namespacing server before the migration ran.
    "telegram:42": ["telegram"],
    "42": ["telegram"],
}


def store_at(path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))


async def write(path: Path, conversations: Dict[str, Sequence[Optional[str]]]) -> None:
    store = store_at(path)
    for sender, channels in conversations.items():
        events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for n, channel in enumerate(channels):
            events += [UserUttered(f"{sender} says {n}", input_channel=channel), BotUttered(f"answer {n}")]
        await store.save(DialogueStateTracker.from_events(sender, events))
    await store.save(DialogueStateTracker.from_events("no-messages", [ActionExecuted("action_listen")]))


def stored(path: Path) -> Dict[str, Set[Tuple[str, Optional[str]]]]:
    """Each conversation's user messages with their channel, as the database holds them."""
    found: Dict[str, Set[Tuple[str, Optional[str]]]] = {}
    with sqlite3.connect(path) as connection:
        for sender, data in connection.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'"):
            event = json.loads(data)
            found.setdefault(sender, set()).add((event["text"], event.get("input_channel")))
    return found


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "trackers.db"
    await write(path, LEGACY)
    return path


async def test_each_conversation_moves_to_its_channel_s_namespace(database: Path) -> None:
    before = stored(database)
    result = migrate(f"sqlite:///{database}")
    after = stored(database)

    assert set(after) == {
        "telegram:777721792", "rest:cli", "web:9f3c", "rest:shell-1", "rest:telegram:555",
        "quarantined:123456", "quarantined:odd", "telegram:42", "quarantined:42",
    }
    assert after["telegram:777721792"] == before["777721792"]
    assert after["rest:telegram:555"] == before["telegram:555"]
    assert after["telegram:42"] == before["telegram:42"]
    assert set(result.quarantined) == {"123456", "odd", "42"}
    assert "telegram:42 already exists" in result.quarantined["42"]
    # Rasa reads the moved conversation whole under its new id, and nothing under the old one.
    store = store_at(database)
    tracker = await store.retrieve_full_tracker("telegram:777721792")
    assert tracker is not None
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["777721792 says 0", "777721792 says 1"]
    assert await store.retrieve("777721792") is None
    assert await store.retrieve("no-messages") is not None


async def test_after_the_migration_no_channel_namespace_holds_two_channels(database: Path) -> None:
    migrate(f"sqlite:///{database}")
    namespaces = {"telegram": {"telegram"}, "web": {"socketio"}, "rest": {"rest", "cmdline"}}
    after = stored(database)
    # Every namespace holds conversations, so the loop below checks each of them.
    assert {sender.split(":", 1)[0] for sender in after} >= set(namespaces)
    for sender, messages in after.items():
        prefix = sender.split(":", 1)[0]
        assert prefix in {*namespaces, "quarantined"}, sender
        if prefix in namespaces:
            assert {channel for _, channel in messages} <= namespaces[prefix], sender


async def test_a_second_run_changes_nothing(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", f"sqlite:///{database}"]) == 0
    assert "Moved 5 conversations to channel-namespaced ids; 3 quarantined." in capsys.readouterr().out
    once = stored(database)
    assert main(["--url", f"sqlite:///{database}"]) == 0
    assert capsys.readouterr().out == ""
    assert stored(database) == once


async def test_a_dry_run_writes_nothing(database: Path) -> None:
    before = stored(database)
    assert migrate(f"sqlite:///{database}", dry_run=True).renames["777721792"] == "telegram:777721792"
    assert stored(database) == before


def test_no_store_yet_is_left_alone(tmp_path: Path) -> None:
    assert migrate(f"sqlite:///{tmp_path / 'trackers.db'}").renames == {}
    assert list(tmp_path.iterdir()) == []


def test_a_rename_onto_an_id_that_moves_away_in_the_same_run_is_not_a_collision() -> None:
    # "42" (Telegram) takes "telegram:42", which a REST caller held and which moves to rest:.
    result = plan({"42": {"telegram"}, "telegram:42": {"rest"}}, ["42", "telegram:42"])
    assert result.renames == {"42": "telegram:42", "telegram:42": "rest:telegram:42"}
    assert result.quarantined == {}


@pytest.mark.parametrize(
    ("channels", "expected"),
    [(["telegram"], "telegram:7"), (["socketio", "socketio"], "web:7"), (["cmdline", "rest"], "rest:7"),
     (["telegram", "socketio"], "quarantined:7"), ([None], "quarantined:7"), (["sms"], "quarantined:7")],
)
def test_where_one_conversation_goes(channels: List[Optional[str]], expected: str) -> None:
    assert plan({"7": set(channels)}, ["7"]).renames == {"7": expected}
