"""The settings module (backcare/settings.py): defaults, blanks, invalid values, paths, the command."""

import os
import re
from pathlib import Path
from typing import Any, Callable, List

import pytest

from backcare import settings, settings_readme
from backcare.settings import REPO_ROOT, Settings, SettingsError

# Every accessor with its value when nothing is set: the defaults the code had before the module.
DEFAULTS: List[Any] = [
    (settings.guidance_dir, REPO_ROOT / "guidance"),
    (settings.red_flags_file, REPO_ROOT / "guidance" / "safety" / "red_flags.yml"),
    (settings.max_message_chars, 2000),
    (settings.encoder_threads, 1),
    (settings.rasa_interface, "127.0.0.1"),
    (settings.rasa_port, 5005),
    (settings.rest_token, None),
    (settings.tracker_store_url, f"sqlite:///{REPO_ROOT}/var/trackers.db"),
    (settings.tracker_store_retry_seconds, 10.0),
    (settings.lock_store_retry_seconds, 5.0),
    (settings.action_timeout_seconds, 5.0),
    (settings.web_session_secret, None),
    (settings.web_session_secret_file, REPO_ROOT / "var" / "web_session_secret"),
    (settings.web_host, "127.0.0.1"),
    (settings.web_port, 8080),
    (settings.web_origins, []),
    (settings.pg_bin, None),
    (settings.pg_port, 5433),
    (settings.redis_port, 6380),
    (settings.telegram_environ, {}),
    (settings.checkin_time_scale, 1.0),
    (settings.checkin_poll_seconds, 5.0),
    (settings.checkin_pain_days, 3.0),
    (settings.checkin_quiet_hours, (21, 8)),
    (settings.retention_days, 90.0),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of our variables set, whatever the shell or `make` exported."""
    for name in Settings.__fields__:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize(("accessor", "expected"), DEFAULTS, ids=[a.__name__ for a, _ in DEFAULTS])
def test_unset_gives_the_default(accessor: Callable[[], Any], expected: Any) -> None:
    assert accessor() == expected


@pytest.mark.parametrize(("accessor", "expected"), DEFAULTS, ids=[a.__name__ for a, _ in DEFAULTS])
def test_blank_counts_as_unset(monkeypatch: pytest.MonkeyPatch, accessor: Callable[[], Any], expected: Any) -> None:
    for name in Settings.__fields__:
        if name != "checkin_quiet_hours":
            monkeypatch.setenv(name.upper(), "  ")
    assert accessor() == expected


def test_empty_quiet_hours_turn_them_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKIN_QUIET_HOURS", "")
    assert settings.checkin_quiet_hours() is None


def test_values_are_read_afresh_on_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_PORT", "6005")
    assert settings.rasa_port() == 6005
    monkeypatch.setenv("RASA_PORT", " 7005 ")
    assert settings.rasa_port() == 7005
    monkeypatch.delenv("RASA_PORT")
    assert settings.rasa_port() == 5005


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RASA_PORT", "abc", "RASA_PORT='abc': value is not a valid integer"),
        ("MAX_MESSAGE_CHARS", "2k", "MAX_MESSAGE_CHARS='2k': value is not a valid integer"),
        ("WEB_PORT", "80.5", "WEB_PORT='80.5': value is not a valid integer"),
        ("CHECKIN_POLL_SECONDS", "often", "CHECKIN_POLL_SECONDS='often': value is not a valid float"),
        ("CHECKIN_TIME_SCALE", "0", "CHECKIN_TIME_SCALE must be a positive number."),
        ("CHECKIN_PAIN_DAYS", "-1", "CHECKIN_PAIN_DAYS must be a positive number of days."),
        ("RETENTION_DAYS", "-1", "RETENTION_DAYS must be 0 (keep everything) or more."),
        ("CHECKIN_QUIET_HOURS", "9pm-8am", "CHECKIN_QUIET_HOURS must look like 21-8"),
        ("CHECKIN_QUIET_HOURS", "21-24", "CHECKIN_QUIET_HOURS hours must be 0-23."),
    ],
)
def test_an_invalid_value_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(message)):
        settings.settings()
    with pytest.raises(ValueError):  # what the accessors raised before: callers catching it still do
        settings.settings()


def test_every_invalid_value_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_PORT", "x")
    monkeypatch.setenv("RETENTION_DAYS", "-2")
    with pytest.raises(SettingsError) as raised:
        settings.rasa_interface()
    assert "RASA_PORT='x'" in str(raised.value) and "RETENTION_DAYS" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value", "seconds"),
    [
        ("LOCK_STORE_RETRY_SECONDS", "soon", 5.0),
        ("LOCK_STORE_RETRY_SECONDS", "-3", 0.0),
        ("LOCK_STORE_RETRY_SECONDS", "0.5", 0.5),
        ("TRACKER_STORE_RETRY_SECONDS", "soon", 10.0),
        ("TRACKER_STORE_RETRY_SECONDS", "-3", 0.0),
        ("TRACKER_STORE_RETRY_SECONDS", "2", 2.0),
        ("ACTION_TIMEOUT_SECONDS", "soon", 5.0),
        ("ACTION_TIMEOUT_SECONDS", "0", 5.0),
        ("ACTION_TIMEOUT_SECONDS", "2.5", 2.5),
    ],
)
def test_an_unreadable_timeout_falls_back_without_stopping_anything(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, seconds: float
) -> None:
    monkeypatch.setenv(name, value)
    assert getattr(settings, name.lower())() == seconds


def test_paths_resolve_from_the_repo_root_not_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GUIDANCE_DIR", "tests/data")
    monkeypatch.setenv("WEB_SESSION_SECRET_FILE", "var/key")
    monkeypatch.setenv("TRACKER_STORE_URL", "sqlite:///var/other.db")
    assert settings.guidance_dir() == REPO_ROOT / "tests" / "data"
    assert settings.red_flags_file() == REPO_ROOT / "tests" / "data" / "safety" / "red_flags.yml"
    assert settings.web_session_secret_file() == REPO_ROOT / "var" / "key"
    assert settings.tracker_store_url() == f"sqlite:///{REPO_ROOT}/var/other.db"
    monkeypatch.setenv("GUIDANCE_DIR", str(tmp_path))
    assert settings.guidance_dir() == tmp_path


@pytest.mark.parametrize(
    "url",
    ["sqlite:////tmp/x/trackers.db", "sqlite://", "sqlite:///:memory:", "postgresql://rasa:pw@127.0.0.1:5433/rasa"],
)
def test_other_database_urls_are_left_as_they_are(url: str) -> None:
    assert settings.sqlite_from_repo_root(url) == url


def test_a_relative_sqlite_file_keeps_its_query() -> None:
    assert settings.sqlite_from_repo_root("sqlite:///var/t.db?timeout=5") == f"sqlite:///{REPO_ROOT}/var/t.db?timeout=5"


def test_secrets_stay_out_of_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REST_TOKEN", "rest-token-value-1234")
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:telegram-token-value")
    current = settings.settings()
    assert "rest-token-value" not in repr(current) and "telegram-token-value" not in str(current)
    assert settings.rest_token() == "rest-token-value-1234"


def test_telegram_variables_come_by_name_for_the_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", " 123:abc ")
    monkeypatch.setenv("TELEGRAM_BOT_NAME", "")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")
    assert settings.telegram_environ() == {"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:8081"}


def test_web_origins_are_comma_separated_without_trailing_slashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_ORIGINS", "https://a.example/, ,http://b.example:8080")
    assert settings.web_origins() == ["https://a.example", "http://b.example:8080"]


def test_the_action_endpoint_follows_the_action_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_PORT", "6055")
    assert settings.settings().action_endpoint_url == "http://127.0.0.1:6055/webhook"


def test_a_child_environment_gets_overrides_and_loses_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REST_TOKEN", "inherited-token-value")
    env = settings.child_environ(RASA_PORT="6005", REST_TOKEN=None)
    assert env["RASA_PORT"] == "6005" and "REST_TOKEN" not in env and env["PATH"] == os.environ["PATH"]
    assert os.environ["REST_TOKEN"] == "inherited-token-value"


def test_the_markdown_flag_prints_the_table() -> None:
    printed: List[str] = []
    assert settings.main(["--markdown"], out=printed.append) == 0
    assert printed == [settings_readme.markdown_table()]


def test_the_check_names_an_invalid_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCODER_THREADS", "two")
    printed: List[str] = []
    assert settings.main([], out=printed.append) == 2
    assert "ENCODER_THREADS='two'" in printed[0]


def test_the_makefile_defaults_are_the_modules() -> None:
    """`make` exports its own defaults; they must be the ones code run without `make` gets."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    exported = dict(re.findall(r"^export ([A-Z_]+) \?= (.*)$", makefile, re.MULTILINE))
    current = settings.settings()
    checked = 0
    for name, value in exported.items():
        field = name.lower()
        if field not in Settings.__fields__:
            continue  # Rasa's own, e.g. TICKET_LOCK_LIFETIME
        value = re.sub(r"\$\(([A-Z_]+)\)", lambda m: exported[m.group(1)], value)
        assert getattr(Settings(**{field: value}), field) == getattr(current, field), name
        checked += 1
    assert checked >= 10


def test_nothing_else_reads_the_environment() -> None:
    """The acceptance check of issue 16: only this module (and tests) read os.environ."""
    skip = {".venv", "node_modules", "tests", ".git"}
    readers = [
        str(path.relative_to(REPO_ROOT))
        for path in REPO_ROOT.rglob("*.py")
        if not skip & set(path.relative_to(REPO_ROOT).parts)
        and path != REPO_ROOT / "backcare" / "settings.py"
        and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8"))
    ]
    assert readers == []
