"""Settings read from the environment, with defaults that work from a fresh clone."""

import os
from pathlib import Path
from typing import Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent


def guidance_dir() -> Path:
    """Where the guidance YAML lives (``GUIDANCE_DIR``, default ``guidance/`` in the repo)."""
    return Path(os.environ.get("GUIDANCE_DIR", REPO_ROOT / "guidance"))


def max_message_chars() -> int:
    """Longest message text the bot reads (``MAX_MESSAGE_CHARS``); longer ones are declined."""
    return int(os.environ.get("MAX_MESSAGE_CHARS", "2000"))


def encoder_threads() -> int:
    """CPU threads the sentence encoder may use (``ENCODER_THREADS``, default 1)."""
    return int(os.environ.get("ENCODER_THREADS", "1"))


def _set(name: str) -> Optional[str]:
    """The variable's value, or None when it is unset or blank (``make`` exports blanks)."""
    value = os.environ.get(name, "").strip()
    return value or None


def rasa_interface() -> str:
    """The address the Rasa server listens on (``RASA_INTERFACE``, default ``127.0.0.1``)."""
    return _set("RASA_INTERFACE") or "127.0.0.1"


def rasa_port() -> int:
    """The Rasa server's port (``RASA_PORT``, default 5005)."""
    return int(_set("RASA_PORT") or "5005")


def rest_token() -> Optional[str]:
    """What REST callers send as ``Authorization: Bearer …`` (``REST_TOKEN``); None when unset.

    Set, it is required on every interface; unset, REST is off unless Rasa listens on loopback only.
    """
    return _set("REST_TOKEN")


def tracker_store_url() -> str:
    """The conversations' SQLAlchemy URL (``TRACKER_STORE_URL``, default ``sqlite:///var/trackers.db``)."""
    return _set("TRACKER_STORE_URL") or "sqlite:///var/trackers.db"


def web_session_secret() -> Optional[str]:
    """The key that signs the web page's session ids (``WEB_SESSION_SECRET``); None when unset.

    Unset, the server generates one into :func:`web_session_secret_file` on its first start.
    Every Rasa server that shares the conversations needs the same one.
    """
    return _set("WEB_SESSION_SECRET")


def web_session_secret_file() -> Path:
    """Where the generated session key is kept (``WEB_SESSION_SECRET_FILE``, default ``var/web_session_secret``)."""
    return Path(_set("WEB_SESSION_SECRET_FILE") or REPO_ROOT / "var" / "web_session_secret")


def checkin_time_scale() -> float:
    """How many times faster check-in time runs (``CHECKIN_TIME_SCALE``, default 1): a test and demo setting.

    Every check-in delay is divided by it, so at 86400 a 48-hour check-in is due after 2 s.
    """
    scale = float(_set("CHECKIN_TIME_SCALE") or "1")
    if scale <= 0:
        raise ValueError("CHECKIN_TIME_SCALE must be a positive number.")
    return scale


def checkin_poll_seconds() -> float:
    """How often each Rasa server looks for due check-ins (``CHECKIN_POLL_SECONDS``, default 5)."""
    return float(_set("CHECKIN_POLL_SECONDS") or "5")


def checkin_pain_days() -> float:
    """Days until a pain check-in asks "how is your back today, 0-10?" (``CHECKIN_PAIN_DAYS``, default 3).

    On the check-in clock, like every check-in delay: divided by ``CHECKIN_TIME_SCALE``.
    """
    days = float(_set("CHECKIN_PAIN_DAYS") or "3")
    if days <= 0:
        raise ValueError("CHECKIN_PAIN_DAYS must be a positive number of days.")
    return days


def checkin_quiet_hours() -> Optional[Tuple[int, int]]:
    """Hours of the day when no check-in is pushed (``CHECKIN_QUIET_HOURS``, default ``21-8``).

    ``start-end`` in whole hours of the person's time zone (UTC until they say it); a check-in
    due then is sent when they end. Empty turns them off.
    """
    raw = os.environ.get("CHECKIN_QUIET_HOURS", "21-8").strip()
    if not raw:
        return None
    start, sep, end = raw.partition("-")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise ValueError("CHECKIN_QUIET_HOURS must look like 21-8 (from hour, to hour), or be empty.")
    hours = int(start), int(end)
    if not all(0 <= h <= 23 for h in hours):
        raise ValueError("CHECKIN_QUIET_HOURS hours must be 0-23.")
    return hours


def retention_days() -> float:
    """Days a conversation is kept after its last message (``RETENTION_DAYS``, default 90; 0 keeps all).

    Older conversations are deleted from the tracker store with their check-ins.
    """
    days = float(_set("RETENTION_DAYS") or "90")
    if days < 0:
        raise ValueError("RETENTION_DAYS must be 0 (keep everything) or more.")
    return days
