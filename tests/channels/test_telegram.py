"""The Telegram connector's parts: splitting, the secret check, settings, reading updates, turns."""

from typing import Any, Dict, Iterator, List, Optional

import pytest
import pytest_asyncio
from rasa.shared.exceptions import RasaException

from channels.guard import APOLOGY, EMPTY_REPLY
from channels.telegram import (
    MAX_CALLBACK_DATA_BYTES,
    NOT_TEXT_REPLY,
    GuardedTelegramInput,
    GuardedTelegramOutput,
    Incoming,
    chat_of,
    read_update,
    secret_matches,
    split_message,
    telegram_length,
)
from channels.telegram_settings import ConfigError, TelegramSettings
from tests.e2e.telegram_standin import SECRET, TOKEN, WEBHOOK_URL, BotApiStandin

CHAT = 4242


# --- splitting -------------------------------------------------------------------------------


def paragraph(n: int, words: int = 60) -> str:
    return " ".join(f"p{n}w{i}" for i in range(words)) + "."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short answer.", ["Short answer."]),
        ("  padded  \n", ["padded"]),
        ("", []),
        (" \n\n ", []),
        ("x" * 4096, ["x" * 4096]),
    ],
)
def test_texts_that_fit_are_sent_as_they_are(text: str, expected: List[str]) -> None:
    assert split_message(text) == expected


def test_a_6000_character_answer_splits_at_a_paragraph_break() -> None:
    paragraphs = [paragraph(n) for n in range(20)]
    text = "\n\n".join(paragraphs)
    assert 6000 < len(text) < 8192

    chunks = split_message(text)

    assert len(chunks) == 2
    assert all(telegram_length(c) <= 4096 for c in chunks)
    # Whole paragraphs in each message, none lost or cut.
    assert "\n\n".join(chunks) == text
    assert all(c.endswith(".") for c in chunks)


def test_without_paragraphs_it_splits_after_a_sentence() -> None:
    sentences = [f"Sentence number {i} says something useful about backs." for i in range(120)]
    text = " ".join(sentences)

    chunks = split_message(text, limit=1000)

    assert all(len(c) <= 1000 and c.endswith("backs.") for c in chunks)
    assert " ".join(chunks) == text


def test_a_paragraph_break_early_in_the_chunk_does_not_make_a_short_message() -> None:
    text = "Intro.\n\n" + " ".join(f"Point {i} is here." for i in range(200))

    chunks = split_message(text, limit=500)

    assert len(chunks[0]) > 250
    assert all(len(c) <= 500 for c in chunks)


def test_text_without_any_break_is_cut_at_the_limit() -> None:
    assert split_message("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]


def test_length_is_counted_as_telegram_does_in_utf16_units() -> None:
    text = "\N{SMILING FACE WITH SMILING EYES}" * 3000  # 6000 UTF-16 units, 3000 characters
    chunks = split_message(text)
    assert [telegram_length(c) for c in chunks] == [4096, 6000 - 4096]
    assert "".join(chunks) == text


# --- secret ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "ok"),
    [
        (SECRET, True),
        (None, False),
        ("", False),
        (SECRET + "x", False),
        (SECRET[:-1], False),
        (SECRET.upper(), False),
        ("ünïcödé", False),
    ],
)
def test_only_the_exact_secret_matches(received: Optional[str], ok: bool) -> None:
    assert secret_matches(SECRET, received) is ok


# --- settings --------------------------------------------------------------------------------

GOOD_ENV = {
    "TELEGRAM_TOKEN": TOKEN,
    "TELEGRAM_SECRET_TOKEN": SECRET,
    "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
}


def test_settings_come_from_the_environment_with_defaults() -> None:
    settings = TelegramSettings.load({**GOOD_ENV, "TELEGRAM_BOT_NAME": "@backcare_bot"})
    assert settings == TelegramSettings(
        token=TOKEN, secret_token=SECRET, webhook_url=WEBHOOK_URL, bot_name="backcare_bot",
        api_url="https://api.telegram.org",
    )


def test_a_credentials_block_overrides_the_environment() -> None:
    settings = TelegramSettings.load(GOOD_ENV, {"api_url": "http://127.0.0.1:8081/", "verify": "other_bot"})
    assert (settings.api_url, settings.bot_name) == ("http://127.0.0.1:8081", "other_bot")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"TELEGRAM_SECRET_TOKEN": ""}, "TELEGRAM_SECRET_TOKEN is not"),
        ({"TELEGRAM_SECRET_TOKEN": "short"}, "16-256 characters"),
        ({"TELEGRAM_SECRET_TOKEN": "has spaces in it, sixteen+"}, "16-256 characters"),
        ({"TELEGRAM_TOKEN": ""}, "TELEGRAM_TOKEN is not set"),
        ({"TELEGRAM_TOKEN": "not-a-token"}, "BotFather token"),
        ({"TELEGRAM_WEBHOOK_URL": ""}, "https://"),
        ({"TELEGRAM_WEBHOOK_URL": "http://example.org/webhooks/telegram/webhook"}, "https://"),
        ({"TELEGRAM_BOT_NAME": "a b"}, "username"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "http(s) URL"),
    ],
)
def test_incomplete_settings_are_refused_with_the_reason(change: Dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint.replace("(", r"\(").replace(")", r"\)")) as error:
        TelegramSettings.load({**GOOD_ENV, **change})
    assert SECRET not in str(error.value) and TOKEN not in str(error.value)


def test_settings_never_show_the_token_or_the_secret() -> None:
    shown = repr(TelegramSettings.load(GOOD_ENV))
    assert TOKEN not in shown and SECRET not in shown


# --- reading updates -------------------------------------------------------------------------


def message(**fields: Any) -> Dict[str, Any]:
    return {
        "message_id": 7,
        "from": {"id": CHAT, "is_bot": False, "first_name": "Sam"},
        "chat": {"id": CHAT, "type": "private", "first_name": "Sam"},
        "date": 1700000000,
        **fields,
    }


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"message": message(text="heat or ice?")}, Incoming(str(CHAT), "heat or ice?")),
        ({"edited_message": message(text="heat or ice??", edit_date=1700000100)},
         Incoming(str(CHAT), "heat or ice??")),
        ({"message": message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])},
         Incoming(str(CHAT), "/greet")),
        ({"message": message(text="/start@backcare_bot")}, Incoming(str(CHAT), "/greet")),
        ({"message": message(text="/help")}, Incoming(str(CHAT), "/ask_capabilities")),
        # Typed intents are read as words, not run: only the bot's own buttons carry intents.
        ({"message": message(text='/inform_onset{"onset": "today"}')},
         Incoming(str(CHAT), 'inform_onset{"onset": "today"}')),
        ({"message": message(sticker={"file_id": "s", "emoji": "👍"})}, Incoming(str(CHAT), None)),
        ({"message": message(photo=[{"file_id": "p", "width": 90, "height": 90}], caption="my back")},
         Incoming(str(CHAT), None)),
        ({"message": message(voice={"file_id": "v", "duration": 3})}, Incoming(str(CHAT), None)),
        ({"message": message(new_chat_members=[{"id": 1, "is_bot": False, "first_name": "A"}])}, None),
        ({"my_chat_member": {"chat": {"id": CHAT}}}, None),
        ({"message": {"text": "no chat"}}, None),
        ({"callback_query": {"id": "cb1", "from": {"id": CHAT}, "data": "/ask_why",
                             "message": message(text="Advice", reply_markup={"inline_keyboard": [
                                 [{"text": "Why?", "callback_data": "/ask_why"}]]})}},
         Incoming(str(CHAT), "/ask_why", "cb1", "Why?")),
        ({"callback_query": {"id": "cb2", "from": {"id": CHAT}, "data": "/ask_why"}},
         Incoming(str(CHAT), "/ask_why", "cb2", None)),
    ],
)
def test_updates_are_read_as_what_they_ask(update: Dict[str, Any], expected: Optional[Incoming]) -> None:
    assert read_update({"update_id": 1, **update}) == expected


async def test_a_payload_too_long_for_callback_data_travels_as_a_key() -> None:
    output = GuardedTelegramOutput(TOKEN)
    payload = '/ask_entry{"entry_id": "recovery.shower_and_bed_after_massage_and_more"}'
    key = await output.callback_data(payload, str(CHAT))
    assert len(key.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert await output.payload(key, str(CHAT)) == payload
    assert await output.callback_data("/ask_why", str(CHAT)) == "/ask_why"
    assert await output.payload("#unknown", str(CHAT)) is None


@pytest.mark.parametrize(
    ("recipient", "chat"),
    [(f"telegram:{CHAT}", str(CHAT)), ("telegram:-1001234", "-1001234"), (CHAT, str(CHAT)), (str(CHAT), str(CHAT)),
     (f"rest:{CHAT}", None), (f"web:{CHAT}", None), (f"rest:telegram:{CHAT}", None), ("telegram:", None),
     (f"telegram:{CHAT}\n", None), ("telegram:rest:1", None)],
)
def test_replies_go_only_to_telegram_chats(recipient: Any, chat: Optional[str]) -> None:
    assert chat_of(recipient) == chat


# --- turns against the Bot API stand-in ------------------------------------------------------


@pytest.fixture
def api() -> Iterator[BotApiStandin]:
    with BotApiStandin() as standin:
        yield standin


# In the test's own loop: the channel's HTTP session belongs to the loop that opened it.
@pytest_asyncio.fixture(loop_scope="function")
async def channel(api: BotApiStandin) -> Any:
    channel = GuardedTelegramInput(TelegramSettings.load({**GOOD_ENV, "TELEGRAM_API_URL": api.url}))
    yield channel
    await channel.output.close_session()


def texts(api: BotApiStandin) -> List[str]:
    return [c.params["text"] for c in api.calls if c.method == "sendMessage"]


async def test_a_failing_turn_gets_an_apology_and_does_not_raise(
    api: BotApiStandin, channel: GuardedTelegramInput
) -> None:
    async def broken(_: Any) -> None:
        raise RuntimeError("the bot broke")

    await channel.handle_update({"update_id": 1, "message": message(text="hi")}, broken)
    assert texts(api) == [APOLOGY]


async def test_a_silent_turn_gets_an_apology(api: BotApiStandin, channel: GuardedTelegramInput) -> None:
    async def silent(_: Any) -> None:
        return None

    await channel.handle_update({"update_id": 1, "message": message(text="hi")}, silent)
    assert texts(api) == [APOLOGY]


async def test_a_turn_that_answered_gets_no_apology(api: BotApiStandin, channel: GuardedTelegramInput) -> None:
    seen: List[str] = []

    senders: List[str] = []

    async def answering(user_message: Any) -> None:
        seen.append(user_message.text)
        senders.append(user_message.sender_id)
        await user_message.output_channel.send_text_message(user_message.sender_id, "Answer.")

    await channel.handle_update({"update_id": 1, "message": message(text="/start")}, answering)
    await channel.handle_update({"update_id": 1, "message": message(text="/start")}, answering)
    await channel.handle_update({"update_id": 2, "message": message(text="  ")}, answering)
    assert seen == ["/greet"]
    assert senders == [f"telegram:{CHAT}"]
    assert texts(api) == ["Answer.", EMPTY_REPLY]
    assert [c.params["chat_id"] for c in api.calls] == [str(CHAT), str(CHAT)]


async def test_rasa_s_replies_reach_the_chat_of_telegram_conversations_only(
    api: BotApiStandin, channel: GuardedTelegramInput
) -> None:
    await channel.output.send_response(f"telegram:{CHAT}", {"text": "For you."})
    # Another channel's conversation with the same number (e.g. through the HTTP API's
    # trigger_intent with output_channel=telegram) never reaches chat CHAT.
    for foreign in (f"rest:{CHAT}", f"web:{CHAT}", str(CHAT)):
        await channel.output.send_response(foreign, {"text": "Not for you."})
    assert texts(api) == ["For you."]
    assert [c.params["chat_id"] for c in api.calls] == [str(CHAT)]


async def test_telegram_failing_to_deliver_is_logged_not_raised(
    api: BotApiStandin, channel: GuardedTelegramInput
) -> None:
    api.fail_next("sendMessage", times=2)

    async def unused(_: Any) -> None:
        raise AssertionError("a sticker never reaches the bot")

    await channel.handle_update({"update_id": 1, "message": message(sticker={"file_id": "s"})}, unused)
    await channel.handle_update({"update_id": 2, "message": message(sticker={"file_id": "s"})}, unused)
    await channel.handle_update({"update_id": 3, "message": message(sticker={"file_id": "s"})}, unused)
    assert texts(api) == [NOT_TEXT_REPLY] * 3


async def test_start_checks_the_bot_then_registers_the_webhook_with_the_secret(
    api: BotApiStandin, channel: GuardedTelegramInput
) -> None:
    await channel.connect()
    await channel.connect()
    assert [c.method for c in api.calls] == ["getMe", "setWebhook"]
    assert api.calls[1].params["secret_token"] == SECRET


async def test_a_token_of_another_bot_stops_the_start_before_set_webhook(api: BotApiStandin) -> None:
    channel = GuardedTelegramInput(
        TelegramSettings.load({**GOOD_ENV, "TELEGRAM_API_URL": api.url, "TELEGRAM_BOT_NAME": "other_bot"})
    )
    with pytest.raises(RasaException, match="not to TELEGRAM_BOT_NAME @other_bot"):
        await channel.connect()
    assert [c.method for c in api.calls] == ["getMe"]


async def test_an_unreachable_bot_api_stops_the_start() -> None:
    with BotApiStandin() as gone:
        url = gone.url
    channel = GuardedTelegramInput(TelegramSettings.load({**GOOD_ENV, "TELEGRAM_API_URL": url}))
    with pytest.raises(RasaException, match="could not register the webhook"):
        await channel.connect()
