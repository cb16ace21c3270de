"""The socket.io channel against the real servers: origins, quick replies, and hostile input."""

import asyncio
from typing import Any, AsyncIterator, Dict, List

import pytest
import requests
import socketio

from channels.guard import EMPTY_REPLY, TOO_LONG_REPLY
from tests.servers import Server

# Async tests share the session's event loop with the async fixtures (pyproject sets their scope).
session_loop = pytest.mark.asyncio(loop_scope="session")

REPLY_TIMEOUT = 60.0


class Client:
    """One browser tab's worth of socket.io: a session, and the bot messages it receives."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session_id = ""
        self.inbox: asyncio.Queue[Dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        self.sio.on("bot_uttered", self.inbox.put)
        self.sio.on("session_confirm", self.confirmed.put)

    async def connect(self, url: str, origin: str) -> None:
        # Long-polling only: python-engineio's websocket client needs aiohttp >= 3.10, Rasa pins 3.9.
        await self.sio.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
        await self.new_session()

    async def new_session(self) -> None:
        """Start a conversation of its own, as a fresh page would: the server issues the id."""
        while not self.inbox.empty():
            self.inbox.get_nowait()
        self.session_id = await self.request_session({})
        assert self.session_id

    async def request_session(self, data: Any) -> str:
        """Send ``session_request`` with ``data``; the session id the server confirms."""
        await self.sio.emit("session_request", data)
        return str(await asyncio.wait_for(self.confirmed.get(), 10))

    async def close(self) -> None:
        # Abort: a clean disconnect waits up to 25 s for the pending long-poll to return.
        await self.sio.eio.disconnect(abort=True)

    async def say(self, message: Any) -> List[Dict[str, Any]]:
        """Send a message and return this turn's bot messages (those arriving within 1 s of each other)."""
        await self.sio.emit("user_uttered", {"message": message, "session_id": self.session_id})
        return await self.replies()

    async def replies(self) -> List[Dict[str, Any]]:
        messages = [await asyncio.wait_for(self.inbox.get(), REPLY_TIMEOUT)]
        while True:
            try:
                messages.append(await asyncio.wait_for(self.inbox.get(), 1.0))
            except asyncio.TimeoutError:
                return messages


def origin(stack_env: Dict[str, str]) -> str:
    return stack_env["WEB_ORIGINS"].split(",")[0]


@pytest.fixture(scope="session")
async def connection(rasa_server: Server, stack_env: Dict[str, str]) -> AsyncIterator[Client]:
    """One socket for all tests here: connecting and closing cost seconds each."""
    talk = Client()
    await talk.connect(rasa_server.url, origin(stack_env))
    yield talk
    await talk.close()


# Nothing at ERROR level and no traceback in the Rasa server log while this module runs.
pytestmark = pytest.mark.usefixtures("no_errors_logged")


@pytest.fixture
async def client(connection: Client) -> Client:
    """The shared socket, in a new conversation."""
    await connection.new_session()
    return connection


def handshake(url: str, origin: str) -> requests.Response:
    return requests.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                        headers={"Origin": origin}, timeout=10)


def test_handshake_from_the_page_origin_is_accepted(rasa_server: Server, stack_env: Dict[str, str]) -> None:
    reply = handshake(rasa_server.url, origin(stack_env))
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == origin(stack_env)


@pytest.mark.parametrize("foreign", ["http://evil.example", "http://127.0.0.1:1", "null"])
def test_handshake_from_another_origin_is_refused(rasa_server: Server, foreign: str) -> None:
    reply = handshake(rasa_server.url, foreign)
    assert reply.status_code == 400
    assert "Access-Control-Allow-Origin" not in reply.headers


@session_loop
async def test_client_from_another_origin_cannot_connect(rasa_server: Server) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client().connect(rasa_server.url, "http://evil.example")


@session_loop
async def test_answer_comes_with_quick_replies(client: Client) -> None:
    replies = await client.say("hurt my back yesterday, can i use a heating pad?")
    assert "48 hours" in " ".join(m["text"] for m in replies)
    titles = [button["title"] for button in replies[-1]["quick_replies"]]
    assert titles[0] == "Why?" and titles[-1] == "Source"
    assert all(button["payload"].startswith("/") for button in replies[-1]["quick_replies"])


@session_loop
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (None, EMPTY_REPLY),
        (42, EMPTY_REPLY),
        (["hi"], EMPTY_REPLY),
        ({"text": "hi"}, EMPTY_REPLY),
        ("", EMPTY_REPLY),
        ("   \x00\x07\x1b  ", EMPTY_REPLY),
        ("x" * 10_000, TOO_LONG_REPLY),
    ],
    ids=["null", "number", "list", "object", "empty", "only-control-chars", "10000-chars"],
)
async def test_unreadable_message_gets_a_friendly_reply(client: Client, message: Any, expected: str) -> None:
    assert [m["text"] for m in await client.say(message)] == [expected]


@session_loop
@pytest.mark.parametrize(
    "message",
    ["how do i use a foam\x00 roller\x1b[31m", "👋 hi 😀", "ｈｅａｔ or ice? 🔥🧊", "\u202eevil\u202c",
     "half an emoji \ud83d please"],
    ids=["control-chars", "emoji", "fullwidth-emoji", "bidi-override", "lone-surrogate"],
)
async def test_odd_but_readable_text_gets_an_answer(client: Client, message: str) -> None:
    replies = await client.say(message)
    assert replies and all(isinstance(m["text"], str) and m["text"] for m in replies)


@session_loop
async def test_message_for_a_session_the_socket_did_not_request_is_ignored(
    client: Client, rasa_server: Server, stack_env: Dict[str, str]
) -> None:
    intruder = Client()
    await intruder.connect(rasa_server.url, origin(stack_env))
    try:
        # The intruder knows the client's session id but never asked for that session.
        await intruder.sio.emit("user_uttered", {"message": "hi", "session_id": client.session_id})
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.inbox.get(), 5)
        assert [m["text"] for m in await client.say("")] == [EMPTY_REPLY]
    finally:
        await intruder.close()


@session_loop
async def test_malformed_payloads_are_ignored_and_the_server_keeps_going(
    client: Client, rasa_server: Server
) -> None:
    for payload in ["hello", 42, None, ["a", "b"], {"message": "hi"}, {"message": "hi", "session_id": 7},
                    {"message": "hi", "session_id": "x" * 500}, {"message": "hi", "session_id": "a\x00b"}]:
        await client.sio.emit("user_uttered", payload)
    await client.sio.emit("user_uttered")
    await client.sio.emit("session_request")
    await client.sio.emit("user_uttered", {"message": "hi", "session_id": client.session_id,
                                           "metadata": "{not json"})
    await client.sio.emit("session_request", 12345)
    await client.sio.emit("session_request", {"session_id": {"nested": True}})
    # New sessions for unusable ids, not errors.
    for _ in range(3):
        assert isinstance(await asyncio.wait_for(client.confirmed.get(), 10), str)

    # None of the ignored payloads produced a reply: the first one is for the well-formed "hi".
    replies = await client.replies()
    assert replies and all(m["text"] for m in replies)
    assert requests.get(f"{rasa_server.url}/webhooks/socketio/", timeout=10).json() == {"status": "ok"}
    assert [m["text"] for m in await client.say("")] == [EMPTY_REPLY]
