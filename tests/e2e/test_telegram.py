"""Telegram end to end: real-shaped updates to the real servers, Bot API calls read from the stand-in."""

import itertools
import random
import time
from typing import Any, Dict, List, Optional

import pytest
import requests
import yaml

from channels.guard import APOLOGY
from channels.telegram import NOT_TEXT_REPLY, SECRET_HEADER
from channels.telegram_output import GuardedTelegramOutput
from tests.e2e.telegram_standin import BOT_USER, SECRET, TOKEN, WEBHOOK_URL, BotApiStandin, Call
from tests.servers import REPO, Server

_update_ids = itertools.count(random.randint(10_000_000, 90_000_000))


def new_chat() -> int:
    return random.randint(100_000_000, 999_999_999)


def person(chat: int) -> Dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": "Sam", "language_code": "en"}


def text_update(chat: int, text: str, kind: str = "message", **fields: Any) -> Dict[str, Any]:
    message: Dict[str, Any] = {
        "message_id": random.randint(1, 10_000),
        "from": person(chat),
        "chat": {"id": chat, "first_name": "Sam", "type": "private"},
        "date": int(time.time()),
        **fields,
    }
    if text:
        message["text"] = text
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(_update_ids), kind: message}


def tap(chat: int, sent: Call, title: str) -> Dict[str, Any]:
    """The update Telegram sends when the person taps button ``title`` under message ``sent``."""
    keyboard = sent.json("reply_markup")["inline_keyboard"]
    data = next(b["callback_data"] for row in keyboard for b in row if b["text"] == title)
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(random.randint(10**17, 10**18)),
            "from": person(chat),
            "message": {
                "message_id": 1001,
                "from": BOT_USER,
                "chat": {"id": chat, "first_name": "Sam", "type": "private"},
                "date": int(time.time()),
                "text": sent.params["text"],
                "reply_markup": {"inline_keyboard": keyboard},
            },
            "chat_instance": "-5734712375123",
            "data": data,
        },
    }


def post(server: Server, update: Dict[str, Any], secret: Optional[str] = SECRET) -> requests.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{server.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120)


def turn(server: Server, api: BotApiStandin, update: Dict[str, Any]) -> List[Call]:
    """Post an update as Telegram would and return the Bot API calls the bot made for it."""
    mark = api.mark()
    reply = post(server, update)
    assert reply.status_code == 200, reply.text
    # Rasa answers the webhook after the turn, so every call of the turn is already recorded.
    return api.calls_since(mark)


def sent_texts(calls: List[Call], chat: int) -> List[str]:
    assert all(c.method == "sendMessage" for c in calls), [c.method for c in calls]
    assert all(c.params["chat_id"] == str(chat) for c in calls)
    return [c.params["text"] for c in calls]


def buttons(call: Call) -> List[str]:
    return [b["text"] for row in call.json("reply_markup")["inline_keyboard"] for b in row]


def started_chat(server: Server, api: BotApiStandin) -> int:
    """A chat that has said /start, so its later turns carry no session-start messages."""
    chat = new_chat()
    turn(server, api, text_update(chat, "/start"))
    return chat


def test_start_registers_the_webhook_with_the_secret(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    start = [c for c in telegram_api.calls if c.method in ("getMe", "setWebhook")]
    assert [c.method for c in start] == ["getMe", "setWebhook"]
    assert start[1].params["url"] == WEBHOOK_URL
    assert start[1].params["secret_token"] == SECRET
    assert start[1].json("allowed_updates") == ["message", "edited_message", "callback_query"]


def test_start_command_greets_with_the_disclaimer(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    chat = new_chat()
    calls = turn(rasa_server, telegram_api, text_update(chat, "/start"))
    texts = sent_texts(calls, chat)
    assert any("not a doctor" in t for t in texts)
    assert texts[-1] == "Hello! What would you like to know about your lower back?"
    assert buttons(calls[-1]) == ["Heat or ice?", "Self-massage", "Equipment", "Exercise"]


def test_help_command_lists_the_topics(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    chat = started_chat(rasa_server, telegram_api)
    calls = turn(rasa_server, telegram_api, text_update(chat, "/help"))
    [capabilities] = yaml.safe_load((REPO / "domain.yml").read_text())["responses"]["utter_capabilities"]
    assert sent_texts(calls, chat) == [capabilities["text"]]
    assert "sciatica" in capabilities["text"] and "pregnancy" in capabilities["text"]
    assert buttons(calls[0]) == [b["title"] for b in capabilities["buttons"]]


def test_heat_question_gets_the_48_hour_advice_in_the_same_chat(
    rasa_server: Server, telegram_api: BotApiStandin
) -> None:
    chat = started_chat(rasa_server, telegram_api)
    calls = turn(rasa_server, telegram_api, text_update(chat, "hurt my back 2 hours ago, can i use a heat pack?"))
    [answer] = sent_texts(calls, chat)
    assert "48 hours" in answer and "heat" in answer.lower()
    assert buttons(calls[0])[0] == "Why?"


def test_a_button_tap_is_acknowledged_and_handled_as_its_payload(
    rasa_server: Server, telegram_api: BotApiStandin
) -> None:
    chat = new_chat()
    greeting = turn(rasa_server, telegram_api, text_update(chat, "/start"))[-1]

    update = tap(chat, greeting, "Heat or ice?")
    calls = turn(rasa_server, telegram_api, update)
    assert calls[0].method == "answerCallbackQuery"
    assert calls[0].params == {"callback_query_id": update["callback_query"]["id"]}
    # The general rule at once, then the question that decides which half of it applies.
    texts = sent_texts(calls[1:], chat)
    assert texts[0].startswith("It depends on when the pain started.")
    assert texts[-1].endswith("When did this pain start? For example: this morning, yesterday, or 3 days ago.")

    update = tap(chat, calls[-1], "Today")
    calls = turn(rasa_server, telegram_api, update)
    assert calls[0].method == "answerCallbackQuery"
    [answer] = sent_texts(calls[1:], chat)
    assert "48 hours" in answer


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgAD", "width": 512, "height": 512,
                     "is_animated": False, "emoji": "\N{THUMBS UP SIGN}", "set_name": "HotCherry"}},
        {"photo": [{"file_id": "AgACAgQAAxkBAAM", "file_unique_id": "AQAD", "width": 90, "height": 67}],
         "caption": "is my posture ok?"},
        {"voice": {"file_id": "AwACAgQAAxkBAAM", "file_unique_id": "AgAD", "duration": 4,
                   "mime_type": "audio/ogg"}},
    ],
    ids=["sticker", "photo", "voice"],
)
def test_non_text_gets_only_read_text(
    rasa_server: Server, telegram_api: BotApiStandin, content: Dict[str, Any]
) -> None:
    chat = new_chat()
    calls = turn(rasa_server, telegram_api, text_update(chat, "", **content))
    assert sent_texts(calls, chat) == [NOT_TEXT_REPLY]
    assert "only read text" in NOT_TEXT_REPLY


def test_a_redelivered_update_is_processed_once(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    chat = started_chat(rasa_server, telegram_api)
    update = text_update(chat, "how do i use a foam roller?")
    first = turn(rasa_server, telegram_api, update)
    assert len(sent_texts(first, chat)) == 1
    assert turn(rasa_server, telegram_api, update) == []


def test_an_edited_message_is_answered_once(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    chat = started_chat(rasa_server, telegram_api)
    update = text_update(chat, "how do i use a foam roller?", kind="edited_message", edit_date=int(time.time()))
    [answer] = sent_texts(turn(rasa_server, telegram_api, update), chat)
    assert "roller" in answer.lower()
    assert turn(rasa_server, telegram_api, update) == []


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("", 401), ("wrong-secret-0123456789", 403), (SECRET.upper(), 403), (SECRET + "0", 403)],
)
def test_an_update_without_the_right_secret_is_rejected(
    rasa_server: Server, telegram_api: BotApiStandin, secret: Optional[str], status: int
) -> None:
    chat = new_chat()
    mark = telegram_api.mark()
    reply = post(rasa_server, text_update(chat, "hi"), secret=secret)
    assert reply.status_code == status
    time.sleep(0.5)  # a wrongly accepted update would have been answered by now
    assert telegram_api.calls_since(mark) == []


def test_there_is_no_open_set_webhook_route(rasa_server: Server) -> None:
    assert requests.get(f"{rasa_server.url}/webhooks/telegram/set_webhook", timeout=10).status_code == 404
    assert requests.post(f"{rasa_server.url}/webhooks/telegram/set_webhook", timeout=10).status_code == 404
    assert requests.get(f"{rasa_server.url}/webhooks/telegram/webhook", timeout=10).status_code == 405


def test_a_failure_inside_the_turn_gets_an_apology_and_a_200(
    rasa_server: Server, telegram_api: BotApiStandin
) -> None:
    chat = started_chat(rasa_server, telegram_api)
    telegram_api.fail_next("sendMessage")  # Telegram refuses the bot's answer mid-turn
    calls = turn(rasa_server, telegram_api, text_update(chat, "how do i use a foam roller?"))
    texts = sent_texts(calls, chat)
    assert len(texts) == 2 and texts[-1] == APOLOGY


async def test_a_6000_character_reply_is_sent_in_chunks_telegram_accepts(telegram_api: BotApiStandin) -> None:
    # Built inside the running test loop, where Rasa's own output channel would fail.
    output = GuardedTelegramOutput(TOKEN, telegram_api.url)
    chat = new_chat()
    paragraphs = [f"Paragraph {n}. " + "Keep moving gently and change position often. " * 12 for n in range(11)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert 6000 <= len(text) <= 6600
    mark = telegram_api.mark()
    try:
        await output.send_text_with_buttons(chat, text, [{"title": "Why?", "payload": "/ask_why"}])
    finally:
        await output.close_session()
    calls = telegram_api.calls_since(mark)
    texts = sent_texts(calls, chat)
    assert len(texts) == 2
    assert all(len(t) <= 4096 for t in texts)
    assert "\n\n".join(texts) == text
    assert "reply_markup" not in calls[0].params and buttons(calls[1]) == ["Why?"]


def test_get_me_is_called_once_however_many_updates(rasa_server: Server, telegram_api: BotApiStandin) -> None:
    chat = new_chat()
    for text in ("/start", "hi", "thanks"):
        turn(rasa_server, telegram_api, text_update(chat, text))
    assert [c.method for c in telegram_api.calls].count("getMe") == 1
