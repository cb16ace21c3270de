"""Telegram settings from the environment, checked before the server starts.

Kept apart from ``channels.telegram`` so that ``channels.credentials`` (run by ``make`` before
every start) can refuse a bad configuration without importing Rasa.
"""

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

# The module path credentials.yml registers the connector under.
TELEGRAM_CHANNEL = "channels.telegram.GuardedTelegramInput"
DEFAULT_API_URL = "https://api.telegram.org"

TOKEN_ENV = "TELEGRAM_TOKEN"
BOT_NAME_ENV = "TELEGRAM_BOT_NAME"
WEBHOOK_URL_ENV = "TELEGRAM_WEBHOOK_URL"
SECRET_TOKEN_ENV = "TELEGRAM_SECRET_TOKEN"
API_URL_ENV = "TELEGRAM_API_URL"

# Keys a credentials.yml block may use instead (the first three are Rasa's own Telegram keys).
CREDENTIAL_KEYS = {
    "access_token": TOKEN_ENV,
    "verify": BOT_NAME_ENV,
    "webhook_url": WEBHOOK_URL_ENV,
    "secret_token": SECRET_TOKEN_ENV,
    "api_url": API_URL_ENV,
}

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
# Telegram accepts 1-256 characters from this set; a short secret could be guessed.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_BOT_NAME = re.compile(r"^[A-Za-z0-9_]{5,32}$")


class ConfigError(ValueError):
    """The Telegram settings are missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the connector needs to talk to the Bot API and to check Telegram's updates.

    Attributes:
        token: The bot token from BotFather (``TELEGRAM_TOKEN``).
        secret_token: What Telegram must send in ``X-Telegram-Bot-Api-Secret-Token``
            (``TELEGRAM_SECRET_TOKEN``).
        webhook_url: The public HTTPS URL of ``/webhooks/telegram/webhook`` (``TELEGRAM_WEBHOOK_URL``).
        bot_name: The bot's username without "@", checked against ``getMe`` if set (``TELEGRAM_BOT_NAME``).
        api_url: The Bot API base URL (``TELEGRAM_API_URL``).
    """

    token: str
    secret_token: str
    webhook_url: str
    bot_name: Optional[str] = None
    api_url: str = DEFAULT_API_URL

    def __repr__(self) -> str:
        """Never show the token or the secret, e.g. in a traceback or a log line."""
        return (
            f"TelegramSettings(bot_name={self.bot_name!r}, webhook_url={self.webhook_url!r}, "
            f"api_url={self.api_url!r})"
        )

    @classmethod
    def load(
        cls, environ: Mapping[str, str], credentials: Optional[Mapping[str, Any]] = None
    ) -> "TelegramSettings":
        """Read the settings from a credentials block, falling back to the environment.

        Args:
            environ: The ``TELEGRAM_*`` variables, usually ``backcare.settings.telegram_environ()``.
            credentials: The connector's block in credentials.yml, if any (keys in ``CREDENTIAL_KEYS``).

        Returns:
            Checked settings.

        Raises:
            ConfigError: A setting is missing or malformed. The message never contains the
                token or the secret.
        """
        given = dict(credentials or {})

        def value(key: str) -> str:
            raw = given.get(key)
            if raw is None:
                raw = environ.get(CREDENTIAL_KEYS[key], "")
            return str(raw).strip()

        token, secret, url = value("access_token"), value("secret_token"), value("webhook_url")
        bot_name = value("verify").lstrip("@") or None
        api_url = (value("api_url") or DEFAULT_API_URL).rstrip("/")
        if not token:
            raise ConfigError(f"{TOKEN_ENV} is not set: create a bot with @BotFather and use its token.")
        if not _TOKEN.match(token):
            raise ConfigError(f"{TOKEN_ENV} does not look like a BotFather token (digits, a colon, letters).")
        if not secret:
            raise ConfigError(
                f"{TOKEN_ENV} is set but {SECRET_TOKEN_ENV} is not: without it anyone who finds the "
                "webhook URL could post messages as any user. "
                f"Set one, e.g. {SECRET_TOKEN_ENV}=$(openssl rand -hex 32)."
            )
        if not _SECRET.match(secret):
            raise ConfigError(
                f"{SECRET_TOKEN_ENV} must be 16-256 characters of A-Z, a-z, 0-9, '_' or '-' "
                f"(e.g. $(openssl rand -hex 32))."
            )
        if not url.startswith("https://"):
            raise ConfigError(
                f"{WEBHOOK_URL_ENV} must be the public https:// URL of /webhooks/telegram/webhook "
                "(Telegram only delivers to HTTPS)."
            )
        if bot_name is not None and not _BOT_NAME.match(bot_name):
            raise ConfigError(f"{BOT_NAME_ENV} must be the bot's username, e.g. backcare_bot.")
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError(f"{API_URL_ENV} must be an http(s) URL, e.g. {DEFAULT_API_URL}.")
        return cls(token=token, secret_token=secret, webhook_url=url, bot_name=bot_name, api_url=api_url)
