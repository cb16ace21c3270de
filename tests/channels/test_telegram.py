"""The Telegram webhook (channels/telegram.py): turns against the Bot API stand-in, apologies, the start."""

from typing import Any, Iterator, List

import pytest
import pytest_asyncio
from rasa.shared.exceptions import RasaException

from channels.guard import APOLOGY, EMPTY_REPLY
from channels.telegram import NOT_TEXT_REPLY, GuardedTelegramInput
from channels.telegram_settings import TelegramSettings
from tests.channels.telegram_helpers import CHAT, GOOD_ENV, message
from tests.e2e.telegram_standin import SECRET, BotApiStandin

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
