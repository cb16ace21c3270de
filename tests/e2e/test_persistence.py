"""The embedded default (SQLite tracker store): a conversation outlives a restart of both servers."""

import json
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from tests.servers import Conversation, Server, base_env, free_port, start_actions, start_rasa

# Starts its own action server and Rasa server twice (before and after the restart).
pytestmark = pytest.mark.slow

HEAT_QUESTION = "i hurt my back yesterday, can i put a heating pad on it?"


def stored_user_messages(database: Path, sender: str) -> List[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (f"rest:{sender}",)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def start_both(folder: Path, env: Dict[str, str], credentials: Path, action_port: int) -> Tuple[Server, Server]:
    """Start the action server and the Rasa server side by side (Rasa does not need actions to start)."""
    with ThreadPoolExecutor(2) as pool:
        starting = [pool.submit(start_actions, folder, env, port=action_port),
                    pool.submit(start_rasa, folder, env, credentials)]
    failed = [error for f in starting if (error := f.exception()) is not None]
    if failed:
        for future in starting:
            if future.exception() is None:
                future.result().stop()
        raise failed[0]
    return starting[0].result(), starting[1].result()


def test_conversation_continues_after_both_servers_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("persistence")
    action_port = free_port()
    env = base_env(folder, ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook")
    credentials = folder / "credentials.yml"
    credentials.write_text(yaml.safe_dump({"channels.rest.GuardedRestInput": None}))
    sender = f"persist-{uuid.uuid4().hex[:8]}"

    actions, rasa = start_both(folder, env, credentials, action_port)
    try:
        talk = Conversation(rasa.url, sender)
        assert "not a doctor" in talk.text("hi")
        assert "48 hours" in talk.text(HEAT_QUESTION)
    finally:
        rasa.stop()
        actions.stop()

    actions, rasa = start_both(folder, env, credentials, action_port)
    try:
        # "why?" only makes sense with the earlier answer, which only the database remembers.
        assert "inflam" in Conversation(rasa.url, sender).text("why?")
    finally:
        rasa.stop()
        actions.stop()

    assert stored_user_messages(folder / "trackers.db", sender) == ["hi", HEAT_QUESTION, "why?"]
