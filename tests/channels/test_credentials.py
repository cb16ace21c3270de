"""The credentials file `make rasa` writes: Telegram only with a token, never without a secret."""

from pathlib import Path

import pytest
import yaml

from channels import credentials
from channels.telegram_settings import TELEGRAM_CHANNEL
from tests.e2e.telegram_standin import SECRET, TOKEN, WEBHOOK_URL

TELEGRAM_ENV = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_BOT_NAME",
                 "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_a_token_the_channels_are_those_of_credentials_yml(clean_env: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "credentials.yml"
    assert credentials.main([str(out)]) == 0
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(credentials.BASE.read_text())


def test_with_a_token_and_a_secret_telegram_is_added_without_secrets(clean_env: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    for name, value in TELEGRAM_ENV.items():
        clean_env.setenv(name, value)
    out = tmp_path / "var" / "credentials.yml"
    assert credentials.main([str(out)]) == 0
    written = out.read_text()
    assert yaml.safe_load(written) == {**yaml.safe_load(credentials.BASE.read_text()), TELEGRAM_CHANNEL: None}
    assert TOKEN not in written and SECRET not in written


def test_a_token_without_a_secret_refuses_to_start(clean_env: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("TELEGRAM_TOKEN", TOKEN)
    clean_env.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    out = tmp_path / "credentials.yml"
    assert credentials.main([str(out)]) == 2
    assert "TELEGRAM_SECRET_TOKEN" in capsys.readouterr().err
    assert not out.exists()
