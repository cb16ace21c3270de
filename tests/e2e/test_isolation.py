"""No one reaches another person's conversation: the same raw id on two channels names two conversations.

Against the session's real stack (REST, socket.io and Telegram on one Rasa server, one SQLite
tracker store). "why?" only gets the heat rule's reason ("inflam…") in the conversation that was
just told the 48-hour rule, so it shows whose conversation a message landed in.
"""

import asyncio
import itertools
import json
import sqlite3
import time
from pathlib import Path
from typing import AsyncIterator, Dict, List, Set, Tuple

import pytest

from tests.e2e.telegram_standin import BotApiStandin
from tests.e2e.test_socketio import Client, origin
from tests.e2e.test_telegram import new_chat, sent_texts, started_chat, text_update, turn
from tests.servers import Conversation, Server

session_loop = pytest.mark.asyncio(loop_scope="session")
pytestmark = pytest.mark.usefixtures("no_errors_logged")

HEAT_QUESTION = "hurt my back 2 hours ago, can i use a heat pack?"
NO_CONTEXT = "i haven't given you any advice yet"
CHANNELS = ("telegram", "rest", "web")
# The input channel Rasa stores with a user message, for each conversation namespace.
NAMESPACE_CHANNELS = {"telegram": "telegram", "rest": "rest", "web": "socketio"}


def stored_user_messages(database: Path) -> Dict[str, List[Tuple[str, str]]]:
    """``(input channel, text)`` of every user message in the tracker store, per conversation id."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id").fetchall()
    found: Dict[str, List[Tuple[str, str]]] = {}
    for sender, data in rows:
        event = json.loads(data)
        found.setdefault(sender, []).append((str(event.get("input_channel")), str(event.get("text"))))
    return found


def wait_for_stored(database: Path, conversations: Set[str], timeout: float = 20) -> Dict[str, List[Tuple[str, str]]]:
    """The store once it holds every conversation in ``conversations`` (socket.io saves after replying)."""
    deadline = time.monotonic() + timeout
    while True:
        found = stored_user_messages(database)
        if conversations <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def assert_no_conversation_mixes_channels(database: Path) -> None:
    for conversation, messages in stored_user_messages(database).items():
        namespace = conversation.split(":", 1)[0]
        assert namespace in NAMESPACE_CHANNELS, f"un-namespaced conversation {conversation!r}"
        assert {channel for channel, _ in messages} == {NAMESPACE_CHANNELS[namespace]}, (conversation, messages)


@pytest.fixture
async def web(rasa_server: Server, stack_env: Dict[str, str]) -> AsyncIterator[Client]:
    """A socket of its own, in a fresh conversation."""
    client = Client()
    await client.connect(rasa_server.url, origin(stack_env))
    yield client
    await client.close()


async def nothing_arrives(client: Client, seconds: float = 3) -> bool:
    try:
        await asyncio.wait_for(client.inbox.get(), seconds)
    except asyncio.TimeoutError:
        return True
    return False


def test_a_telegram_chat_is_not_reachable_over_rest_with_its_chat_id(
    rasa_server: Server, telegram_api: BotApiStandin, stack_dir: Path
) -> None:
    chat = started_chat(rasa_server, telegram_api)
    [answer] = sent_texts(turn(rasa_server, telegram_api, text_update(chat, HEAT_QUESTION)), chat)
    assert "48 hours" in answer

    mark = telegram_api.mark()
    for sender in (str(chat), f"telegram:{chat}", f" {chat}"):
        reply = Conversation(rasa_server.url, sender).say("why?")
        texts = " ".join(m["text"] for m in reply).lower()
        assert "inflam" not in texts and NO_CONTEXT in texts, sender
        assert {m["recipient_id"] for m in reply} == {sender}
    assert telegram_api.calls_since(mark) == [], "a REST turn reached the Telegram chat"

    # The chat's own conversation is untouched: it still knows what it was told.
    [why] = sent_texts(turn(rasa_server, telegram_api, text_update(chat, "why?")), chat)
    assert "inflam" in why.lower()
    stored = stored_user_messages(stack_dir / "trackers.db")
    assert [channel for channel, _ in stored[f"telegram:{chat}"]] == ["telegram"] * 3
    assert stored[f"rest:{chat}"] == [("rest", "why?")]
    assert stored[f"rest:telegram:{chat}"] == [("rest", "why?")]
    assert str(chat) not in stored


@session_loop
async def test_a_telegram_chat_is_not_reachable_over_socketio_with_its_chat_id(
    rasa_server: Server, telegram_api: BotApiStandin, web: Client, stack_dir: Path
) -> None:
    chat = started_chat(rasa_server, telegram_api)
    turn(rasa_server, telegram_api, text_update(chat, HEAT_QUESTION))

    mark = telegram_api.mark()
    for sent in (str(chat), f"telegram:{chat}", chat):
        web.session_id = await web.request_session({"session_id": sent})
        assert web.session_id != sent and f"{chat}" not in web.session_id
        texts = " ".join(m["text"] for m in await web.say("why?")).lower()
        assert "inflam" not in texts and NO_CONTEXT in texts
    # A message naming the chat id without a session_request for it is dropped.
    await web.sio.emit("user_uttered", {"message": "why?", "session_id": str(chat)})
    assert await nothing_arrives(web)
    assert telegram_api.calls_since(mark) == []
    stored = stored_user_messages(stack_dir / "trackers.db")
    assert {channel for channel, _ in stored[f"telegram:{chat}"]} == {"telegram"}


def forgeries(token: str) -> List[str]:
    """What an intruder who saw (or guessed) a session id might send instead of the signed id."""
    session, signature = token.split(".")
    flipped = ("0" if signature[-1] != "0" else "1")
    return [
        session,  # the id without its signature
        f"web:{session}",  # the conversation id
        f"{session}.{signature[:-1]}{flipped}",  # a tampered signature
        f"{session}.{'0' * 64}",
        f"{session[:-1]}{'0' if session[-1] != '0' else '1'}.{signature}",  # someone else's id, this signature
        token.upper(),
    ]


@session_loop
async def test_another_client_s_session_id_without_its_signature_reaches_nothing(
    rasa_server: Server, stack_env: Dict[str, str], web: Client, stack_dir: Path
) -> None:
    victim = web
    await victim.new_session()
    assert "48 hours" in " ".join(m["text"] for m in await victim.say(HEAT_QUESTION))

    intruder = Client()
    await intruder.connect(rasa_server.url, origin(stack_env))
    try:
        for forged in forgeries(victim.session_id):
            issued = await intruder.request_session({"session_id": forged})
            assert issued not in (forged, victim.session_id)
            intruder.session_id = issued
            # Its own fresh conversation: nothing of the victim's history.
            texts = " ".join(m["text"] for m in await intruder.say("why?")).lower()
            assert "inflam" not in texts and NO_CONTEXT in texts
            # Writing with a forged id is dropped, and the victim's replies never reach the intruder.
            await intruder.sio.emit("user_uttered", {"message": "why?", "session_id": forged})
            assert await nothing_arrives(intruder, 2)
        assert "inflam" in " ".join(m["text"] for m in await victim.say("why?")).lower()
        assert await nothing_arrives(intruder, 2)
    finally:
        await intruder.close()

    victim_conversation = f"web:{victim.session_id.split('.')[0]}"
    stored = wait_for_stored(stack_dir / "trackers.db", {victim_conversation})
    assert [text for _, text in stored[victim_conversation]] == [HEAT_QUESTION, "why?"]


@session_loop
async def test_the_same_raw_id_on_every_pair_of_channels_names_separate_conversations(
    rasa_server: Server, telegram_api: BotApiStandin, web: Client, stack_dir: Path
) -> None:
    async def talk(channel: str, raw: str, text: str) -> None:
        if channel == "telegram":
            turn(rasa_server, telegram_api, text_update(int(raw), text))
        elif channel == "rest":
            # The raw id, and the raw id dressed as the other channels' conversation ids.
            for sender in (raw, f"telegram:{raw}", f"web:{raw}"):
                Conversation(rasa_server.url, sender).say(text)
        else:
            for sent in (raw, f"telegram:{raw}", f"rest:{raw}"):
                web.session_id = await web.request_session({"session_id": sent})
                await web.say(text)

    expected: Set[str] = set()
    for first, second in itertools.permutations(CHANNELS, 2):
        raw = str(new_chat())
        await talk(first, raw, f"{first} then {second}: hi")
        await talk(second, raw, f"{first} then {second}: how do i use a foam roller")
        expected |= {f"{channel}:{raw}" for channel in (first, second) if channel != "web"}
        expected |= {f"rest:telegram:{raw}", f"rest:web:{raw}"} if "rest" in (first, second) else set()

    stored = wait_for_stored(stack_dir / "trackers.db", expected)
    # Every conversation the session's tests wrote, not only these: none holds two channels' messages.
    assert_no_conversation_mixes_channels(stack_dir / "trackers.db")
    assert expected <= set(stored)
