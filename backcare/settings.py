"""Every environment variable of the project: its type, default and meaning, in one place.

:class:`Settings` lists them; :func:`settings` reads them from the process environment on each
call (no I/O at import time; parsed once per distinct set of values), so a test or a server that
sets a variable sees it at once. The small functions below it are what the rest of the code calls.

Rules for every variable:

* a blank value counts as unset (``make`` exports blanks), except ``CHECKIN_QUIET_HOURS``, where
  empty means "no quiet hours";
* an invalid value raises :class:`SettingsError` naming the variable, except the three timeouts
  (``ACTION_TIMEOUT_SECONDS``, ``LOCK_STORE_RETRY_SECONDS``, ``TRACKER_STORE_RETRY_SECONDS``),
  which fall back to their default with a warning, so a typo there never stops a server;
* a relative path (and a relative SQLite file in ``TRACKER_STORE_URL``) is taken from the repo
  root, not the working directory.

Some variables are read by ``endpoints.yml`` or the Makefile rather than by Python; they are
listed here so the README's table (``python -m backcare.settings --markdown``) covers every one
of ours. Rasa's own (``RASA_TELEMETRY_ENABLED``, ``SANIC_*``, ``TF_*``, ``TICKET_LOCK_LIFETIME``)
are not ours and are not listed. ``config.yml``'s ``spacy_model`` path stays relative to the
working directory because Rasa reads it; Rasa also loads our modules from there.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from pydantic import BaseSettings, Field, SecretStr, ValidationError, root_validator, validator
from pydantic.fields import ModelField

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
TABLE_START = "<!-- settings table: made by `python -m backcare.settings --write-readme`; edit backcare/settings.py -->"
TABLE_END = "<!-- end of settings table -->"
DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0
DEFAULT_LOCK_STORE_RETRY_SECONDS = 5.0
DEFAULT_TRACKER_STORE_RETRY_SECONDS = 10.0


class SettingsError(ValueError):
    """An environment variable has a value the project cannot use; the message names it."""


class Settings(BaseSettings):
    """The environment variables, each named as its field in capitals (``rasa_port`` is ``RASA_PORT``).

    Read them through :func:`settings`; the field order is the README table's order. ``shown`` is
    how the README shows a default that is not a plain value; ``blank="off"`` keeps a blank value.
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
        description="set it to turn Rasa's HTTP API on, accepting only JWTs signed with it (read by the Makefile)",
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
            """Arguments first, then our own reading of the environment (:func:`_from_environment`)."""
            return init_settings, _from_environment

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


def _from_environment(_: BaseSettings) -> Dict[str, Any]:
    """Each field's variable from the process environment, leaving out the unset and the blank."""
    values: Dict[str, Any] = {}
    for name, field in Settings.__fields__.items():
        raw = os.environ.get(env_name(name))
        if raw is None or (not raw.strip() and field.field_info.extra.get("blank") != "off"):
            continue
        values[name] = raw.strip()
    return values


def settings() -> Settings:
    """The settings as the environment has them now; cheap, so call it where a value is needed.

    Raises:
        SettingsError: A variable is invalid; the message names every one that is, and why.
    """
    try:
        return _parsed(tuple(os.environ.get(env_name(name)) for name in Settings.__fields__))
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            name = env_name(str(problem["loc"][0]))
            message = problem["msg"]
            problems.append(message if message.startswith(name) else f"{name}={os.environ.get(name)!r}: {message}")
        raise SettingsError("; ".join(problems)) from None


@lru_cache(maxsize=16)
def _parsed(environment: Tuple[Optional[str], ...]) -> Settings:
    """Settings for these values of the variables: parsing takes ~0.5 ms, looking them up ~10 µs.

    ``environment`` is only the cache key (the values :func:`_from_environment` will read); the
    settings are frozen, so the one parsed object can be shared.
    """
    # Without pydantic's mypy plugin, mypy reads every Field(default, ...) as a required argument.
    return Settings()  # type: ignore[call-arg]


def sqlite_from_repo_root(url: str) -> str:
    """``url`` with a relative SQLite file taken from the repo root (other URLs as they are)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path, query, rest = url[len(prefix) :].partition("?")
    if not path or path.startswith("/") or path == ":memory:":
        return url
    return f"{prefix}{REPO_ROOT / path}{query}{rest}"


def child_environ(base: Optional[Mapping[str, str]] = None, /, **overrides: Optional[str]) -> Dict[str, str]:
    """A subprocess's environment: ``base`` (default: this process's) with ``overrides`` (None removes one)."""
    merged = {**(os.environ if base is None else base), **overrides}
    return {name: value for name, value in merged.items() if value is not None}


def _secret(value: Optional[SecretStr]) -> Optional[str]:
    return None if value is None else value.get_secret_value()


def guidance_dir() -> Path:
    """Where the guidance YAML lives (``GUIDANCE_DIR``, default ``guidance/`` in the repo)."""
    return settings().guidance_dir


def red_flags_file() -> Path:
    """The warning signs' data: ``safety/red_flags.yml`` in :func:`guidance_dir`."""
    return guidance_dir() / "safety" / "red_flags.yml"


def max_message_chars() -> int:
    """Longest message text the bot reads (``MAX_MESSAGE_CHARS``); longer ones are declined."""
    return settings().max_message_chars


def encoder_threads() -> int:
    """CPU threads the sentence encoder may use (``ENCODER_THREADS``, default 1)."""
    return settings().encoder_threads


def rasa_interface() -> str:
    """The address the Rasa server listens on (``RASA_INTERFACE``, default ``127.0.0.1``)."""
    return settings().rasa_interface


def rasa_port() -> int:
    """The Rasa server's port (``RASA_PORT``, default 5005)."""
    return settings().rasa_port


def rest_token() -> Optional[str]:
    """What REST callers send as ``Authorization: Bearer …`` (``REST_TOKEN``); None when unset.

    Set, it is required on every interface; unset, REST is off unless Rasa listens on loopback only.
    """
    return _secret(settings().rest_token)


def tracker_store_url() -> str:
    """The conversations' SQLAlchemy URL (``TRACKER_STORE_URL``, default ``sqlite:///var/trackers.db``)."""
    return settings().tracker_store_url


def tracker_store_retry_seconds() -> float:
    """How long a failed tracker-store call is retried (``TRACKER_STORE_RETRY_SECONDS``, default 10)."""
    return settings().tracker_store_retry_seconds


def lock_store_retry_seconds() -> float:
    """How long a failed Redis call of the lock store is retried (``LOCK_STORE_RETRY_SECONDS``, default 5)."""
    return settings().lock_store_retry_seconds


def action_timeout_seconds() -> float:
    """How long Rasa waits for the action server (``ACTION_TIMEOUT_SECONDS``, default 5)."""
    return settings().action_timeout_seconds


def web_session_secret() -> Optional[str]:
    """The key that signs the web page's session ids (``WEB_SESSION_SECRET``); None when unset.

    Unset, the server generates one into :func:`web_session_secret_file` on its first start.
    Every Rasa server that shares the conversations needs the same one.
    """
    return _secret(settings().web_session_secret)


def web_session_secret_file() -> Path:
    """Where the generated session key is kept (``WEB_SESSION_SECRET_FILE``, default ``var/web_session_secret``)."""
    return settings().web_session_secret_file


def web_host() -> str:
    """The address the chat page is served on (``WEB_HOST``, default ``127.0.0.1``)."""
    return settings().web_host


def web_port() -> int:
    """The chat page's port (``WEB_PORT``, default 8080)."""
    return settings().web_port


def web_origins() -> List[str]:
    """Origins allowed to open a socket (``WEB_ORIGINS``); empty means the chat page's own."""
    return list(settings().web_origins)  # a copy: the parsed settings are shared


def pg_bin() -> Optional[Path]:
    """The PostgreSQL binaries folder (``PG_BIN``); None means the newest Debian one."""
    return settings().pg_bin


def pg_port() -> int:
    """The port of ``make run-cluster``'s PostgreSQL (``PG_PORT``, default 5433)."""
    return settings().pg_port


def redis_port() -> int:
    """The port of ``make run-cluster``'s Redis (``REDIS_PORT``, default 6380)."""
    return settings().redis_port


def telegram_environ() -> Dict[str, str]:
    """The ``TELEGRAM_*`` variables that are set, by name, for ``TelegramSettings.load``."""
    current = settings()
    values = {name: getattr(current, name) for name in Settings.__fields__ if name.startswith("telegram_")}
    shown = {env_name(name): _secret(v) if isinstance(v, SecretStr) else v for name, v in values.items()}
    return {name: value for name, value in shown.items() if value is not None}


def checkin_time_scale() -> float:
    """How many times faster check-in time runs (``CHECKIN_TIME_SCALE``, default 1): a test and demo setting.

    Every check-in delay is divided by it, so at 86400 a 48-hour check-in is due after 2 s.
    """
    return settings().checkin_time_scale


def checkin_poll_seconds() -> float:
    """How often each Rasa server looks for due check-ins (``CHECKIN_POLL_SECONDS``, default 5)."""
    return settings().checkin_poll_seconds


def checkin_pain_days() -> float:
    """Days until a pain check-in asks "how is your back today, 0-10?" (``CHECKIN_PAIN_DAYS``, default 3).

    On the check-in clock, like every check-in delay: divided by ``CHECKIN_TIME_SCALE``.
    """
    return settings().checkin_pain_days


def checkin_quiet_hours() -> Optional[Tuple[int, int]]:
    """Hours of the day when no check-in is pushed (``CHECKIN_QUIET_HOURS``, default ``21-8``).

    ``start-end`` in whole hours of the person's time zone (UTC until they say it); a check-in
    due then is sent when they end. Empty turns them off.
    """
    return settings().checkin_quiet_hours


def retention_days() -> float:
    """Days a conversation is kept after its last message (``RETENTION_DAYS``, default 90; 0 keeps all).

    Older conversations are deleted from the tracker store with their check-ins.
    """
    return settings().retention_days


def _default_shown(field: ModelField) -> str:
    if "shown" in field.field_info.extra:
        return str(field.field_info.extra["shown"])
    if field.default is None:
        return "unset"
    if isinstance(field.default, str):
        return f"`{field.default}`"
    return f"{field.default:g}" if isinstance(field.default, float) else str(field.default)


def markdown_table() -> str:
    """The README's settings table: every variable, its default and what it does, in field order."""
    rows = ["| variable | default | what |", "| --- | --- | --- |"]
    for name, field in Settings.__fields__.items():
        rows.append(f"| `{env_name(name)}` | {_default_shown(field)} | {field.field_info.description} |")
    return "\n".join(rows)


def readme_table(readme: str) -> str:
    """The settings table as it stands in the README text, between its two marker comments."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no settings table between {TABLE_START!r} and {TABLE_END!r}.")
    return readme[start + len(TABLE_START) : end].strip()


def write_readme_table(path: Path = README) -> bool:
    """Put :func:`markdown_table` between the README's markers; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    current = readme_table(text)
    if current == markdown_table() and f"\n\n{current}\n\n" in text:
        return False
    start = text.index(TABLE_START) + len(TABLE_START)
    # Blank lines around the table: a Markdown table must not touch the HTML comments.
    path.write_text(f"{text[:start]}\n\n{markdown_table()}\n\n{text[text.index(TABLE_END):]}", encoding="utf-8")
    return True


def main(argv: Optional[List[str]] = None, out: Callable[[str], Any] = print) -> int:
    """Print the settings table (``--markdown``), write it into README.md (``--write-readme``), or check them."""
    parser = argparse.ArgumentParser(prog="python -m backcare.settings", description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the README's settings table")
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    if args.markdown:
        out(markdown_table())
    elif args.write_readme:
        out("README.md updated." if write_readme_table() else "README.md is up to date.")
    else:
        try:
            settings()
        except SettingsError as error:
            out(f"Invalid settings: {error}")
            return 2
        out("Settings are valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
