"""Every environment variable of the project: its type, default and meaning, in one place.

:class:`Settings` (declared in :mod:`backcare.settings_fields`) lists them; :func:`settings` reads
them from the process environment on each call (no I/O at import time; parsed once per distinct
set of values), so a test or a server that sets a variable sees it at once. The small functions
below it are what the rest of the code calls; this is the one module that reads ``os.environ``.

Rules for every variable:

* a blank value counts as unset (``make`` exports blanks), except ``CHECKIN_QUIET_HOURS``, where
  empty means "no quiet hours";
* an invalid value raises :class:`SettingsError` naming the variable, except the three timeouts
  (``ACTION_TIMEOUT_SECONDS``, ``LOCK_STORE_RETRY_SECONDS``, ``TRACKER_STORE_RETRY_SECONDS``),
  which fall back to their default with a warning, so a typo there never stops a server;
* a relative path (and a relative SQLite file in ``TRACKER_STORE_URL``) is taken from the repo
  root, not the working directory.

Some variables are read by ``endpoints.yml`` or the Makefile rather than by Python; they are
declared too, so the README's table (``python -m backcare.settings --markdown``) covers every one
of ours. Rasa's own (``RASA_TELEMETRY_ENABLED``, ``SANIC_*``, ``TF_*``, ``TICKET_LOCK_LIFETIME``)
are not ours and are not listed. ``config.yml``'s ``spacy_model`` path stays relative to the
working directory because Rasa reads it; Rasa also loads our modules from there.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from pydantic import SecretStr, ValidationError

from backcare import settings_readme
from backcare.settings_fields import DEFAULT_ACTION_TIMEOUT_SECONDS as DEFAULT_ACTION_TIMEOUT_SECONDS
from backcare.settings_fields import DEFAULT_LOCK_STORE_RETRY_SECONDS as DEFAULT_LOCK_STORE_RETRY_SECONDS
from backcare.settings_fields import DEFAULT_TRACKER_STORE_RETRY_SECONDS as DEFAULT_TRACKER_STORE_RETRY_SECONDS
from backcare.settings_fields import REPO_ROOT as REPO_ROOT
from backcare.settings_fields import Settings, SettingsError, env_name
from backcare.settings_fields import sqlite_from_repo_root as sqlite_from_repo_root

# The names above marked ``as`` are declared in settings_fields but imported from here by
# stores/, channels/, scripts/, nlu/ and the tests: this module is the one they know.


def _from_environment() -> Dict[str, Any]:
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
    return Settings(**_from_environment())


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


def main(argv: Optional[List[str]] = None, out: Callable[[str], Any] = print) -> int:
    """Print the settings table (``--markdown``), write it into README.md (``--write-readme``), or check them."""
    parser = argparse.ArgumentParser(prog="python -m backcare.settings", description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the README's settings table")
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    if args.markdown:
        out(settings_readme.markdown_table())
    elif args.write_readme:
        out("README.md updated." if settings_readme.write_readme_table() else "README.md is up to date.")
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
