"""The declarations of every environment variable: its type, default, meaning and how it is checked.

:class:`Settings` is only the declaration; :mod:`backcare.settings` reads the process
environment into it (this module never does) and has the accessors the rest of the code calls.
The README's table is made from these fields by :mod:`backcare.settings_readme`. A field reads
``FIELD_NAME`` in capitals; ``shown`` is how the README shows a default that is not a plain
value, and ``blank="off"`` keeps a blank value instead of treating it as unset.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from pydantic import BaseSettings, Field, SecretStr, root_validator, validator
from pydantic.fields import ModelField

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0
DEFAULT_LOCK_STORE_RETRY_SECONDS = 5.0
DEFAULT_TRACKER_STORE_RETRY_SECONDS = 10.0


class SettingsError(ValueError):
    """An environment variable has a value the project cannot use; the message names it."""


class Settings(BaseSettings):
    """The environment variables, each named as its field in capitals (``rasa_port`` is ``RASA_PORT``).

    Build it through :func:`backcare.settings.settings`, which hands in the environment's values;
    the field order is the README table's order.
    """

    rasa_port: int = Field(5005, description="Rasa server's port (127.0.0.1 only unless `RASA_INTERFACE` says)")
    action_port: int = Field(5055, description="action server's port, on 127.0.0.1 (read by the Makefile)")
    action_endpoint_url: Optional[str] = Field(
        None,
        description="where Rasa calls the action server (read by `endpoints.yml`)",
        shown="`http://127.0.0.1:$ACTION_PORT/webhook`",
    )
    rasa_interface: str = Field(
        "127.0.0.1",
        description="address the Rasa server listens on; "
        "anything but loopback turns REST off unless `REST_TOKEN` is set",
    )
    rest_token: Optional[SecretStr] = Field(
        None,
        description="bearer token every REST call must then carry "
        "(at least 16 characters, e.g. `openssl rand -hex 32`)",
    )
    web_session_secret: Optional[SecretStr] = Field(
        None,
        description="key that signs the web page's session ids (at least 32 characters); unset, one is generated "
        "into `WEB_SESSION_SECRET_FILE`. Replicas need the same one",
    )
    web_session_secret_file: Path = Field(
        REPO_ROOT / "var" / "web_session_secret",
        description="where the generated key is kept (0600)",
        shown="`var/web_session_secret`",
    )
    tracker_store_url: str = Field(
        f"sqlite:///{REPO_ROOT / 'var' / 'trackers.db'}",
        description="any SQLAlchemy URL, e.g. `postgresql://…`; a relative SQLite file is in the repo",
        shown="`sqlite:///var/trackers.db`",
    )
    tracker_store_retry_seconds: float = Field(
        DEFAULT_TRACKER_STORE_RETRY_SECONDS,
        description="how long a tracker-store read or write is retried while the database is unreachable",
    )
    lock_store_type: str = Field(
        "in_memory",
        description="`stores.lock_store.AtomicRedisLockStore` when several Rasa servers share conversations "
        "(read by `endpoints.yml`)",
    )
    redis_host: str = Field("127.0.0.1", description="Redis of the lock store (read by `endpoints.yml`)")
    redis_port: int = Field(6380, description="Redis port: the lock store's, and the one `make run-cluster` starts")
    redis_db: int = Field(1, description="Redis database number of the lock store (read by `endpoints.yml`)")
    lock_store_retry_seconds: float = Field(
        DEFAULT_LOCK_STORE_RETRY_SECONDS,
        description="how long a lock-store call is retried while Redis is unreachable",
    )
    pg_port: int = Field(5433, description="PostgreSQL port of `make run-cluster` (127.0.0.1 only)")
    pg_bin: Optional[Path] = Field(
        None,
        description="folder of the PostgreSQL binaries `make run-cluster` runs",
        shown="the newest `/usr/lib/postgresql/*/bin`",
    )
    action_timeout_seconds: float = Field(
        DEFAULT_ACTION_TIMEOUT_SECONDS,
        description="calls to the action server give up after this (Rasa's default: 300)",
    )
    rasa_jwt_secret: Optional[SecretStr] = Field(
        None,
        description="set it to turn Rasa's HTTP API on, accepting only JWTs signed with it (never on a command line)",
    )
    max_message_chars: int = Field(2000, description='longer messages get "please shorten it"')
    encoder_threads: int = Field(1, description="CPU threads the sentence encoder may use in each process")
    guidance_dir: Path = Field(
        REPO_ROOT / "guidance",
        description="what the bot knows: the guidance YAML, with the warning signs in `safety/red_flags.yml`",
        shown="`guidance/`",
    )
    web_port: int = Field(8080, description="chat page port")
    web_host: str = Field("127.0.0.1", description="address the chat page is served on")
    web_origins: List[str] = Field(
        [],
        description="origins allowed to open a socket (comma-separated)",
        shown="the page's own origin",
    )
    checkin_time_scale: float = Field(
        1.0,
        description="**test and demo setting**: every check-in delay is divided by it, so at 86400 a 48-hour "
        "check-in is due after 2 s (and the pain's age in the message runs a day per second)",
    )
    checkin_poll_seconds: float = Field(5.0, description="how often each Rasa server looks for due check-ins")
    retention_days: float = Field(
        90.0,
        description="conversations idle for longer are deleted from the tracker store with their check-ins "
        "(checked hourly by every Rasa server); 0 keeps everything",
    )
    checkin_pain_days: float = Field(
        3.0,
        description='days until a pain check-in asks "How is your back today, 0–10?" (after yes, and again '
        "after each score); scaled by `CHECKIN_TIME_SCALE`",
    )
    checkin_quiet_hours: Optional[Tuple[int, int]] = Field(
        (21, 8),
        description="hours of the person's day (their time zone, asked once; UTC until they say) when no "
        "check-in is pushed; one due then goes out when they end; empty turns them off",
        blank="off",
        shown="`21-8`",
    )
    telegram_token: Optional[SecretStr] = Field(
        None, description="the bot token from @BotFather; unset, Telegram is off"
    )
    telegram_secret_token: Optional[SecretStr] = Field(
        None,
        description="what Telegram must send in `X-Telegram-Bot-Api-Secret-Token` (16-256 characters, "
        "e.g. `openssl rand -hex 32`); required with `TELEGRAM_TOKEN`",
    )
    telegram_webhook_url: Optional[str] = Field(
        None, description="the public https:// URL of `/webhooks/telegram/webhook`; required with `TELEGRAM_TOKEN`"
    )
    telegram_bot_name: Optional[str] = Field(None, description="the bot's username, checked against `getMe` if set")
    telegram_api_url: Optional[str] = Field(
        None, description="another Bot API server (self-hosted)", shown="`https://api.telegram.org`"
    )

    class Config:
        allow_mutation = False
        validate_all = True
        anystr_strip_whitespace = True

        @classmethod
        def customise_sources(cls, init_settings: Any, env_settings: Any, file_secret_settings: Any) -> Tuple:
            """Arguments only: :mod:`backcare.settings` reads the environment, with its own blank rule."""
            return (init_settings,)

    @validator("web_session_secret_file", "guidance_dir", "pg_bin")
    def _from_repo_root(cls, path: Optional[Path]) -> Optional[Path]:  # noqa: N805
        return None if path is None else REPO_ROOT / path

    @validator("tracker_store_url")
    def _sqlite_from_repo_root(cls, url: str) -> str:  # noqa: N805
        return sqlite_from_repo_root(url)

    @validator("web_origins", pre=True)
    def _comma_separated(cls, value: Any) -> Any:  # noqa: N805
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @validator("action_timeout_seconds", "lock_store_retry_seconds", "tracker_store_retry_seconds", pre=True)
    def _lenient_seconds(cls, value: Any, field: ModelField) -> float:  # noqa: N805
        """A timeout that cannot be read is not worth stopping a server for: its default, with a warning."""
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            _warn_once(f"{env_name(field.name)}={value!r} is not a number; using {field.default:g} s.")
            return float(field.default)
        if field.name == "action_timeout_seconds":
            return seconds if seconds > 0 else float(field.default)
        return max(0.0, seconds)

    @validator("checkin_time_scale")
    def _positive_scale(cls, scale: float) -> float:  # noqa: N805
        if scale <= 0:
            raise ValueError("CHECKIN_TIME_SCALE must be a positive number.")
        return scale

    @validator("checkin_pain_days")
    def _positive_days(cls, days: float) -> float:  # noqa: N805
        if days <= 0:
            raise ValueError("CHECKIN_PAIN_DAYS must be a positive number of days.")
        return days

    @validator("retention_days")
    def _not_negative(cls, days: float) -> float:  # noqa: N805
        if days < 0:
            raise ValueError("RETENTION_DAYS must be 0 (keep everything) or more.")
        return days

    @validator("checkin_quiet_hours", pre=True)
    def _hours(cls, raw: Any) -> Any:  # noqa: N805
        if not isinstance(raw, str):
            return raw
        if not raw.strip():
            return None
        start, sep, end = raw.strip().partition("-")
        if not sep or not start.strip().isdigit() or not end.strip().isdigit():
            raise ValueError("CHECKIN_QUIET_HOURS must look like 21-8 (from hour, to hour), or be empty.")
        hours = int(start), int(end)
        if not all(0 <= h <= 23 for h in hours):
            raise ValueError("CHECKIN_QUIET_HOURS hours must be 0-23.")
        return hours

    @root_validator(skip_on_failure=True)
    def _action_endpoint(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        if values.get("action_endpoint_url") is None:
            values["action_endpoint_url"] = f"http://127.0.0.1:{values['action_port']}/webhook"
        return values


@lru_cache(maxsize=64)
def _warn_once(message: str) -> None:
    """Log a warning once per process: settings are read on every call, the mistake is the same."""
    logger.warning(message)


def env_name(field: str) -> str:
    """The environment variable a :class:`Settings` field is read from."""
    return field.upper()


def sqlite_from_repo_root(url: str) -> str:
    """``url`` with a relative SQLite file taken from the repo root (other URLs as they are)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path, query, rest = url[len(prefix) :].partition("?")
    if not path or path.startswith("/") or path == ":memory:":
        return url
    return f"{prefix}{REPO_ROOT / path}{query}{rest}"
