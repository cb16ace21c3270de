"""Telegram's settings (channels/telegram_settings.py): from the environment, overridden by credentials.yml,
refused with the reason when incomplete, never shown."""

from typing import Dict

import pytest

from channels.telegram_settings import ConfigError, TelegramSettings
from tests.channels.telegram_helpers import GOOD_ENV
from tests.e2e.telegram_standin import SECRET, TOKEN, WEBHOOK_URL

# --- settings --------------------------------------------------------------------------------

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
