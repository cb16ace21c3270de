"""Hostile and broken input at the REST edge of the real Rasa server.

Every request gets a clear 4xx or a friendly reply, never a 500, never an ERROR line or stack
trace in the server log, and the server keeps answering a normal conversation meanwhile.
"""

import json
import uuid
from typing import Union

import pytest
import requests

from channels.guard import APOLOGY, EMPTY_REPLY, TOO_LONG_REPLY
from tests.servers import Conversation, Server

Body = Union[bytes, str]


def webhook(server: Server) -> str:
    return f"{server.url}/webhooks/rest/webhook"


def post_raw(server: Server, body: Body, content_type: str = "application/json") -> requests.Response:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return requests.post(webhook(server), data=data, headers={"Content-Type": content_type}, timeout=30)


def sender() -> str:
    return f"bad-{uuid.uuid4().hex[:8]}"


# Nothing at ERROR level and no traceback in the Rasa server log while this module runs.
pytestmark = pytest.mark.usefixtures("no_errors_logged")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ('{"sender": "x", "message": "hi"', 400, "JSON"),  # cut off
        ("not json at all", 400, "JSON"),
        ("", 400, "JSON"),
        ('["sender", "message"]', 400, "object"),
        ('"hi"', 400, "object"),
        ('{"message": "hi"}', 400, "sender"),
        ('{"sender": "", "message": "hi"}', 400, "sender"),
        ('{"sender": "   ", "message": "hi"}', 400, "sender"),
        ('{"sender": 42, "message": "hi"}', 400, "sender"),
        ('{"sender": null, "message": "hi"}', 400, "sender"),
        (json.dumps({"sender": "x" * 129, "message": "hi"}), 400, "sender"),
        ('{"sender": "a\\u0000b", "message": "hi"}', 400, "sender"),  # NUL: PostgreSQL refuses it
        ('{"sender": "\\ud83d", "message": "hi"}', 400, "sender"),  # lone surrogate
        ('{"sender": "bad-x"}', 400, "message"),
        ('{"sender": "bad-x", "message": 42}', 400, "message"),
        ('{"sender": "bad-x", "message": null}', 400, "message"),
        ('{"sender": "bad-x", "message": ["hi"]}', 400, "message"),
        ('{"sender": "bad-x", "message": {"text": "hi"}}', 400, "message"),
        (b'{"sender": "bad-x", "message": "\xff\xfe back"}', 400, "JSON"),  # invalid UTF-8
    ],
)
def test_malformed_requests_get_a_clear_400(rasa_server: Server, body: Body, status: int, error: str) -> None:
    reply = post_raw(rasa_server, body)
    assert reply.status_code == status
    assert error in reply.json()["error"]


def test_one_megabyte_body_is_refused_with_413(rasa_server: Server) -> None:
    body = json.dumps({"sender": sender(), "message": "a" * 1_000_000})
    try:
        reply = post_raw(rasa_server, body)
    except requests.ConnectionError:
        pytest.fail("the server dropped the connection instead of answering 413")
    assert reply.status_code == 413


def test_body_just_under_the_cap_is_read(rasa_server: Server) -> None:
    """60 KB is under the 64 KB cap: read, then declined as too long a message, politely."""
    reply = post_raw(rasa_server, json.dumps({"sender": sender(), "message": "a " * 30_000}))
    assert reply.status_code == 200
    assert reply.json()[0]["text"] == TOO_LONG_REPLY


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", EMPTY_REPLY),
        ("   \n\t  ", EMPTY_REPLY),
        ("\x00\x01\x1b\x7f", EMPTY_REPLY),  # only control characters
        ("\u200b\u200b", None),  # zero-width spaces: not empty to Python, still gets a reply
        ("a" * 10_000, TOO_LONG_REPLY),
        ("back pain " * 1_000, TOO_LONG_REPLY),
    ],
)
def test_empty_and_oversized_messages_get_a_friendly_reply(
    rasa_server: Server, message: str, expected: Union[str, None]
) -> None:
    reply = requests.post(webhook(rasa_server), json={"sender": sender(), "message": message}, timeout=60)
    assert reply.status_code == 200
    texts = [m["text"] for m in reply.json()]
    assert texts and all(texts)
    if expected is not None:
        assert texts == [expected]
    assert APOLOGY not in texts


@pytest.mark.parametrize(
    "message",
    [
        "hi\x00 there\x07",  # control characters inside
        "hello 👋😀",
        "🙂🙂🙂",
        "héllo, ça va ? 你好 مرحبا",
        "h\u0065\u0301llo",  # combining accent (NFC turns it into é)
        "\u202eolleh",  # right-to-left override
        "x" * 2_000,  # one 2,000-character word, exactly at the limit
        "<script>alert(1)</script>",
        "'; DROP TABLE events; --",
        "{{ slot }} {0} %s ${HOME}",
    ],
)
def test_odd_text_gets_a_real_reply(rasa_server: Server, message: str) -> None:
    reply = requests.post(webhook(rasa_server), json={"sender": sender(), "message": message}, timeout=60)
    assert reply.status_code == 200
    texts = [m.get("text") for m in reply.json()]
    assert texts and all(texts) and APOLOGY not in texts


def test_lone_surrogate_in_message_is_dropped(rasa_server: Server) -> None:
    """JSON may escape half an emoji ("\\ud83d"): text Python holds but cannot encode (spaCy fails on it)."""
    reply = post_raw(rasa_server, '{"sender": "' + sender() + '", "message": "hi \\ud83d there"}')
    assert reply.status_code == 200
    texts = [m.get("text") for m in reply.json()]
    assert texts and all(texts) and APOLOGY not in texts


def test_server_keeps_answering_a_real_conversation(rasa_server: Server) -> None:
    talk = Conversation(rasa_server.url, sender())
    assert "not a doctor" in talk.text("hi there")
    post_raw(rasa_server, "{broken")
    post_raw(rasa_server, json.dumps({"sender": talk.sender, "message": "a" * 10_000}))
    assert "48 hours" in talk.text("hurt my back yesterday, can i put a heating pad on it?")
    post_raw(rasa_server, b'{"sender": "' + talk.sender.encode() + b'", "message": "\xff"}')
    assert "inflam" in talk.text("why?")
